import assert from "node:assert/strict";
import { join } from "node:path";
import { type KeysBox, keysBox } from "../keys/_test_util.ts";
import { rotationTarget } from "../keys/key_admin.ts";
import { runRotate } from "../keys/rotate_run.ts";
import { StepPause } from "../keys/key_files.ts";
import { fileOf, rewrapJobs } from "../store/queries/key_jobs.ts";
import { IntegrityError, openRecordingBytes } from "./recording_bytes.ts";
import { rewrapLookup } from "./rewrap_window.ts";
import { runScrub } from "./scrub_run.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

const audio = new Uint8Array(40_000).map((_, i) => (i * 7) ^ (i >> 5));

/**
 * Runs `keys rotate`'s work (the real runRotate) and holds it after its `nth` new slot
 * is written and before the row follows: the journal row is there, the file has the new
 * slot, the row still has the old digest. `during` runs in that window.
 */
async function inRotationWindow(box: KeysBox, during: () => Promise<void>): Promise<void> {
  const hookFile = join(box.dir, "hook");
  const t = await rotationTarget(box.store.db, box.config);
  const run = runRotate(box.store.db, t.keyring, {
    keyId: t.keyId,
    hook: StepPause.parse(`written:1:${hookFile}`),
  });
  try {
    for (let i = 0; !(await Deno.stat(hookFile).then(() => true, () => false)); i++) {
      if (i > 500) throw new Error("the rotation did not reach its written step");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((await rewrapJobs(box.store.db)).length, 1, "the step is journaled");
    await during();
  } finally {
    await Deno.remove(hookFile).catch(() => {});
    await run;
  }
}

function scrubHost(box: KeysBox) {
  return { db: box.store.db, audit: box.host.audit, log: box.host.log };
}

async function flagged(box: KeysBox, id: string) {
  const row = await box.store.db.selectFrom("recordings").select("integrity_failed_at")
    .where("id", "=", id).executeTakeFirstOrThrow();
  const audits = await box.store.db.selectFrom("audit_events").select("action")
    .where("action", "=", "recording.integrity_failed").where("recording_id", "=", id).execute();
  return { flag: row.integrity_failed_at !== null, audits: audits.length };
}

Deno.test(
  "mid-rotation (new slot written, row not switched yet) a read and the scrubber accept the file",
  FS,
  async () => {
    await using box = await keysBox();
    const { id, file } = await box.addSealed(audio);
    const keyring = await box.keyring();
    const unwrapFor = (p: string) => keyring.unwrapFor(p);
    const rewraps = rewrapLookup(box.store.db);
    await inRotationWindow(box, async () => {
      const rec = (await fileOf(box.store.db, id))!.recording;
      await assert.rejects(
        openRecordingBytes(rec, file, { unwrapFor }),
        IntegrityError,
        "without the journal the new slot is a mismatch",
      );
      const bytes = await openRecordingBytes(rec, file, { unwrapFor, rewraps });
      assert.deepEqual(await bytes.readAll(), audio);
      const r = await runScrub(scrubHost(box), { keyring });
      assert.deepEqual([r.ok, r.failed], [1, 0], JSON.stringify(r.items));
    });
    assert.deepEqual(await flagged(box, id), { flag: false, audits: 0 });
  },
);

Deno.test(
  "a reader that read the row before the rotation switched it accepts the file once the row moved on",
  FS,
  async () => {
    await using box = await keysBox();
    const { id, file } = await box.addSealed(audio);
    const before = (await fileOf(box.store.db, id))!.recording;
    await inRotationWindow(box, () => Promise.resolve());
    const keyring = await box.keyring();
    const after = (await fileOf(box.store.db, id))!.recording;
    assert.notEqual(after.sha256, before.sha256, "the rotation switched the row");
    const unwrapFor = (p: string) => keyring.unwrapFor(p);
    await assert.rejects(openRecordingBytes(before, file, { unwrapFor }), IntegrityError);
    const bytes = await openRecordingBytes(before, file, {
      unwrapFor,
      rewraps: rewrapLookup(box.store.db),
    });
    assert.deepEqual(await bytes.readAll(), audio);
  },
);

Deno.test(
  "mid-rotation a file with one changed byte is still refused, and the scrubber flags it",
  FS,
  async () => {
    await using box = await keysBox();
    const { id, file } = await box.addSealed(audio);
    const keyring = await box.keyring();
    const rewraps = rewrapLookup(box.store.db);
    await inRotationWindow(box, async () => {
      await new Promise((r) => setTimeout(r, 25)); // a new mtime tick
      using f = await Deno.open(file, { read: true, write: true });
      await f.seek(5000, Deno.SeekMode.Start);
      const b = new Uint8Array(1);
      await f.read(b);
      await f.seek(5000, Deno.SeekMode.Start);
      await f.write(new Uint8Array([b[0] ^ 0x20]));
      const rec = (await fileOf(box.store.db, id))!.recording;
      await assert.rejects(
        openRecordingBytes(rec, file, { unwrapFor: (p) => keyring.unwrapFor(p), rewraps }),
        IntegrityError,
      );
      const r = await runScrub(scrubHost(box), { keyring });
      assert.deepEqual([r.ok, r.failed], [0, 1]);
    });
    assert.deepEqual(await flagged(box, id), { flag: true, audits: 1 });
  },
);
