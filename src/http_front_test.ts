import assert from "node:assert/strict";
import { HttpFront, type HttpFrontLimits } from "./http_front.ts";
import { httpFrontLimits } from "./web_server.ts";

const LIMITS: HttpFrontLimits = {
  maxConnections: 50,
  maxConnectionsPerSource: 5,
  headerTimeoutMs: 400,
  maxHeaderBytes: 8192,
  idleMs: 5000,
};

/** A loopback upstream that answers with the client address the front maps back. */
async function withFront(
  limits: HttpFrontLimits,
  fn: (front: HttpFront, lines: string[]) => Promise<void>,
): Promise<void> {
  // Assigned once the listener exists; the upstream handler reads it for peerOf().
  // deno-lint-ignore prefer-const
  let front: HttpFront | undefined;
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req, info) => {
    const peer = front?.peerOf(info.remoteAddr.port);
    return new Response(`${req.method} ${new URL(req.url).pathname} from ${peer?.hostname}`);
  });
  const lines: string[] = [];
  const log = {
    warn: (msg: string) => lines.push(msg),
    error: (msg: string) => lines.push(msg),
    info: () => {},
    debug: () => {},
  } as unknown as ConstructorParameters<typeof HttpFront>[3];
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  front = new HttpFront(
    listener,
    () => ({ hostname: "127.0.0.1", port: upstream.addr.port }),
    limits,
    log,
  );
  try {
    await fn(front, lines);
  } finally {
    await front.close();
    await upstream.shutdown();
  }
}

async function halfRequest(port: number): Promise<Deno.TcpConn> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  await c.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n"));
  return c;
}

/** Resolves to the read result, or "open" if nothing happens within `ms`. */
async function readOrOpen(c: Deno.Conn, ms: number): Promise<number | null | "open"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<"open">((r) => timer = setTimeout(() => r("open"), ms));
  try {
    return await Promise.race([c.read(new Uint8Array(1024)).catch(() => null), open]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("the front relays requests and names the real client to the server", async () => {
  await withFront(LIMITS, async (front) => {
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`http://127.0.0.1:${front.port}/p${i}`, { method: "POST", body: "x" });
      assert.equal(await r.text(), `POST /p${i} from 127.0.0.1`);
    }
    assert.equal(front.stats().accepted >= 1, true);
  });
});

Deno.test("a request whose headers never finish is closed at the header deadline", async () => {
  await withFront(LIMITS, async (front) => {
    const c = await halfRequest(front.port);
    try {
      assert.equal(await readOrOpen(c, 3000), null, "closed by the front");
      assert.equal(front.stats().headerTimeouts, 1);
      assert.equal(front.stats().connections, 0);
    } finally {
      c.close();
    }
  });
});

Deno.test("connections over the per-source cap are closed at once; one log line", async () => {
  await withFront({ ...LIMITS, headerTimeoutMs: 60_000 }, async (front, lines) => {
    const held = await Promise.all(Array.from({ length: 5 }, () => halfRequest(front.port)));
    const extra = await Promise.all(Array.from({ length: 3 }, () => halfRequest(front.port)));
    try {
      for (const c of extra) assert.equal(await readOrOpen(c, 2000), null);
      for (const c of held) assert.equal(await readOrOpen(c, 100), "open");
      assert.equal(front.stats().refusedOverLimit, 3);
      assert.equal(lines.filter((l) => l === "web UI connection refused").length, 1);
    } finally {
      for (const c of [...held, ...extra]) c.close();
    }
  });
});

Deno.test("headers larger than maxHeaderBytes close the connection", async () => {
  await withFront({ ...LIMITS, headerTimeoutMs: 60_000 }, async (front) => {
    const c = await halfRequest(front.port);
    try {
      const filler = new TextEncoder().encode(`X-Pad: ${"a".repeat(1000)}\r\n`);
      for (let i = 0; i < 10; i++) await c.write(filler).catch(() => 0);
      assert.equal(await readOrOpen(c, 2000), null);
      assert.equal(front.stats().headerTooLarge, 1);
    } finally {
      c.close();
    }
  });
});

Deno.test("an idle keep-alive connection is closed after idleMs", async () => {
  await withFront({ ...LIMITS, idleMs: 300 }, async (front) => {
    const c = await Deno.connect({ hostname: "127.0.0.1", port: front.port });
    try {
      await c.write(new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
      const buf = new Uint8Array(4096);
      const n = await c.read(buf);
      assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /GET \/a from 127\.0\.0\.1/);
      assert.equal(await readOrOpen(c, 3000), null, "closed when idle");
      assert.equal(front.stats().idleTimeouts, 1);
    } finally {
      c.close();
    }
  });
});

Deno.test("the connection cap is lowered to fit the open-file limit", () => {
  const cfg = {
    maxConnections: 1024,
    maxConnectionsPerSource: 128,
    headerTimeoutSeconds: 10,
    maxHeaderBytes: 65_536,
    idleSeconds: 120,
  };
  assert.equal(httpFrontLimits(cfg, 256).maxConnections, 21);
  assert.equal(httpFrontLimits(cfg, 256).maxConnectionsPerSource, 21);
  assert.equal(httpFrontLimits(cfg, 65_536).maxConnections, 1024);
  assert.equal(httpFrontLimits(cfg, null).headerTimeoutMs, 10_000);
});
