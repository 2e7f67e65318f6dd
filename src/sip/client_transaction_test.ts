import assert from "node:assert/strict";
import { SipHeaders } from "./headers.ts";
import type { SipRequest, SipResponse } from "./message.ts";
import { FakeTimers, T1, T2, T4 } from "./timers.ts";
import {
  type ClientTransactionEnd,
  NonInviteClientTransaction,
  TIMER_F,
} from "./client_transaction.ts";

const bye: SipRequest = {
  kind: "request",
  method: "BYE",
  uri: "sip:src@h",
  headers: new SipHeaders([["CSeq", "2 BYE"]]),
  body: "",
};
const res = (status: number): SipResponse => ({
  kind: "response",
  status,
  reason: "x",
  headers: new SipHeaders(),
  body: "",
});

function setup(reliable = false, failSend = false) {
  const timers = new FakeTimers();
  const sentAt: number[] = [];
  const ends: ClientTransactionEnd[] = [];
  let terminated = 0;
  const tx = new NonInviteClientTransaction({
    request: bye,
    reliable,
    timers,
    send: () => {
      if (failSend) throw new Error("network unreachable");
      sentAt.push(timers.now());
    },
    onEnd: (e) => ends.push(e),
    onTerminated: () => terminated++,
  });
  return { timers, sentAt, ends, tx, terminated: () => terminated };
}

Deno.test("non-INVITE client transaction retransmits on Timer E, T1 doubling to T2, and gives up at Timer F (RFC 3261 §17.1.2.2)", () => {
  const { timers, sentAt, ends, tx, terminated } = setup();
  tx.start();
  timers.advance(TIMER_F - 1);
  assert.deepEqual(
    sentAt.slice(0, 6),
    [0, T1, 3 * T1, 7 * T1, 7 * T1 + T2, 7 * T1 + 2 * T2],
  );
  // 0, .5, 1.5, 3.5, 7.5, 11.5 … every T2 up to 31.5 s: 11 sends before Timer F.
  assert.equal(sentAt.length, 11);
  assert.deepEqual(ends, []);
  timers.advance(1);
  assert.deepEqual(ends, [{ kind: "timeout" }]);
  assert.equal(tx.state, "terminated");
  assert.equal(terminated(), 1);
  assert.equal(timers.pending, 0);
});

Deno.test("non-INVITE client transaction: a 1xx moves to Proceeding where Timer E is T2", () => {
  const { timers, sentAt, tx } = setup();
  tx.start();
  tx.receiveResponse(res(100));
  assert.equal(tx.state, "proceeding");
  timers.advance(T1); // the armed Timer E still fires at T1, then every T2
  timers.advance(T2);
  timers.advance(T2);
  assert.deepEqual(sentAt, [0, T1, T1 + T2, T1 + 2 * T2]);
});

Deno.test("non-INVITE client transaction: a final response stops retransmission and ends after Timer K", () => {
  const { timers, sentAt, ends, tx, terminated } = setup();
  tx.start();
  timers.advance(T1);
  tx.receiveResponse(res(200));
  tx.receiveResponse(res(200)); // a retransmitted 200 is absorbed
  assert.deepEqual(ends, [{ kind: "response", status: 200 }]);
  assert.equal(tx.state, "completed");
  timers.advance(T4 - 1);
  assert.equal(terminated(), 0);
  timers.advance(1);
  assert.equal(tx.state, "terminated");
  assert.equal(terminated(), 1);
  assert.equal(sentAt.length, 2);
  assert.equal(timers.pending, 0);
});

Deno.test("non-INVITE client transaction over TCP never retransmits; Timer K is zero", () => {
  const { timers, sentAt, tx } = setup(true);
  tx.start();
  timers.advance(TIMER_F - 1);
  assert.equal(sentAt.length, 1);
  tx.receiveResponse(res(481));
  timers.advance(0);
  assert.equal(tx.state, "terminated");
});

Deno.test("non-INVITE client transaction reports a transport error to its owner instead of throwing", () => {
  const { timers, ends, tx } = setup(false, true);
  tx.start();
  assert.deepEqual(ends, [{ kind: "transport-error" }]);
  assert.equal(tx.state, "terminated");
  assert.equal(timers.pending, 0);
  assert.throws(() => tx.start(), /twice/);
});
