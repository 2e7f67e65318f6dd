import assert from "node:assert/strict";
import { storageBox } from "./_test_util.ts";
import { storageService, watermarkLogLevel } from "./storage_service.ts";
import { createLogger } from "../log.ts";
import { selrec } from "./_test_util.ts";
import { openAlarms } from "../store/queries/alarms.ts";
import { WATERMARK_ALARM } from "./status.ts";

Deno.test({
  name: "storageService() refuses while critical, archives at once, and clears when space returns",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
    await using box = await storageBox({
      quota: 10_000,
      targets: [{ name: "nas", path: target, mount: { type: "local" } }],
      archiveAfter: "30d",
    });
    assert.equal((await selrec(box, ["storage", "init-target", "nas"])).code, 0);
    await box.addRecording({ bytes: 5000 });
    await box.addRecording({ bytes: 5000 });
    const svc = storageService(box.host, { diskPollMs: 3_600_000, loopIntervalMs: 3_600_000 });
    await svc.start();
    assert.match(svc.refusal() ?? "", /^storage critical: spool at 100\.0% of its quota/);
    assert.equal((await openAlarms(box.store.db, WATERMARK_ALARM))[0]?.severity, "critical");
    await svc.runNow();
    assert.equal(svc.refusal(), null);
    assert.equal(svc.level(), "ok");
    const st = svc.status()!;
    assert.deepEqual(st.backlog, { count: 0, bytes: 0 });
    assert.ok(st.lastArchiveAt);
    assert.equal(st.targets[0].healthy, true);
    assert.equal((await openAlarms(box.store.db, WATERMARK_ALARM)).length, 0);
    await svc.stop();
    await Deno.remove(target, { recursive: true });
  },
});

Deno.test("watermarkLogLevel() logs a rise into critical as an error, into warn/high as a warning", () => {
  assert.equal(watermarkLogLevel("ok", "critical"), "error");
  assert.equal(watermarkLogLevel("high", "critical"), "error");
  assert.equal(watermarkLogLevel("ok", "high"), "warn");
  assert.equal(watermarkLogLevel("ok", "warn"), "warn");
  assert.equal(watermarkLogLevel("critical", "ok"), "info");
  assert.equal(watermarkLogLevel("critical", "high"), "info");
});

Deno.test({
  name: "storageService() logs the move to critical storage at error level",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using box = await storageBox({ quota: 10_000 });
    await box.addRecording({ bytes: 9_900 });
    const lines: { level: string; msg: string; to?: string }[] = [];
    const log = createLogger({
      level: "info",
      format: "json",
      write: (line) => lines.push(JSON.parse(line)),
    });
    const svc = storageService({ ...box.host, log }, {
      diskPollMs: 3_600_000,
      loopIntervalMs: 3_600_000,
    });
    await svc.start();
    assert.equal(svc.level(), "critical");
    const moves = lines.filter((l) => l.msg === "storage watermark");
    assert.deepEqual(moves.map((l) => [l.level, l.to]), [["error", "critical"]]);
    await svc.stop();
  },
});
