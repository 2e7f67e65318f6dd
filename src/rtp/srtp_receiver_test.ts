import assert from "node:assert/strict";
import { SrtpContext, type SrtpProfileName } from "./srtp_ffi.ts";
import { REKEY_OVERLAP_MS, SrtpReceiver } from "./srtp_receiver.ts";

const SUITE: SrtpProfileName = "AES_CM_128_HMAC_SHA1_80";

function plain(seq: number, ssrc = 0x11223344): Uint8Array {
  const p = new Uint8Array(12 + 160);
  const v = new DataView(p.buffer);
  p[0] = 0x80;
  v.setUint16(2, seq);
  v.setUint32(4, seq * 160);
  v.setUint32(8, ssrc);
  p.fill(seq & 0xff, 12);
  return p;
}

/** Sender: protects packets in sequence order (its ROC follows the wrap). */
function sender(keySalt: Uint8Array, suite = SUITE) {
  const tx = new SrtpContext(suite, keySalt, "outbound");
  return (p: Uint8Array) => {
    const b = new Uint8Array(p.length + 16);
    b.set(p);
    tx.protect(b, p.length);
    return b.slice(0, tx.length);
  };
}

const keyA = new Uint8Array(30).fill(0xa1);
const keyB = new Uint8Array(30).fill(0xb2);

Deno.test("SrtpReceiver follows the rollover counter across sequence 65535 with loss and reordering", () => {
  const send = sender(keyA);
  const rx = new SrtpReceiver(SUITE, keyA);
  const seqs = [...Array(600).keys()].map((i) => (65_200 + i) & 0xffff);
  const wire = seqs.map((s) => [s, send(plain(s))] as const);
  // Lose 65530..65535 and 0..9; swap two packets right after the wrap.
  const delivered = wire.filter(([s]) => !(s >= 65_530 || s < 10));
  const i = delivered.findIndex(([s]) => s === 12);
  [delivered[i], delivered[i + 1]] = [delivered[i + 1], delivered[i]];
  for (const [seq, bytes] of delivered) {
    const b = bytes.slice();
    const n = rx.rtp(b, 0);
    assert.equal(n, 172, `seq ${seq}`);
    assert.deepEqual(b.subarray(0, n), plain(seq));
  }
  assert.deepEqual(rx.toJSON(), { suite: SUITE, authFailures: 0, replays: 0, rekeys: 0 });
  rx.close();
});

Deno.test("SrtpReceiver drops and counts a tampered packet and a replayed one", () => {
  const send = sender(keyA);
  const rx = new SrtpReceiver(SUITE, keyA);
  const first = send(plain(1));
  assert.equal(rx.rtp(first.slice(), 0), 172);
  assert.equal(rx.rtp(first.slice(), 0), -1, "replay");
  const second = send(plain(2));
  second[20] ^= 0x40;
  assert.equal(rx.rtp(second, 0), -1, "tampered");
  assert.equal(rx.rtp(new Uint8Array(5), 0), -1, "too short");
  const { authFailures, replays } = rx.toJSON();
  assert.deepEqual({ authFailures, replays }, { authFailures: 2, replays: 1 });
  rx.close();
});

Deno.test("SrtpReceiver re-key: old-key packets in flight still decrypt, then the old key goes", () => {
  const sendA = sender(keyA), sendB = sender(keyB);
  const rx = new SrtpReceiver(SUITE, keyA);
  let seq = 0;
  for (; seq < 50; seq++) assert.equal(rx.rtp(sendA(plain(seq)), 1000 + seq * 20), 172);
  rx.rekey(SUITE, keyB);
  // The SRC switches after our answer; five old-key packets are still on the way.
  const late = [50, 51, 52, 53, 54].map((s) => sendA(plain(s)));
  for (; seq < 60; seq++) {
    const t = 1000 + seq * 20;
    assert.equal(rx.rtp(sendB(plain(seq + 100)), t), 172, `new key seq ${seq}`);
    if (late.length) assert.equal(rx.rtp(late.shift()!, t), 172, "old key in flight");
  }
  const after = 1000 + seq * 20 + REKEY_OVERLAP_MS + 1;
  assert.equal(rx.rtp(sendA(plain(55)), after), -1, "old key refused after the overlap");
  assert.equal(rx.rtp(sendB(plain(200)), after), 172);
  assert.deepEqual(rx.toJSON(), { suite: SUITE, authFailures: 1, replays: 0, rekeys: 1 });
  rx.close();
});

Deno.test("SrtpReceiver SRTCP: authenticated reports pass, forged ones are counted", () => {
  const tx = new SrtpContext(SUITE, keyA, "outbound");
  const rx = new SrtpReceiver(SUITE, keyA);
  const sr = new Uint8Array(28);
  sr.set([0x80, 200, 0, 6, 0x11, 0x22, 0x33, 0x44]);
  const buf = new Uint8Array(64);
  buf.set(sr);
  tx.protectRtcp(buf, sr.length);
  const wire = buf.slice(0, tx.length);
  assert.equal(rx.rtcp(wire.slice(), 0), 28);
  buf.fill(0).set(sr);
  tx.protectRtcp(buf, sr.length); // the next SRTCP index: not a replay
  const forged = buf.slice(0, tx.length);
  forged[10] ^= 1;
  assert.equal(rx.rtcp(forged, 0), -1);
  assert.equal(rx.toJSON().authFailures, 1);
  tx.close();
  rx.close();
});

const OTHER_SUITES: [SrtpProfileName, number][] = [
  ["AES_CM_128_HMAC_SHA1_32", 30],
  ["AEAD_AES_128_GCM", 28],
  ["AEAD_AES_256_GCM", 44],
];

for (const [suite, keyBytes] of OTHER_SUITES) {
  Deno.test(`SrtpReceiver ${suite}: decrypts across the wrap, drops a tampered packet`, () => {
    const keySalt = new Uint8Array(keyBytes).map((_, i) => i * 3 + 1);
    const send = sender(keySalt, suite);
    const rx = new SrtpReceiver(suite, keySalt);
    for (let i = 0; i < 100; i++) {
      const seq = (65_486 + i) & 0xffff;
      const b = send(plain(seq));
      if (i === 70) b[30] ^= 1;
      const n = rx.rtp(b, i * 20);
      if (i === 70) assert.equal(n, -1, "tampered");
      else assert.deepEqual(b.subarray(0, n), plain(seq), `seq ${seq}`);
    }
    assert.deepEqual(rx.toJSON(), { suite, authFailures: 1, replays: 0, rekeys: 0 });
    rx.close();
  });
}
