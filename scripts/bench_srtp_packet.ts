/**
 * Per-packet SRTP receive cost of the candidates, 160-byte payloads
 * (AES_CM_128_HMAC_SHA1_80): libsrtp2 through FFI on a preallocated buffer, the TypeScript
 * context the capture path uses for AES-CM (src/rtp/srtp_cm.ts), node:crypto (a decipher
 * and an HMAC per packet), WebCrypto (async); and the send side the call simulator uses,
 * libsrtp's srtp_protect against src/rtp/srtp_cm_sender.ts. One session only: how the cost
 * grows with the number of live sessions is bench_srtp_sessions.ts. Prints µs/packet and the
 * heap growth per packet. Run: scripts/dev.sh deno run -A scripts/bench_srtp_packet.ts [N]
 * The table goes to stderr; stdout gets one JSON document (a `deno task bench` case).
 */
import { createDecipheriv, createHmac } from "node:crypto";
import { libSrtpVersion, SRTP_OK, SrtpContext } from "../src/rtp/srtp_ffi.ts";
import { SrtpCmContext } from "../src/rtp/srtp_cm.ts";
import { SrtpCmSender } from "../src/rtp/srtp_cm_sender.ts";

const N = Number(Deno.args[0] ?? 50_000);
const keySalt = crypto.getRandomValues(new Uint8Array(30));
const sessionKey = crypto.getRandomValues(new Uint8Array(16));
const authKey = crypto.getRandomValues(new Uint8Array(20));

/** N plain RTP packets of one SSRC in sending order, 160-byte payloads. */
function plainPackets(): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < N; i++) {
    const b = new Uint8Array(12 + 160);
    b.set([0x80, 0, (i >> 8) & 0xff, i & 0xff, 0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe]);
    for (let j = 12; j < b.length; j++) b[j] = (i + j) & 0xff;
    out.push(b);
  }
  return out;
}

function packets(): Uint8Array<ArrayBuffer>[] {
  const tx = new SrtpContext("AES_CM_128_HMAC_SHA1_80", keySalt, "outbound");
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (const p of plain) {
    const b = new Uint8Array(p.length + 16);
    b.set(p);
    tx.protect(b, p.length);
    out.push(b.slice(0, tx.length));
  }
  tx.close();
  return out;
}

const results: Record<string, { usPerPacket: number; heapBytesPerPacket: number }> = {};

function report(name: string, ms: number, heapBytes: number) {
  const us = (ms * 1000) / N;
  results[name] = {
    usPerPacket: Math.round(us * 100) / 100,
    heapBytesPerPacket: Math.round(heapBytes / N),
  };
  console.error(
    `${name.padEnd(34)} ${us.toFixed(2).padStart(7)} µs/packet  ${
      (heapBytes / N).toFixed(0).padStart(6)
    } heap bytes/packet`,
  );
}

function measure(name: string, run: () => void) {
  run(); // warm-up
  const heap = Deno.memoryUsage().heapUsed;
  const t0 = performance.now();
  run();
  report(name, performance.now() - t0, Deno.memoryUsage().heapUsed - heap);
}

const plain = plainPackets();
const wire = packets();
const buf = new Uint8Array(2049);
console.error(`${libSrtpVersion()}, ${N} packets of 160 bytes`);

measure("copy only (baseline)", () => {
  for (const p of wire) buf.set(p);
});
/** Unprotects every wire packet, each copied into the receive buffer first. */
function unprotectAll(rx: { unprotect(buf: Uint8Array, len: number): number; close(): void }) {
  let bad = 0;
  for (const p of wire) {
    buf.set(p);
    if (rx.unprotect(buf, p.length) !== SRTP_OK) bad++;
  }
  rx.close();
  if (bad) throw new Error(`${bad} packets failed`);
}
measure("libsrtp2 FFI srtp_unprotect", () => {
  unprotectAll(new SrtpContext("AES_CM_128_HMAC_SHA1_80", keySalt, "inbound"));
});
for (const native of [true, false]) {
  measure(`srtp_cm.ts SrtpCmContext, AES ${native ? "OpenSSL" : "aes128.ts"}`, () => {
    unprotectAll(new SrtpCmContext("AES_CM_128_HMAC_SHA1_80", keySalt, { native }));
  });
}
/** Protects every plain packet with a fresh sender (an index is sent once per key). */
function protectAll(tx: { protect(buf: Uint8Array, len: number): number; close(): void }) {
  let bad = 0;
  for (const p of plain) {
    buf.set(p);
    if (tx.protect(buf, p.length) !== SRTP_OK) bad++;
  }
  tx.close();
  if (bad) throw new Error(`${bad} packets failed`);
}
measure("libsrtp2 FFI srtp_protect", () => {
  protectAll(new SrtpContext("AES_CM_128_HMAC_SHA1_80", keySalt, "outbound"));
});
for (const native of [true, false]) {
  measure(`srtp_cm_sender.ts SrtpCmSender, AES ${native ? "OpenSSL" : "aes128.ts"}`, () => {
    protectAll(new SrtpCmSender("AES_CM_128_HMAC_SHA1_80", keySalt, { native }));
  });
}
const roc = new Uint8Array(4);
const iv = new Uint8Array(16);
measure("node:crypto decipher+hmac", () => {
  for (const p of wire) {
    const mac = createHmac("sha1", authKey).update(p.subarray(0, p.length - 10)).update(roc)
      .digest();
    if (mac.length !== 20) throw new Error("mac");
    iv[12] = p[2];
    iv[13] = p[3];
    const d = createDecipheriv("aes-128-ctr", sessionKey, iv);
    buf.set(d.update(p.subarray(12, p.length - 10)), 12);
  }
});

const hmacKey = await crypto.subtle.importKey(
  "raw",
  authKey,
  { name: "HMAC", hash: "SHA-1" },
  false,
  [
    "sign",
  ],
);
const aesKey = await crypto.subtle.importKey("raw", sessionKey, "AES-CTR", false, ["decrypt"]);
for (let round = 0; round < 2; round++) {
  const heap = Deno.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (const p of wire) {
    await crypto.subtle.sign("HMAC", hmacKey, p.subarray(0, p.length - 10));
    iv[12] = p[2];
    iv[13] = p[3];
    await crypto.subtle.decrypt(
      { name: "AES-CTR", counter: iv, length: 64 },
      aesKey,
      p.subarray(12, p.length - 10),
    );
  }
  if (round === 1) {
    report(
      "WebCrypto sign+decrypt (async)",
      performance.now() - t0,
      Deno.memoryUsage().heapUsed - heap,
    );
  }
}
const ffi = results["libsrtp2 FFI srtp_unprotect"];
const cm = results["srtp_cm.ts SrtpCmContext, AES OpenSSL"];
const cmTable = results["srtp_cm.ts SrtpCmContext, AES aes128.ts"];
const copy = results["copy only (baseline)"];
const ffiTx = results["libsrtp2 FFI srtp_protect"];
const cmTx = results["srtp_cm_sender.ts SrtpCmSender, AES OpenSSL"];
const cmTableTx = results["srtp_cm_sender.ts SrtpCmSender, AES aes128.ts"];
const less = (r: { usPerPacket: number }) =>
  Math.round((r.usPerPacket - copy.usPerPacket) * 100) / 100;
console.log(JSON.stringify({
  bench: "srtp_packet",
  library: libSrtpVersion(),
  suite: "AES_CM_128_HMAC_SHA1_80",
  packets: N,
  payloadBytes: 160,
  /** srtp_unprotect through FFI, less the copy every receive does anyway. */
  decryptUsPerPacket: less(ffi),
  /**
   * The same for srtp_cm.ts, which the capture path uses for the AES-CM suites: AES from
   * OpenSSL (its default where libcrypto loads), and from aes128.ts (its fallback).
   */
  cmDecryptUsPerPacket: less(cm),
  cmTableDecryptUsPerPacket: less(cmTable),
  /** srtp_protect through FFI, less the copy. */
  protectUsPerPacket: less(ffiTx),
  /** The same for srtp_cm_sender.ts, which the call simulator uses for the AES-CM suites. */
  cmProtectUsPerPacket: less(cmTx),
  cmTableProtectUsPerPacket: less(cmTableTx),
  candidates: results,
}));
