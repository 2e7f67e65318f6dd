/**
 * The real server as a `Type=notify` unit sees it: READY=1 once /healthz answers, a
 * WATCHDOG=1 ping every half WATCHDOG_USEC, STOPPING=1 when SIGTERM starts the drain.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server.ts";

Deno.test({
  name: "serve notifies READY=1, pings WATCHDOG=1 and says STOPPING=1 on SIGTERM",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-notify-" });
    const path = `${dir}/notify`;
    const sock = Deno.listenDatagram({ transport: "unixpacket", path });
    const got: { at: number; msg: string }[] = [];
    const reader = (async () => {
      const dec = new TextDecoder();
      try {
        while (true) got.push({ at: Date.now(), msg: dec.decode((await sock.receive())[0]) });
      } catch {
        // closed
      }
    })();
    const server = await startServer({
      env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: "600000" },
    });
    try {
      const r = await fetch(`${server.httpUrl}/healthz`);
      await r.body?.cancel();
      assert.equal(r.status, 200);
      await new Promise((r) => setTimeout(r, 1500));
      assert.match(got[0]?.msg ?? "", /^READY=1\n/, JSON.stringify(got));
      const pings = got.filter((g) => g.msg === "WATCHDOG=1");
      assert.ok(pings.length >= 3, `pings in 1.5 s at 0.3 s: ${pings.length}`);
      const gaps = pings.slice(1).map((p, i) => p.at - pings[i].at);
      assert.ok(Math.max(...gaps) < 600, `a gap reached the watchdog period: ${gaps}`);
      assert.equal(await server.stop(), 0);
      assert.ok(got.some((g) => g.msg.startsWith("STOPPING=1")), JSON.stringify(got));
    } finally {
      await server.kill();
      sock.close();
      await reader;
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(server.dataDir, { recursive: true });
    }
  },
});
