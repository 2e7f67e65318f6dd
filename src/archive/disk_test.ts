import assert from "node:assert/strict";
import { evaluateQuota, fsUsage, parseDf } from "./disk.ts";
import { ConfigSchema } from "../config.ts";

const storage = (s: Record<string, unknown> = {}) =>
  ConfigSchema.parse({ storage: { reserveBytes: 0, ...s } }).storage;
const fs = (used: number, size = 1000, avail = size - used) => ({
  sizeBytes: size,
  usedBytes: used,
  availBytes: avail,
});

Deno.test("parseDf() reads size, used and avail from df -B1 output", () => {
  const text = "1B-blocks     Used    Avail\n 1048576   4096  1044480\n";
  assert.deepEqual(parseDf(text), { sizeBytes: 1048576, usedBytes: 4096, availBytes: 1044480 });
});

Deno.test("parseDf() rejects output without a data line", () => {
  assert.throws(() => parseDf("1B-blocks Used Avail\n"), SyntaxError);
});

Deno.test({
  name: "fsUsage() measures a real directory",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const u = await fsUsage(Deno.cwd());
    assert.ok(u.sizeBytes > 0 && u.usedBytes >= 0 && u.availBytes >= 0);
  },
});

Deno.test("evaluateQuota() maps a percent quota of the filesystem to watermark levels", () => {
  const s = storage({ quota: "50%" });
  assert.equal(evaluateQuota(fs(300), 0, s).level, "ok");
  assert.equal(evaluateQuota(fs(400), 0, s).level, "warn");
  assert.equal(evaluateQuota(fs(450), 0, s).level, "high");
  const c = evaluateQuota(fs(490), 0, s);
  assert.equal(c.level, "critical");
  assert.equal(c.quotaBytes, 500);
  assert.equal(c.freeBytes, 10);
});

Deno.test("evaluateQuota() counts only spool bytes against a byte quota", () => {
  const s = storage({ quota: 1000 });
  assert.equal(evaluateQuota(fs(999_000, 1_000_000), 100, s).level, "ok");
  assert.equal(evaluateQuota(fs(0, 1_000_000), 970, s).level, "critical");
});

Deno.test("evaluateQuota() is critical below the reserve whatever the quota", () => {
  const s = storage({ reserveBytes: 100 });
  const q = evaluateQuota(fs(950, 1000, 50), 0, s);
  assert.equal(q.level, "critical");
  assert.match(q.reason, /below the 100-byte reserve/);
});

Deno.test("evaluateQuota() holds a level until usage falls a point below its threshold", () => {
  const s = storage({ quota: 1000 });
  assert.equal(evaluateQuota(fs(0, 10_000), 895, s, "high").level, "high");
  assert.equal(evaluateQuota(fs(0, 10_000), 895, s, "ok").level, "warn");
  assert.equal(evaluateQuota(fs(0, 10_000), 885, s, "high").level, "warn");
});
