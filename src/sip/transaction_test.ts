import assert from "node:assert/strict";
import { SipHeaders } from "./headers.ts";
import type { SipRequest, SipResponse } from "./message.ts";
import { FakeTimers, T1, T2, T4 } from "./timers.ts";
import {
  InviteServerTransaction,
  NonInviteServerTransaction,
  TIMER_H,
  TIMER_J,
  TIMER_L,
  type TransactionEnd,
} from "./transaction.ts";

const req = (method: string): SipRequest => ({
  kind: "request",
  method,
  uri: "sip:srs@h",
  headers: new SipHeaders([["CSeq", `1 ${method}`]]),
  body: "",
});
const res = (status: number): SipResponse => ({
  kind: "response",
  status,
  reason: "x",
  headers: new SipHeaders(),
  body: "",
});

function setup(kind: "invite" | "non-invite", reliable = false) {
  const timers = new FakeTimers();
  const sent: number[] = [];
  const ends: TransactionEnd[] = [];
  const opts = {
    request: req(kind === "invite" ? "INVITE" : "BYE"),
    reliable,
    timers,
    send: (r: SipResponse) => sent.push(r.status),
    onTerminated: (e: TransactionEnd) => ends.push(e),
  };
  return { timers, sent, ends, opts };
}

Deno.test("INVITE server transaction resends a provisional on INVITE retransmission (RFC 3261 §17.2.1)", () => {
  const { sent, opts } = setup("invite");
  const tx = new InviteServerTransaction(opts);
  tx.respond(res(100));
  tx.receiveRetransmission();
  assert.deepEqual(sent, [100, 100]);
  assert.equal(tx.state, "proceeding");
});

Deno.test("INVITE server transaction retransmits 2xx at T1 doubling to T2 until ACK (RFC 3261 §13.3.1.4, RFC 6026 §8.5)", () => {
  const { timers, sent, ends, opts } = setup("invite");
  const tx = new InviteServerTransaction(opts);
  tx.respond(res(200));
  assert.equal(tx.state, "accepted");
  timers.advance(T1); // 500
  timers.advance(2 * T1); // 1500
  timers.advance(4 * T1); // 3500
  timers.advance(T2); // 7500: capped at T2
  timers.advance(T2 - 1);
  assert.deepEqual(sent, [200, 200, 200, 200, 200]);
  tx.receiveAck();
  timers.advance(10 * T2);
  assert.equal(sent.length, 5, "no retransmission after ACK");
  tx.receiveRetransmission();
  assert.equal(sent.length, 5, "Accepted absorbs INVITE retransmissions (RFC 6026 §8.6)");
  timers.advance(TIMER_L);
  assert.equal(tx.state, "terminated");
  assert.deepEqual(ends, ["normal"]);
});

Deno.test("INVITE server transaction reports no-ack when Timer L fires without ACK (RFC 6026 §8.7)", () => {
  const { timers, ends, opts } = setup("invite", true);
  const tx = new InviteServerTransaction(opts);
  tx.respond(res(200));
  timers.advance(TIMER_L);
  assert.equal(tx.state, "terminated");
  assert.deepEqual(ends, ["no-ack"]);
  assert.equal(timers.pending, 0);
});

Deno.test("INVITE server transaction: non-2xx uses Timer G, then ACK → Confirmed and Timer I (RFC 3261 §17.2.1)", () => {
  const { timers, sent, ends, opts } = setup("invite");
  const tx = new InviteServerTransaction(opts);
  tx.respond(res(486));
  assert.equal(tx.state, "completed");
  timers.advance(T1 + 2 * T1);
  assert.deepEqual(sent, [486, 486, 486]);
  tx.receiveRetransmission();
  assert.equal(sent.length, 4);
  tx.receiveAck();
  assert.equal(tx.state, "confirmed");
  timers.advance(T4 - 1);
  assert.equal(tx.state, "confirmed");
  timers.advance(1);
  assert.equal(tx.state, "terminated");
  assert.deepEqual(ends, ["normal"]);
});

Deno.test("INVITE server transaction: Timer H ends a non-2xx never ACKed, no Timer G on TCP (RFC 3261 §17.2.1)", () => {
  const { timers, sent, ends, opts } = setup("invite", true);
  const tx = new InviteServerTransaction(opts);
  tx.respond(res(487));
  timers.advance(TIMER_H - 1);
  assert.deepEqual(sent, [487]);
  timers.advance(1);
  assert.deepEqual(ends, ["timeout"]);
});

Deno.test("INVITE server transaction throws on a response after the final one", () => {
  const { opts } = setup("invite");
  const tx = new InviteServerTransaction(opts);
  tx.respond(res(404));
  assert.throws(() => tx.respond(res(200)), /completed/);
});

Deno.test("non-INVITE server transaction absorbs retransmissions in Trying, resends the final after (RFC 3261 §17.2.2)", () => {
  const { timers, sent, ends, opts } = setup("non-invite");
  const tx = new NonInviteServerTransaction(opts);
  tx.receiveRetransmission();
  assert.deepEqual(sent, []);
  tx.respond(res(200));
  tx.receiveRetransmission();
  assert.deepEqual(sent, [200, 200]);
  timers.advance(TIMER_J - 1);
  assert.equal(tx.state, "completed");
  timers.advance(1);
  assert.equal(tx.state, "terminated");
  assert.deepEqual(ends, ["normal"]);
  assert.throws(() => tx.respond(res(200)), /terminated/);
});

Deno.test("non-INVITE server transaction: Timer J is zero on reliable transports (RFC 3261 §17.2.2)", () => {
  const { timers, opts } = setup("non-invite", true);
  const tx = new NonInviteServerTransaction(opts);
  tx.respond(res(100));
  assert.equal(tx.state, "proceeding");
  tx.respond(res(200));
  timers.advance(0);
  assert.equal(tx.state, "terminated");
});
