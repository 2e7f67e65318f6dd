import assert from "node:assert/strict";
import { storageBox } from "./_test_util.ts";
import {
  INTEGRITY_ALARM,
  reportIntegrityFailure,
  reportIntegrityRestored,
} from "./integrity_failure.ts";
import { IntegrityError } from "../seal/integrity_error.ts";
import { openAlarms } from "../store/queries/alarms.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };
const actor = { type: "user" as const, id: 7, name: "carol" };

Deno.test(
  "an integrity finding is flagged, audited and alarmed once; a restore clears it",
  FS,
  async () => {
    await using box = await storageBox();
    const { db } = box.store;
    const a = await box.addRecording();
    const b = await box.addRecording();
    const host = { db, audit: box.host.audit, log: box.host.log };
    const rows = async () =>
      await db.selectFrom("audit_events").select(["action", "recording_id", "actor_name"])
        .where("action", "like", "recording.integrity%").orderBy("seq").execute();
    const rec = async (id: string) =>
      await db.selectFrom("recordings").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

    const err = new IntegrityError(a.file, "SHA-256 is 00, expected 11");
    assert.equal(
      await reportIntegrityFailure(host, await rec(a.id), err, { via: "play", actor }),
      true,
    );
    // A player's next Range requests find the same thing: no more rows.
    for (let i = 0; i < 3; i++) {
      assert.equal(
        await reportIntegrityFailure(host, await rec(a.id), err, { via: "play", actor }),
        false,
      );
    }
    assert.equal((await rows()).length, 1);
    assert.equal((await rec(a.id)).integrity_detail, err.detail);
    // A different finding on the same recording is news.
    const other = new IntegrityError(a.file, "chunk 3 failed authentication");
    assert.equal(
      await reportIntegrityFailure(host, await rec(a.id), other, { via: "scrub", actor }),
      true,
    );
    await reportIntegrityFailure(host, await rec(b.id), err, { via: "export", actor });
    assert.equal((await rows()).length, 3);
    const [alarm] = await openAlarms(db, INTEGRITY_ALARM);
    assert.match(alarm.message, /^2 recordings failed the integrity check; latest /);

    // Restored files: the flags clear, audited; the alarm clears with the last one.
    await reportIntegrityRestored(host, await rec(a.id), { via: "scrub", actor });
    assert.equal((await rec(a.id)).integrity_failed_at, null);
    assert.equal((await openAlarms(db, INTEGRITY_ALARM)).length, 1);
    await reportIntegrityRestored(host, await rec(b.id), { via: "scrub", actor });
    assert.equal((await openAlarms(db, INTEGRITY_ALARM)).length, 0);
    assert.deepEqual((await rows()).map((r) => r.action), [
      "recording.integrity_failed",
      "recording.integrity_failed",
      "recording.integrity_failed",
      "recording.integrity_restored",
      "recording.integrity_restored",
    ]);
  },
);
