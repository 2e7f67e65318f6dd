import assert from "node:assert/strict";
import { parseRtpPacket } from "../rtp/packet.ts";
import { SRTP_OK, SrtpContext } from "../rtp/srtp_ffi.ts";
import { SrtpCmContext } from "../rtp/srtp_cm.ts";
import { SrtpCmSender } from "../rtp/srtp_cm_sender.ts";
import { createLeg, type LegInit, type LegTarget, RtpPacer, SEND_CHUNK } from "./rtp_pacer.ts";

function testLeg(remaining: number) {
  return createLeg(testLegInit(remaining), 0);
}

function testLegInit(remaining: number): LegInit {
  return {
    target: { hostname: "127.0.0.1", port: 40000 },
    socket: 1,
    payloadType: 0,
    ssrc: 0x1234,
    seq: 0xfffe,
    timestamp: 0xffffff00,
    clip: new Uint8Array(160 * 50).fill(0x7f),
    frame: 0,
    remaining,
  };
}

function setup() {
  let now = 0;
  const sent: { bytes: Uint8Array; socket: number; to: LegTarget }[] = [];
  const pacer = new RtpPacer((bytes, socket, to) => {
    sent.push({ bytes, socket, to });
    return Promise.resolve();
  }, () => now);
  const leg = testLeg(10);
  pacer.add(leg);
  return { pacer, leg, sent, at: (t: number) => now = t };
}

Deno.test("RtpPacer.tick() sends every due packet with 20 ms timestamps and wrapping sequence numbers", async () => {
  const { pacer, sent, at } = setup();
  at(0);
  await pacer.tick();
  at(45);
  await pacer.tick();
  const pkts = sent.map((s) => parseRtpPacket(s.bytes));
  assert.deepEqual(pkts.map((p) => p.sequenceNumber), [0xfffe, 0xffff, 0]);
  assert.deepEqual(pkts.map((p) => p.timestamp), [0xffffff00, 0xffffffa0, 0x40]);
  assert.deepEqual(pkts.map((p) => p.marker), [true, false, false]);
  assert.equal(pkts[0].payload.length, 160);
  assert.equal(sent[0].socket, 1);
});

Deno.test("RtpPacer records how late packets went out and catches up in a burst", async () => {
  const { pacer, sent, at } = setup();
  at(65);
  await pacer.tick();
  assert.equal(sent.length, 4);
  const s = pacer.lateness.summary();
  assert.equal(s.count, 4);
  assert.equal(s.maxMs, 65);
  assert.equal(s.over20Ms, 3);
});

Deno.test("RtpPacer skips paused slots, advancing the timestamp, and marks the first packet after", async () => {
  const { pacer, leg, sent, at } = setup();
  at(0);
  await pacer.tick();
  leg.paused = true;
  at(40);
  await pacer.tick();
  leg.paused = false;
  at(60);
  await pacer.tick();
  const pkts = sent.map((s) => parseRtpPacket(s.bytes));
  assert.equal(pkts.length, 2);
  assert.equal(leg.skipped, 2);
  assert.equal((pkts[1].timestamp - pkts[0].timestamp) >>> 0, 3 * 160);
  assert.equal(pkts[1].marker, true);
});

Deno.test("RtpPacer ends a leg after its packets and resolves done", async () => {
  const { pacer, leg, sent, at } = setup();
  at(1000);
  await pacer.tick();
  await leg.done;
  assert.equal(sent.length, 10);
  assert.equal(pacer.size, 0);
});

Deno.test("RtpPacer finishes a leg only after its last packet was sent (BYE follows the media)", async () => {
  const now = 0;
  const events: string[] = [];
  let release = () => {};
  const pacer = new RtpPacer(() => {
    events.push("send");
    return new Promise<void>((r) => release = r);
  }, () => now);
  const leg = testLeg(1);
  pacer.add(leg);
  void leg.done.then(() => events.push("done"));
  const tick = pacer.tick();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events, ["send"], "not done while the send is pending");
  release();
  await tick;
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(events, ["send", "done"]);
  assert.equal(pacer.size, 0);
});

const SENDERS = {
  "libsrtp": (key: Uint8Array) => new SrtpContext("AES_CM_128_HMAC_SHA1_80", key, "outbound"),
  "SrtpCmSender": (key: Uint8Array) => new SrtpCmSender("AES_CM_128_HMAC_SHA1_80", key),
};

for (const [name, sender] of Object.entries(SENDERS)) {
  Deno.test(`RtpPacer protects an SRTP leg in place with ${name}: each packet unprotects (libsrtp) to the plain packet, burst buffers are distinct`, async () => {
    const key = crypto.getRandomValues(new Uint8Array(30));
    let now = 0;
    const plain: Uint8Array[] = [];
    const wire: Uint8Array[] = [];
    const pacer = new RtpPacer((bytes) => {
      wire.push(bytes);
      return Promise.resolve();
    }, () => now);
    const plainPacer = new RtpPacer((bytes) => {
      plain.push(bytes);
      return Promise.resolve();
    }, () => now);
    const tx = sender(key);
    const leg = createLeg({ ...testLegInit(6), srtp: tx }, 0);
    pacer.add(leg);
    plainPacer.add(testLeg(6));
    const rx = new SrtpContext("AES_CM_128_HMAC_SHA1_80", key, "inbound");
    try {
      now = 45; // a late tick: three packets in one burst, each in its own buffer
      await pacer.tick();
      await plainPacer.tick();
      assert.equal(wire.length, 3);
      assert.equal(new Set(wire.map((b) => b.buffer)).size, 3);
      const first = wire.map((b) => b.slice());
      wire.length = 0;
      now = 200;
      await pacer.tick();
      await plainPacer.tick();
      const all = [...first, ...wire.map((b) => b.slice())];
      assert.equal(all.length, 6);
      assert.equal(leg.protectErrors, 0);
      all.forEach((p, i) => {
        assert.equal(p.length, plain[i].length + 10, "HMAC-SHA1-80 tag");
        assert.notDeepEqual(p.subarray(12, 40), plain[i].subarray(12, 40), "payload encrypted");
        assert.equal(rx.unprotect(p, p.length), SRTP_OK, `packet ${i} authenticates`);
        assert.deepEqual(p.subarray(0, rx.length), plain[i]);
      });
    } finally {
      tx.close();
      rx.close();
    }
  });
}

Deno.test("RtpPacer builds a late burst of SRTP packets chunk by chunk: one chunk of buffers, every packet right", async () => {
  const key = crypto.getRandomValues(new Uint8Array(30));
  const wire: Uint8Array[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let now = 0;
  const pacer = new RtpPacer((bytes) => {
    buffers.add(bytes.buffer);
    wire.push(bytes.slice());
    return Promise.resolve();
  }, () => now);
  const plain: Uint8Array[] = [];
  const plainPacer = new RtpPacer((bytes) => {
    plain.push(bytes);
    return Promise.resolve();
  }, () => now);
  const legs = [1, 2].map((ssrc) =>
    createLeg(
      { ...testLegInit(300), ssrc, srtp: new SrtpCmSender("AES_CM_128_HMAC_SHA1_80", key) },
      0,
    )
  );
  for (const leg of legs) pacer.add(leg);
  for (const ssrc of [1, 2]) plainPacer.add(createLeg({ ...testLegInit(300), ssrc }, 0));
  const rx = new SrtpCmContext("AES_CM_128_HMAC_SHA1_80", key);
  now = 20 * 299; // one tick, 600 packets due
  await pacer.tick();
  await plainPacer.tick();
  assert.equal(wire.length, 600);
  assert.ok(buffers.size <= SEND_CHUNK, `${buffers.size} buffers`);
  wire.forEach((p, i) => {
    assert.equal(rx.unprotect(p, p.length), SRTP_OK, `packet ${i}`);
    assert.deepEqual(p.subarray(0, rx.length), plain[i], `packet ${i}`);
  });
  for (const leg of legs) leg.srtp!.close();
  rx.close();
});

Deno.test("RtpPacer sends nothing more of a leg stopped during a tick (its SRTP session is closed)", async () => {
  let now = 0;
  const sent: number[] = [];
  const legs = [1, 2].map((ssrc) =>
    createLeg({
      ...testLegInit(200),
      ssrc,
      srtp: new SrtpCmSender("AES_CM_128_HMAC_SHA1_80", new Uint8Array(30)),
    }, 0)
  );
  const pacer: RtpPacer = new RtpPacer((bytes) => {
    sent.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8));
    if (sent.length === 1) {
      pacer.stop(legs[1]); // as call.ts does on a remote BYE: stop, then close the session
      legs[1].srtp!.close();
    }
    return Promise.resolve();
  }, () => now);
  for (const leg of legs) pacer.add(leg);
  now = 20 * 199; // 400 packets due: legs[0]'s 200 first, then legs[1]'s
  await pacer.tick();
  assert.equal(sent.length, 200);
  assert.ok(sent.every((ssrc) => ssrc === 1));
  assert.equal(legs[1].protectErrors, 0, "nothing protected with the closed session");
  legs[0].srtp!.close();
});
