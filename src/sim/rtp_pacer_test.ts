import assert from "node:assert/strict";
import { parseRtpPacket } from "../rtp/packet.ts";
import { createLeg, type LegTarget, RtpPacer } from "./rtp_pacer.ts";

function testLeg(remaining: number) {
  return createLeg({
    target: { hostname: "127.0.0.1", port: 40000 },
    socket: 1,
    payloadType: 0,
    ssrc: 0x1234,
    seq: 0xfffe,
    timestamp: 0xffffff00,
    clip: new Uint8Array(160 * 50).fill(0x7f),
    frame: 0,
    remaining,
  }, 0);
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
