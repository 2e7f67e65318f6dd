/**
 * SRTP receive cost per packet against the number of live sessions in the process
 * (AES_CM_128_HMAC_SHA1_80, 160-byte payloads, packets spread round-robin over all
 * sessions, as the capture worker sees them): libsrtp2 through FFI (srtp_unprotect), the
 * TypeScript context (src/rtp/srtp_cm.ts), and SrtpReceiver as the capture worker uses it
 * (srtp_cm for RTP plus one libsrtp session per stream kept for SRTCP). Each figure
 * includes the copy of the datagram into the receive buffer (given alone as the baseline).
 * Run: scripts/dev.sh deno run -A scripts/bench_srtp_sessions.ts [PACKETS] [SESSIONS,…]
 * The table goes to stderr; stdout gets one JSON document (a `deno task bench` case).
 */
import { libSrtpVersion, SRTP_OK, SrtpContext } from "../src/rtp/srtp_ffi.ts";
import { SrtpCmContext } from "../src/rtp/srtp_cm.ts";
import { SrtpReceiver } from "../src/rtp/srtp_receiver.ts";

const SUITE = "AES_CM_128_HMAC_SHA1_80";
const PAYLOAD = 160;
const N = Number(Deno.args[0] ?? 70_000);
const SESSIONS = (Deno.args[1] ?? "1,100,700").split(",").map(Number);
/** Share of the packets run before the clock starts (JIT warm-up); the rest is measured. */
const WARMUP = 0.2;

interface Figure {
  usPerPacket: number;
  heapBytesPerPacket: number;
}

/** Per session: a master key and its packets in sequence order (the sender's libsrtp). */
function protectAll(sessions: number, perSession: number) {
  const keys: Uint8Array[] = [];
  const wire: Uint8Array[][] = [];
  for (let s = 0; s < sessions; s++) {
    const keySalt = crypto.getRandomValues(new Uint8Array(30));
    const tx = new SrtpContext(SUITE, keySalt, "outbound");
    const seq0 = Math.floor(Math.random() * 65_536);
    const list: Uint8Array[] = [];
    for (let i = 0; i < perSession; i++) {
      const b = new Uint8Array(12 + PAYLOAD + 16);
      const seq = (seq0 + i) & 0xffff;
      b.set([0x80, 0, seq >> 8, seq & 0xff, 0, 0, 0, 0, 0xca, 0xfe, s >> 8, s & 0xff]);
      b.fill(s & 0xff, 12, 12 + PAYLOAD);
      tx.protect(b, 12 + PAYLOAD);
      list.push(b.slice(0, tx.length));
    }
    tx.close();
    keys.push(keySalt);
    wire.push(list);
  }
  return { keys, wire };
}

/**
 * Runs `receive(session, datagram)` over all packets, round-robin over the sessions: the
 * first {@link WARMUP} share untimed, the rest timed. The datagram is a view of one
 * receive buffer (made once per length, as a socket reader would reuse it). Throws if a
 * packet fails.
 */
function measure(
  wire: Uint8Array[][],
  receive: (session: number, datagram: Uint8Array) => boolean,
): Figure {
  const buf = new Uint8Array(2049);
  const views: Uint8Array[] = [];
  const rounds = wire[0].length, warm = Math.floor(rounds * WARMUP);
  const run = (from: number, to: number) => {
    let bad = 0;
    for (let r = from; r < to; r++) {
      for (let s = 0; s < wire.length; s++) {
        const p = wire[s][r];
        buf.set(p);
        if (!receive(s, views[p.length] ??= buf.subarray(0, p.length))) bad++;
      }
    }
    if (bad) throw new Error(`${bad} packets failed`);
  };
  run(0, warm);
  const heap = Deno.memoryUsage().heapUsed;
  const t0 = performance.now();
  run(warm, rounds);
  const ms = performance.now() - t0;
  const packets = (rounds - warm) * wire.length;
  return {
    usPerPacket: Math.round((ms * 1000 / packets) * 100) / 100,
    heapBytesPerPacket: Math.round((Deno.memoryUsage().heapUsed - heap) / packets),
  };
}

function row(sessions: number, name: string, f: Figure) {
  console.error(
    `${String(sessions).padStart(5)} sessions  ${name.padEnd(34)} ${
      f.usPerPacket.toFixed(2).padStart(7)
    } µs/packet  ${String(f.heapBytesPerPacket).padStart(5)} heap bytes/packet`,
  );
}

const results: Record<string, Record<string, Figure>> = {};
console.error(`${libSrtpVersion()}, ${SUITE}, ${PAYLOAD}-byte payloads, ${N} packets per run`);
for (const sessions of SESSIONS) {
  const { keys, wire } = protectAll(sessions, Math.ceil(N / sessions));
  const out: Record<string, Figure> = {};
  out.copyOnly = measure(wire, () => true);

  const lib = keys.map((k) => new SrtpContext(SUITE, k, "inbound"));
  out.libsrtp = measure(wire, (s, d) => lib[s].unprotect(d, d.length) === SRTP_OK);
  for (const c of lib) c.close();

  const cm = keys.map((k) => new SrtpCmContext(SUITE, k));
  out.srtpCm = measure(wire, (s, d) => cm[s].unprotect(d, d.length) === SRTP_OK);
  for (const c of cm) c.close();

  const rx = keys.map((k) => new SrtpReceiver(SUITE, k));
  out.srtpReceiver = measure(wire, (s, d) => rx[s].rtp(d, 0) > 0);
  for (const r of rx) r.close();

  row(sessions, "copy only (baseline)", out.copyOnly);
  row(sessions, "libsrtp2 FFI srtp_unprotect", out.libsrtp);
  row(sessions, "srtp_cm.ts SrtpCmContext", out.srtpCm);
  row(sessions, "SrtpReceiver.rtp (capture path)", out.srtpReceiver);
  results[String(sessions)] = out;
}
console.log(JSON.stringify({
  bench: "srtp_sessions",
  library: libSrtpVersion(),
  suite: SUITE,
  payloadBytes: PAYLOAD,
  packets: N,
  bySessions: results,
}));
