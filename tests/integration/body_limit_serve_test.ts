/**
 * Issue 19 defect 6 against the real `selrec serve` process: a 300 MB POST to /sign-in
 * (unauthenticated) took the server from 461 MB to 1.72 GB. It must now answer 413 with
 * the server's peak RSS (VmHWM) under 50 MB above its RSS before the upload, whether the
 * size is declared or the body is chunked. The body is generated as it is sent, over a
 * raw socket, so the test holds 1 MB of it at a time.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server.ts";

const T = { sanitizeResources: true, sanitizeOps: true };
const TOTAL = 300 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** A field of /proc/PID/status in bytes (VmRSS, VmHWM). */
async function procKb(pid: number, field: string): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/**
 * POSTs a 300 MB form body to `port` (chunked, or with Content-Length), writing until the
 * whole body is sent or the server stops taking it; returns the status line and bytes sent.
 */
async function post300Mb(
  port: number,
  chunked: boolean,
): Promise<{ status: string; sent: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const enc = new TextEncoder();
  const framing = chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${TOTAL}`;
  const head = `POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `Content-Type: application/x-www-form-urlencoded\r\n${framing}\r\n\r\n`;
  const reading = (async () => {
    const buf = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) return text;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.includes("\r\n")) return text;
    }
  })();
  let sent = 0;
  let answered = false;
  // Once the answer is in, stop sending: a write blocked on a full socket ends with it.
  reading.then(() => {
    answered = true;
    conn.close();
  });
  try {
    await conn.write(enc.encode(head));
    const data = new Uint8Array(CHUNK).fill(0x61);
    data.set(enc.encode("username=admin&password=x&pad="));
    const size = enc.encode(`${CHUNK.toString(16)}\r\n`);
    const crlf = enc.encode("\r\n");
    while (sent < TOTAL && !answered) {
      if (chunked) await conn.write(size);
      let off = 0;
      while (off < data.length) off += await conn.write(data.subarray(off));
      if (chunked) await conn.write(crlf);
      sent += CHUNK;
    }
    if (chunked && sent >= TOTAL) await conn.write(enc.encode("0\r\n\r\n"));
  } catch {
    // the server closed the connection after its 413: expected
  }
  const response = await reading;
  return { status: response.split("\r\n")[0], sent };
}

Deno.test({
  ...T,
  name: "a 300 MB POST to /sign-in answers 413 with server RSS growth under 50 MB",
  async fn() {
    await using server = await startServer();
    const pid = server.process.pid;
    const port = Number(new URL(server.httpUrl).port);
    // Warm the sign-in route once so its code is loaded before the baseline.
    const warm = await fetch(`${server.httpUrl}/sign-in`);
    await warm.body?.cancel();
    const before = await procKb(pid, "VmRSS");
    for (const chunked of [true, false]) {
      const t0 = Date.now();
      const { status, sent } = await post300Mb(port, chunked);
      console.log(`chunked=${chunked}: ${status} after ${sent} bytes sent (${Date.now() - t0} ms)`);
      assert.match(status, /^HTTP\/1\.1 413/, `chunked=${chunked}: sent ${sent} bytes`);
    }
    const peak = await procKb(pid, "VmHWM");
    const growth = peak - before;
    console.log(
      `server RSS before ${(before / 2 ** 20).toFixed(1)} MB, peak ${
        (peak / 2 ** 20).toFixed(1)
      } MB, growth ${(growth / 2 ** 20).toFixed(1)} MB`,
    );
    assert.ok(growth < 50 * 2 ** 20, `RSS grew ${growth} bytes`);
    const health = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(health.status, 200, "the server still answers");
    await health.body?.cancel();
    assert.equal(await server.stop(), 0);
    await Deno.remove(server.dataDir, { recursive: true });
  },
});
