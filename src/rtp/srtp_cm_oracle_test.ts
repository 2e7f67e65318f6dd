/**
 * SrtpCmContext against libsrtp as the oracle: packets protected by libsrtp's outbound
 * context, delivered with loss, reordering, duplicates and single bit flips, must give the
 * same status, length and bytes from SrtpCmContext as from libsrtp's inbound context, packet
 * by packet; and SrtpCmSender's packets must be byte for byte libsrtp's srtp_protect output
 * and pass libsrtp's srtp_unprotect. Uses libsrtp in-process: runs in its own process
 * (dev.sh SERIAL_TESTS).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  SRTP_AUTH_FAIL,
  SRTP_OK,
  SRTP_REPLAY_FAIL,
  SRTP_REPLAY_OLD,
  SrtpContext,
} from "./srtp_ffi.ts";
import { SRTP_CM_TAG_BYTES, SrtpCmContext, type SrtpCmProfileName } from "./srtp_cm.ts";
import { SrtpCmSender } from "./srtp_cm_sender.ts";

const SUITES = Object.keys(SRTP_CM_TAG_BYTES) as SrtpCmProfileName[];

/** mulberry32: the details of a run from one fast-check seed. */
function prng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random RTP packet: CSRCs and a header extension now and then, 0..200 payload bytes. */
function rtpPacket(rand: () => number, ssrc: number, seq: number): Uint8Array {
  const cc = rand() < 0.1 ? 1 + Math.floor(rand() * 2) : 0;
  const extWords = rand() < 0.1 ? Math.floor(rand() * 3) : -1;
  const payload = Math.floor(rand() * 201);
  const header = 12 + 4 * cc + (extWords >= 0 ? 4 + 4 * extWords : 0);
  const p = new Uint8Array(header + payload);
  for (let i = 0; i < p.length; i++) p[i] = Math.floor(rand() * 256);
  const v = new DataView(p.buffer);
  p[0] = 0x80 | (extWords >= 0 ? 0x10 : 0) | cc;
  p[1] &= 0x7f;
  v.setUint16(2, seq);
  v.setUint32(8, ssrc);
  if (extWords >= 0) v.setUint16(12 + 4 * cc + 2, extWords);
  return p;
}

interface Sent {
  plain: Uint8Array;
  wire: Uint8Array;
}

/** Protects `count` packets per SSRC with libsrtp, in sending order (SSRCs interleaved). */
function send(tx: SrtpContext, rand: () => number, ssrcs: number[], start: number, count: number) {
  const out: Sent[] = [];
  for (let i = 0; i < count; i++) {
    for (const ssrc of ssrcs) {
      const plain = rtpPacket(rand, ssrc, (start + i) & 0xffff);
      const buf = new Uint8Array(plain.length + 16);
      buf.set(plain);
      assert.equal(tx.protect(buf, plain.length), SRTP_OK);
      out.push({ plain, wire: buf.slice(0, tx.length) });
    }
  }
  return out;
}

/** Loss, adjacent swaps and duplicates of the sending order. */
function deliveryOrder(rand: () => number, n: number, loss: number, reorder: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    if (rand() < loss) continue;
    order.push(i);
    if (rand() < 0.02) order.push(Math.max(0, i - Math.floor(rand() * 40)));
  }
  for (let i = 1; i < order.length; i++) {
    if (rand() < reorder) [order[i - 1], order[i]] = [order[i], order[i - 1]];
  }
  return order;
}

/**
 * Delivers `wire` to both; asserts the same status, length and bytes. Returns the status
 * and our output.
 */
function both(lib: SrtpContext, ours: SrtpCmContext, wire: Uint8Array, what: string) {
  const a = wire.slice(), b = wire.slice();
  const sa = lib.unprotect(a, a.length);
  const sb = ours.unprotect(b, b.length);
  assert.equal(sb, sa, `${what}: status`);
  assert.equal(ours.length, lib.length, `${what}: length`);
  assert.deepEqual(b, a, `${what}: bytes`);
  return { status: sb, out: b.subarray(0, ours.length) };
}

Deno.test("SrtpCmContext agrees with libsrtp packet by packet: wrap, loss, reordering, replays, bit flips", () => {
  let replays = 0, flips = 0, wraps = 0, unknownRoc = 0;
  fc.assert(
    fc.property(
      fc.integer(),
      fc.constantFrom(...SUITES),
      fc.oneof(fc.integer({ min: 65_000, max: 65_535 }), fc.nat(65_535)),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 20, max: 700 }),
      (seed, suite, start, nSsrc, count) => {
        const rand = prng(seed);
        const keySalt = Uint8Array.from({ length: 30 }, () => Math.floor(rand() * 256));
        const ssrcs = Array.from({ length: nSsrc }, () => Math.floor(rand() * 2 ** 32));
        const tx = new SrtpContext(suite, keySalt, "outbound");
        const lib = new SrtpContext(suite, keySalt, "inbound");
        const ours = new SrtpCmContext(suite, keySalt);
        try {
          const distinct = [...new Set(ssrcs)];
          const sent = send(tx, rand, distinct, start, count);
          if (start + count > 65_536) wraps++;
          // SSRCs with a packet accepted so far: until then a receiver assumes ROC 0.
          const heard = new Set<number>();
          for (const i of deliveryOrder(rand, sent.length, rand() * 0.2, rand() * 0.2)) {
            const { plain, wire } = sent[i];
            if (rand() < 0.05) {
              const flipped = wire.slice();
              const bit = Math.floor(rand() * wire.length * 8);
              flipped[bit >> 3] ^= 1 << (bit & 7);
              const { status } = both(lib, ours, flipped, `packet ${i} bit ${bit}`);
              assert.notEqual(status, SRTP_OK, `packet ${i} bit ${bit} passed`);
              flips++;
            }
            const { status, out } = both(lib, ours, wire, `packet ${i}`);
            const ssrc = new DataView(plain.buffer).getUint32(8);
            const roc = (start + Math.floor(i / distinct.length)) >> 16;
            if (status === SRTP_OK) {
              assert.deepEqual(out, plain, `packet ${i}: plain`);
              heard.add(ssrc);
            } else if (status === SRTP_REPLAY_FAIL || status === SRTP_REPLAY_OLD) replays++;
            else if (status === SRTP_AUTH_FAIL && roc > 0 && !heard.has(ssrc)) {
              // The stream's first packet to arrive was sent after its sequence number
              // wrapped (reordering put it first): no receiver can know its ROC (RFC 3711
              // §3.3.1), and libsrtp refuses it too — the statuses were compared above.
              unknownRoc++;
            } else assert.fail(`packet ${i}: status ${status}`);
          }
        } finally {
          for (const c of [tx, lib, ours]) c.close();
        }
      },
    ),
    { numRuns: 60 },
  );
  assert.ok(
    replays > 0 && flips > 0 && wraps > 0,
    `replays ${replays} flips ${flips} wraps ${wraps}`,
  );
});

for (const suite of SUITES) {
  Deno.test(`SrtpCmContext ${suite}: libsrtp's packets decrypt to the sent bytes; replays and stale packets refused`, () => {
    const keySalt = new Uint8Array(30).map((_, i) => i * 11);
    const tx = new SrtpContext(suite, keySalt, "outbound");
    const rx = new SrtpCmContext(suite, keySalt);
    const rand = prng(7);
    const sent = send(tx, rand, [0xdecafbad], 64_000, 3000);
    for (const { plain, wire } of sent.slice(0, 2000)) {
      const buf = wire.slice();
      assert.equal(rx.unprotect(buf, buf.length), SRTP_OK);
      assert.deepEqual(buf.subarray(0, rx.length), plain);
    }
    assert.equal(rx.unprotect(sent[1999].wire.slice(), sent[1999].wire.length), SRTP_REPLAY_FAIL);
    assert.equal(rx.unprotect(sent[500].wire.slice(), sent[500].wire.length), SRTP_REPLAY_OLD);
    const late = sent[2500].wire.slice();
    assert.equal(rx.unprotect(late, late.length), SRTP_OK, "after 500 lost");
    assert.deepEqual(late.subarray(0, rx.length), sent[2500].plain);
    for (const c of [tx, rx]) c.close();
  });
}

/**
 * Protects `plain` with libsrtp and with ours; asserts the same status, length and bytes.
 * Returns the status and our packet.
 */
function protectBoth(lib: SrtpContext, ours: SrtpCmSender, plain: Uint8Array, what: string) {
  const a = new Uint8Array(plain.length + 16), b = new Uint8Array(plain.length + 16);
  a.set(plain);
  b.set(plain);
  const sa = lib.protect(a, plain.length);
  const sb = ours.protect(b, plain.length);
  assert.equal(sb, sa, `${what}: status`);
  assert.equal(ours.length, lib.length, `${what}: length`);
  assert.deepEqual(b, a, `${what}: bytes`);
  return { status: sb, wire: b.slice(0, ours.length) };
}

Deno.test("SrtpCmSender agrees with libsrtp's srtp_protect byte for byte: wrap, sender gaps, SSRCs, reused indices", () => {
  let packets = 0, wraps = 0, refused = 0, late = 0;
  fc.assert(
    fc.property(
      fc.integer(),
      fc.constantFrom(...SUITES),
      fc.oneof(fc.integer({ min: 64_500, max: 65_535 }), fc.nat(65_535)),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 20, max: 600 }),
      (seed, suite, start, nSsrc, count) => {
        const rand = prng(seed);
        const keySalt = Uint8Array.from({ length: 30 }, () => Math.floor(rand() * 256));
        const ssrcs = [...new Set(Array.from({ length: nSsrc }, () => rand() * 2 ** 32 >>> 0))];
        const lib = new SrtpContext(suite, keySalt, "outbound");
        const ours = new SrtpCmSender(suite, keySalt);
        const rx = new SrtpContext(suite, keySalt, "inbound");
        const next = new Map(ssrcs.map((s) => [s, start]));
        try {
          for (let i = 0; i < count; i++) {
            for (const ssrc of ssrcs) {
              let seq = next.get(ssrc)!;
              // Now and then the sender skips packets, or sends an index again or out of
              // order: libsrtp refuses a used index and takes an unused one in the window.
              const again = rand() < 0.03;
              if (again) seq = (seq - 1 - Math.floor(rand() * 1100)) & 0xffff;
              else {next.set(
                  ssrc,
                  (seq + (rand() < 0.05 ? 2 + Math.floor(rand() * 300) : 1)) & 0xffff,
                );}
              const plain = rtpPacket(rand, ssrc, seq);
              const what = `ssrc ${ssrc} seq ${seq}`;
              const { status, wire } = protectBoth(lib, ours, plain, what);
              if (seq < start && !again) wraps++;
              if (status !== SRTP_OK) {
                assert.ok(again, `${what}: status ${status}`);
                refused++;
                continue;
              }
              if (again) late++;
              assert.equal(rx.unprotect(wire, wire.length), SRTP_OK, `${what}: libsrtp unprotect`);
              assert.deepEqual(wire.subarray(0, rx.length), plain, `${what}: plain`);
              packets++;
            }
          }
        } finally {
          for (const c of [lib, ours, rx]) c.close();
        }
      },
    ),
    { numRuns: 60 },
  );
  assert.ok(
    wraps > 0 && refused > 0 && late > 0 && packets > 5000,
    `wraps ${wraps} refused ${refused} late ${late} packets ${packets}`,
  );
});
