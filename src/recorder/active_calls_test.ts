import assert from "node:assert/strict";
import { ActiveCalls, newActive } from "./active_calls.ts";
import { callFacts } from "./call_facts.ts";
import type { CallDecision } from "./decision.ts";
import type { SessionInfo } from "./session.ts";

const SESSION: SessionInfo = {
  key: "k1",
  sessionId: "sess-k1",
  sipCallId: "k1@src.example",
  source: "siprec",
  streams: [],
  participants: [],
  metadata: { AgentID: "agent7", UCID: "ucid-k1" },
};

function decision(over: Partial<CallDecision>): CallDecision {
  return {
    record: false,
    mode: "destination",
    partitions: [],
    ruleId: null,
    retention: null,
    allowPause: true,
    format: "opus",
    charges: [],
    trace: { rules: [] },
    rulesetVersion: "abc123",
    at: new Date(0),
    ...over,
  };
}

function viewOf(d: CallDecision, recordingId: string | null = null) {
  const calls = new ActiveCalls(30);
  const a = newActive(SESSION, callFacts(SESSION), d, new Date(0));
  a.recordingId = recordingId;
  return calls.view(a);
}

Deno.test("ActiveCalls.view() names the rule of a recorded call", () => {
  const v = viewOf(decision({ record: true, ruleId: "vip" }), "rec-1");
  assert.deepEqual(
    [v.recorded, v.ruleId, v.decidedBy, v.notRecordedReason],
    [true, "vip", "rules", null],
  );
});

Deno.test("ActiveCalls.view() says why a call is not recorded", () => {
  const sampled = viewOf(decision({ trace: { rules: [{ outcome: "not-sampled" }] } }));
  assert.deepEqual([sampled.recorded, sampled.notRecordedReason], [false, "not-sampled"]);
  const quota = viewOf(decision({ trace: { rules: [{ outcome: "quota-exhausted" }] } }));
  assert.equal(quota.notRecordedReason, "quota-exhausted");
  assert.equal(viewOf(decision({})).notRecordedReason, "no-rule-matched");
  assert.equal(viewOf(decision({ ruleId: "exclude-hr" })).notRecordedReason, "rule");
  assert.equal(viewOf(decision({ record: true })).notRecordedReason, "not-started");
});

Deno.test("ActiveCalls.view() tells API and record-all decisions apart", () => {
  assert.equal(viewOf(decision({ trace: { decidedBy: "api" } })).decidedBy, "api");
  assert.equal(viewOf(decision({ rulesetVersion: "recordAll" })).decidedBy, "record-all");
});
