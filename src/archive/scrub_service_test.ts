import assert from "node:assert/strict";
import { storageBox } from "./_test_util.ts";
import { SCRUB_SETTING, type ScrubService, scrubService } from "./scrub_service.ts";
import { getSetting } from "../store/queries/storage.ts";
import { openAlarms } from "../store/queries/alarms.ts";
import { INTEGRITY_ALARM } from "./integrity_failure.ts";
import { resolveConfig } from "../config.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };
const RATE = 100_000;
const SIZE = 150_000;

/** Virtual time: sleeping advances it at once; `onTick` runs after each advance. */
function virtualClock() {
  const c = {
    t: 0,
    /** The length of the last sleep. */
    last: 0,
    onTick: () => {},
    now: () => c.t,
    async sleep(ms: number, signal?: AbortSignal) {
      signal?.throwIfAborted();
      c.t += ms;
      c.last = ms;
      c.onTick();
      await new Promise((r) => setTimeout(r, 0));
      signal?.throwIfAborted();
    },
  };
  return c;
}

function metric(s: ScrubService, name: string): number {
  const m = s.metrics().find((m) => m.name === name);
  return m && "value" in m ? m.value : NaN;
}

const recordingsScrubbed = (s: ScrubService) => metric(s, "scrub_recordings_total");

Deno.test("the background scrub keeps to its budget and resumes after a restart", FS, async () => {
  await using box = await storageBox();
  const recs = [];
  for (let i = 0; i < 8; i++) recs.push(await box.addRecording({ bytes: SIZE }));
  const { db } = box.store;
  const clock = virtualClock();
  const deps = {
    db,
    audit: box.host.audit,
    log: box.host.log,
    now: () => 1_800_000_000_000 + clock.t,
    clock,
    batch: 3,
    scrub: { enabled: true, bytesPerSecond: RATE, passInterval: "24h", stallTimeout: "2m" },
  };

  // First run: stopped after about 3.5 recordings' worth of reading.
  const first = scrubService(deps);
  let stopping: Promise<void> | null = null;
  clock.onTick = () => {
    if (clock.t > (3.5 * SIZE / RATE) * 1000) stopping ??= first.stop();
  };
  await first.start();
  while (!stopping) await new Promise((r) => setTimeout(r, 5));
  await stopping;
  const done = recordingsScrubbed(first);
  assert.ok(done >= 2 && done <= 4, `first run scrubbed ${done}`);
  const cursor = await getSetting(db, SCRUB_SETTING.cursor);
  const order = recs.map((r) => r.id).sort();
  assert.equal(cursor, order[done - 1], "the cursor is the last recording scrubbed");

  // Second run (a restart): reads only the rest of the pass, within the budget.
  const second = scrubService(deps);
  const t0 = clock.t;
  let end: number | null = null;
  clock.onTick = () => {
    if (second.passes >= 1 && end === null) {
      end = clock.t - clock.last; // the pass ended before this sleep (the rest) began
      stopping = second.stop();
    }
  };
  stopping = null;
  await second.start();
  while (!stopping) await new Promise((r) => setTimeout(r, 5));
  await stopping;
  const rest = recordingsScrubbed(second);
  assert.equal(rest, recs.length - done, "the restart went on from the cursor");
  const seconds = (end! - t0) / 1000;
  const bytes = rest * SIZE;
  assert.ok(seconds >= (bytes - 65_536) / RATE, `${bytes} B in ${seconds} s`);
  assert.ok(seconds <= bytes / RATE + 1, `${bytes} B in ${seconds} s`);
  assert.equal(await getSetting(db, SCRUB_SETTING.cursor), "", "a finished pass starts over");
  assert.ok(await getSetting(db, SCRUB_SETTING.lastPassAt));
});

Deno.test("the background scrub flags, audits and alarms a changed file", FS, async () => {
  await using box = await storageBox();
  const good = await box.addRecording({ bytes: 10_000 });
  const bad = await box.addRecording({ bytes: 10_000 });
  using f = await Deno.open(bad.file, { read: true, write: true });
  await f.seek(5000, Deno.SeekMode.Start);
  await f.write(new Uint8Array([0xff ^ ((5000 * 31 + 2) & 0xff)]));
  const clock = virtualClock();
  const svc = scrubService({
    db: box.store.db,
    audit: box.host.audit,
    log: box.host.log,
    clock,
    scrub: { enabled: true, bytesPerSecond: 1_000_000, passInterval: "24h", stallTimeout: "2m" },
  });
  let stopping: Promise<void> | null = null;
  clock.onTick = () => {
    if (svc.passes >= 1) stopping ??= svc.stop();
  };
  await svc.start();
  while (!stopping) await new Promise((r) => setTimeout(r, 5));
  await stopping;
  const rows = await box.store.db.selectFrom("recordings")
    .select(["id", "integrity_failed_at", "integrity_detail"]).orderBy("id").execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.equal(byId.get(good.id)!.integrity_failed_at, null);
  assert.ok(byId.get(bad.id)!.integrity_failed_at);
  assert.match(byId.get(bad.id)!.integrity_detail!, new RegExp(`expected ${bad.sha256}`));
  const audit = await box.store.db.selectFrom("audit_events").selectAll()
    .where("action", "=", "recording.integrity_failed").execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0].recording_id, bad.id);
  assert.equal(audit[0].actor_name, "scrub");
  const alarms = await openAlarms(box.store.db, INTEGRITY_ALARM);
  assert.equal(alarms.length, 1);
  assert.match(alarms[0].message, new RegExp(bad.id));
  assert.equal(metric(svc, "scrub_integrity_failures_total"), 1);
});

Deno.test("scrub config: defaults, and errors that name the field", () => {
  const d = resolveConfig({}, {}, "test").scrub;
  assert.deepEqual({ ...d }, {
    enabled: true,
    bytesPerSecond: 4_194_304,
    passInterval: "24h",
    stallTimeout: "2m",
  });
  assert.throws(
    () => resolveConfig({ scrub: { bytesPerSecond: 10 } }, {}, "t.yaml"),
    /scrub\.bytesPerSecond/,
  );
  assert.throws(
    () => resolveConfig({ scrub: { passInterval: "soon" } }, {}, "t.yaml"),
    /scrub\.passInterval/,
  );
  assert.throws(() => resolveConfig({ scrub: { budget: 1 } }, {}, "t.yaml"), /scrub/);
});
