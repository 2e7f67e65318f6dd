/**
 * The web UI listener against a slow-header attacker, on the real `selrec serve` process:
 * 59 connections from one address (beside the test helper's pooled one) each send half a
 * request and stop. The per-source cap (40 here) refuses the rest at once, the header
 * deadline (3 s here) closes the held ones, the web UI then answers again, and /metrics
 * and the log count it.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server.ts";
import { addApiToken } from "../helpers/api_token.ts";

async function halfRequest(port: number): Promise<Deno.TcpConn | null> {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    await c.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    return c;
  } catch {
    return null;
  }
}

/** "closed" when the server closed the connection within `ms`, else "open". */
async function closedWithin(c: Deno.Conn, ms: number): Promise<"closed" | "open"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<"open">((r) => timer = setTimeout(() => r("open"), ms));
  const closed = c.read(new Uint8Array(256)).then(() => "closed" as const, () => "closed" as const);
  try {
    return await Promise.race([closed, open]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The status of GET /healthz on a new connection of its own (fetch would reuse the
 * test helper's pooled keep-alive connection); 0 when the connection is refused.
 */
async function status(port: number): Promise<number> {
  let c: Deno.TcpConn | undefined;
  try {
    c = await Deno.connect({ hostname: "127.0.0.1", port });
    await c.write(
      new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    const buf = new Uint8Array(64);
    const n = await c.read(buf);
    return Number(
      /^HTTP\/1\.1 (\d{3})/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)))?.[1] ?? 0,
    );
  } catch {
    return 0;
  } finally {
    try {
      c?.close();
    } catch { /* closed by the server */ }
  }
}

Deno.test({
  name: "slow-header peers are capped per source and closed at the header deadline",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const configFile = await Deno.makeTempFile({ suffix: ".yaml" });
    await Deno.writeTextFile(
      configFile,
      "http:\n  limits: { maxConnectionsPerSource: 40, headerTimeoutSeconds: 3 }\n",
    );
    const server = await startServer({ configFile });
    const port = Number(new URL(server.httpUrl).port);
    const conns: Deno.TcpConn[] = [];
    try {
      // The helper's readiness probe may hold one pooled connection from this address.
      for (let i = 0; i < 59; i++) {
        const c = await halfRequest(port);
        if (c) conns.push(c);
      }
      // The 20 over the cap are closed at once; the web UI is full for this address.
      const early = await Promise.all(conns.map((c) => closedWithin(c, 500)));
      const refused = early.filter((s) => s === "closed").length;
      assert.ok(refused === 19 || refused === 20, `over the cap: ${refused} closed at once`);
      assert.equal(await status(port), 0, "this source is at its cap");
      // The held 40 are closed at the 3 s header deadline.
      const held = conns.filter((_, i) => early[i] === "open");
      const late = await Promise.all(held.map((c) => closedWithin(c, 8000)));
      assert.equal(late.filter((s) => s === "closed").length, held.length, "closed at deadline");
      assert.equal(await status(port), 200, "answers again");

      const { token } = await addApiToken(server.dataDir, {
        name: "mon",
        scope: "system.manage",
        user: "admin",
      });
      const metrics = await (await fetch(`${server.httpUrl}/metrics`, {
        headers: { Authorization: `Bearer ${token}` },
      })).text();
      const value = (name: string) =>
        Number(new RegExp(`^selrec_${name} (\\d+)`, "m").exec(metrics)?.[1] ?? NaN);
      assert.ok(value("http_connections_refused_total") >= 19, metrics.slice(0, 400));
      assert.ok(value("http_connections_timeouts_total") >= 39);
      assert.match(server.output(), /web UI connection refused/);
    } finally {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed by the server */ }
      }
      const code = await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(configFile);
      assert.equal(code, 0, server.output().slice(-3000));
    }
  },
});
