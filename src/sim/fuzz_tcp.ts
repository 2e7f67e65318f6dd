/**
 * One TCP round of the SIP fuzzer (fuzz_sip.ts): a connection to the SRS, `messages`
 * mutated messages written on it back to back, and what comes back read through the
 * stream framer (RFC 3261 §18.3 framing) until the SRS closes or resets the connection.
 */
import type { FuzzedMessage } from "./fuzz_mutate.ts";
import { SipStreamFramer } from "../sip/stream_framer.ts";

const dec = new TextDecoder("latin1");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a round needs of the fuzzer: its next message, its response handler, its counts. */
export interface TcpFuzzer {
  readonly report: { sent: { tcp: number }; tcpConnections: number; tcpErrors: number };
  next(transport: "TCP", lport: number): FuzzedMessage;
  onResponse(text: string): void;
}

/** Sends `messages` mutated messages over one TCP connection and reads what comes back. */
export async function tcpRound(
  f: TcpFuzzer,
  o: { hostname: string; port: number },
  messages: number,
): Promise<void> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: o.hostname, port: o.port, transport: "tcp" });
  } catch {
    f.report.tcpErrors++;
    return;
  }
  f.report.tcpConnections++;
  const lport = (conn.localAddr as Deno.NetAddr).port;
  const reader = (async () => {
    const framer = new SipStreamFramer();
    const buf = new Uint8Array(16_384);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        for (const item of framer.push(buf.subarray(0, n))) {
          if (item.kind === "message") f.onResponse(dec.decode(item.bytes));
        }
      }
    } catch { /* reset by the SRS: it may close a connection that sent garbage */ }
  })();
  try {
    for (let i = 0; i < messages; i++) {
      const m = f.next("TCP", lport);
      f.report.sent.tcp++;
      for (let off = 0; off < m.bytes.length;) off += await conn.write(m.bytes.subarray(off));
    }
    await Promise.race([reader, sleep(100)]);
  } catch {
    f.report.tcpErrors++;
  } finally {
    try {
      conn.close();
    } catch { /* already closed */ }
    await reader;
  }
}
