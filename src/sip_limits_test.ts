import assert from "node:assert/strict";
import { openFileLimit, sipTcpLimits } from "./sip_limits.ts";

const CFG = {
  maxConnections: 1024,
  maxConnectionsPerSource: 64,
  idleSeconds: 120,
  headerTimeoutSeconds: 10,
};

Deno.test("openFileLimit() reads the soft limit from /proc/self/limits", () => {
  const text = "Limit                     Soft Limit           Hard Limit           Units\n" +
    "Max open files            256                  4096                 files\n";
  assert.equal(openFileLimit(() => text), 256);
  assert.equal(openFileLimit(() => "Max open files unlimited unlimited files\n"), null);
  assert.equal(
    openFileLimit(() => {
      throw new Error("no /proc");
    }),
    null,
  );
  assert.ok((openFileLimit() ?? 1) > 0);
});

Deno.test("sipTcpLimits() keeps the TCP cap under a quarter of the descriptor limit", () => {
  assert.deepEqual(sipTcpLimits(CFG, 65536), {
    maxConnections: 1024,
    maxConnectionsPerSource: 64,
    idleMs: 120_000,
    headerTimeoutMs: 10_000,
  });
  const low = sipTcpLimits(CFG, 256);
  assert.equal(low.maxConnections, 64);
  assert.equal(
    sipTcpLimits({ ...CFG, maxConnectionsPerSource: 500 }, 256).maxConnectionsPerSource,
    64,
  );
  assert.equal(sipTcpLimits(CFG, 10).maxConnections, 8, "never below the floor");
  assert.equal(sipTcpLimits(CFG, null).maxConnections, 1024);
});
