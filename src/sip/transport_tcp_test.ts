/** TcpTransport limits on real loopback sockets: caps, allowlist, idle and message deadlines. */
import assert from "node:assert/strict";
import type { PeerAddress } from "./dialog.ts";
import { type TcpLimits, TcpTransport } from "./transport_tcp.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function transport(
  limits: Partial<TcpLimits>,
  extra: { admit?: (f: PeerAddress) => boolean } = {},
) {
  const messages: string[] = [];
  const t = new TcpTransport("127.0.0.1", 0, {
    onMessage: (b) => messages.push(new TextDecoder().decode(b)),
    onFramingError: () => null,
    onError: () => {},
    ...extra,
  }, { limits });
  return { t, messages };
}

/** Resolves true when the peer closed the connection (EOF or reset) within `ms`. */
async function closedWithin(conn: Deno.Conn, ms: number): Promise<boolean> {
  const buf = new Uint8Array(64);
  let id: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<"open">((r) => id = setTimeout(() => r("open"), ms));
  const read = (async () => {
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) return "closed" as const;
      }
    } catch {
      return "closed" as const;
    }
  })();
  const result = await Promise.race([read, timer]);
  clearTimeout(id);
  if (result === "open") reads.add(read);
  return result === "closed";
}

/** Reads still pending on connections the test found open; they end when it closes them. */
const reads = new Set<Promise<unknown>>();

function connect(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

Deno.test({
  name: "TcpTransport closes connections over the per-source and overall caps at accept",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { t } = transport({ maxConnections: 5, maxConnectionsPerSource: 3 });
    const conns = await Promise.all(Array.from({ length: 6 }, () => connect(t.port)));
    await sleep(100);
    assert.equal(t.connections, 3);
    assert.equal(t.stats().refusedOverLimit, 3);
    const results = await Promise.all(conns.map((c) => closedWithin(c, 300)));
    assert.deepEqual(results.filter(Boolean).length, 3, "three were closed");
    for (const c of conns) c.close();
    await Promise.all(reads);
    await sleep(50);
    assert.equal(t.connections, 0, "closing frees the per-source slots");
    const again = await connect(t.port);
    await sleep(50);
    assert.equal(t.connections, 1);
    again.close();
    await t.close();
    const overall = transport({ maxConnections: 2, maxConnectionsPerSource: 10 });
    const more = await Promise.all(Array.from({ length: 4 }, () => connect(overall.t.port)));
    await sleep(100);
    assert.equal(overall.t.connections, 2);
    assert.equal(overall.t.stats().refusedOverLimit, 2);
    for (const c of more) c.close();
    await overall.t.close();
  },
});

Deno.test({
  name: "TcpTransport closes a connection from a source the admit hook refuses",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { t } = transport({}, { admit: () => false });
    const c = await connect(t.port);
    assert.ok(await closedWithin(c, 1000));
    assert.equal(t.stats().refusedSource, 1);
    c.close();
    await Promise.all(reads);
    await t.close();
  },
});

Deno.test({
  name:
    "TcpTransport: idle connections close, CRLF keep-alives keep one open, a half message times out",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { t, messages } = transport({ idleMs: 400, headerTimeoutMs: 300 });
    const idle = await connect(t.port);
    const kept = await connect(t.port);
    const slow = await connect(t.port);
    await slow.write(enc("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"));
    const pinger = (async () => {
      for (let i = 0; i < 8; i++) {
        await kept.write(enc("\r\n\r\n"));
        await sleep(100);
      }
    })();
    const [idleClosed, slowClosed] = await Promise.all([
      closedWithin(idle, 900),
      closedWithin(slow, 600),
    ]);
    await pinger;
    assert.ok(slowClosed, "a message started and not finished is cut at the header timeout");
    assert.ok(idleClosed, "a silent connection is closed after idleMs");
    assert.equal(t.stats().headerTimeouts, 1);
    assert.equal(t.stats().idleClosed, 1);
    assert.equal(t.connections, 1, "the pinging connection stays");
    await kept.write(enc("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n"));
    await sleep(50);
    assert.equal(messages.length, 1);
    for (const c of [idle, kept, slow]) c.close();
    await Promise.all(reads);
    await t.close();
  },
});

Deno.test({
  name: "TcpTransport keeps an idle connection that carries a live dialog",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    let busy = new Set<string>();
    const t = new TcpTransport("127.0.0.1", 0, {
      onMessage: () => {},
      onFramingError: () => null,
      onError: () => {},
      busyPeers: () => busy,
    }, { limits: { idleMs: 200 } });
    const c = await connect(t.port);
    const local = c.localAddr as Deno.NetAddr;
    busy = new Set([`${local.hostname}:${local.port}`]);
    assert.ok(!(await closedWithin(c, 500)), "kept while its dialog lives");
    busy = new Set();
    assert.ok(await closedWithin(c, 800), "closed once idle without a dialog");
    c.close();
    await Promise.all(reads);
    await t.close();
  },
});
