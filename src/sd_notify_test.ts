import assert from "node:assert/strict";
import { notifyMessage, notifySocketPath, SdNotifier, watchdogIntervalMs } from "./sd_notify.ts";
import { nullLogger } from "./log.ts";

const dec = new TextDecoder();

/** A listening notify socket standing in for systemd's, at a file path or abstract name. */
function listener(path: string): { conn: Deno.DatagramConn; next(): Promise<string> } {
  const conn = Deno.listenDatagram({ transport: "unixpacket", path: notifySocketPath(path) });
  return { conn, next: async () => dec.decode((await conn.receive())[0]) };
}

Deno.test("notifyMessage() joins KEY=VALUE lines and keeps a value on its line", () => {
  assert.equal(notifyMessage({ READY: "1", STATUS: "a\nb" }), "READY=1\nSTATUS=a b");
});

Deno.test("watchdogIntervalMs() is half WATCHDOG_USEC, only for the named pid", () => {
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000" }, 7), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "7" }, 7), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "8" }, 7), null);
  assert.equal(watchdogIntervalMs({}, 7), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "0" }, 7), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "x" }, 7), null);
});

Deno.test("SdNotifier without NOTIFY_SOCKET is disabled and sends nothing", async () => {
  const n = new SdNotifier({ WATCHDOG_USEC: "1000000" }, nullLogger);
  assert.equal(n.enabled, false);
  assert.equal(n.watchdogIntervalMs, null);
  assert.equal(await n.send({ READY: "1" }), false);
  await n.ready();
  n.close();
});

Deno.test({
  name: "SdNotifier sends READY=1, WATCHDOG=1 pings at half the period, STOPPING=1",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const sock = listener(`${dir}/notify`);
    const n = new SdNotifier(
      { NOTIFY_SOCKET: `${dir}/notify`, WATCHDOG_USEC: "100000" },
      nullLogger,
    );
    assert.equal(n.watchdogIntervalMs, 50);
    await n.ready();
    assert.equal(await sock.next(), "READY=1\nSTATUS=running");
    const t0 = Date.now();
    assert.equal(await sock.next(), "WATCHDOG=1");
    assert.equal(await sock.next(), "WATCHDOG=1");
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 60 && elapsed < 2000, `two pings took ${elapsed} ms`);
    await n.stopping();
    let msg = await sock.next();
    while (msg === "WATCHDOG=1") msg = await sock.next();
    assert.equal(msg, "STOPPING=1\nSTATUS=draining");
    n.close();
    sock.conn.close();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "SdNotifier reaches an abstract socket named @name",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const name = `@selrec-test-${crypto.randomUUID()}`;
    const sock = listener(name);
    const n = new SdNotifier({ NOTIFY_SOCKET: name }, nullLogger);
    assert.equal(await n.send({ READY: "1" }), true);
    assert.equal(await sock.next(), "READY=1");
    n.close();
    sock.conn.close();
  },
});

Deno.test({
  name: "SdNotifier logs once and carries on when nobody listens",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const warnings: string[] = [];
    const log = { ...nullLogger, warn: (msg: string) => void warnings.push(msg) };
    const n = new SdNotifier({ NOTIFY_SOCKET: "/nonexistent/selrec-notify" }, log);
    assert.equal(await n.send({ READY: "1" }), false);
    assert.equal(await n.send({ READY: "1" }), false);
    assert.deepEqual(warnings, ["cannot notify the service manager"]);
    n.close();
  },
});
