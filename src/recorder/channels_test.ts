import assert from "node:assert/strict";
import { assignChannels } from "./channels.ts";
import type { SessionInfo } from "./session.ts";

function session(overrides: Partial<SessionInfo> = {}): SessionInfo {
  return {
    key: "k",
    sessionId: "s",
    sipCallId: "c",
    source: "siprec",
    streams: [
      { label: "10", port: 40000, codecs: [] },
      { label: "20", port: 40002, codecs: [] },
    ],
    participants: [
      { id: "p1", aor: "tel:+15551230001", name: "Customer", sends: ["10"] },
      { id: "p2", aor: "sip:4711@pbx.example.com", name: "Agent Smith", sends: ["20"] },
    ],
    metadata: {},
    ...overrides,
  };
}

Deno.test("assignChannels() puts the inbound caller left and the agent right by default", () => {
  const a = assignChannels(session(), "customer");
  assert.equal(a.streams.get("10"), 0);
  assert.equal(a.streams.get("20"), 1);
  assert.deepEqual(a.participants.map((p) => [p.role, p.channel]), [["customer", 0], ["agent", 1]]);
});

Deno.test("assignChannels() finds the agent by agent id even when listed first", () => {
  const s = session({
    participants: [
      { id: "p2", aor: "sip:4711@pbx.example.com", name: null, sends: ["20"] },
      { id: "p1", aor: "tel:+15551230001", name: null, sends: ["10"] },
    ],
    metadata: { agentId: "4711" },
  });
  const a = assignChannels(s, "customer");
  assert.equal(a.streams.get("10"), 0, "customer's stream on the left");
  assert.equal(a.streams.get("20"), 1);
});

Deno.test("assignChannels() honours leftChannel agent and outbound calls", () => {
  const a = assignChannels(session({ metadata: { direction: "outbound" } }), "agent");
  // Outbound: the first participant is the agent, and agents go left.
  assert.equal(a.streams.get("10"), 0);
  assert.equal(a.participants[0].role, "agent");
});

Deno.test("assignChannels() falls back to label order without associations", () => {
  const s = session({
    streams: [{ label: "2", port: 1, codecs: [] }, { label: "1", port: 2, codecs: [] }],
    participants: [],
  });
  const a = assignChannels(s, "customer");
  assert.equal(a.streams.get("1"), 0);
  assert.equal(a.streams.get("2"), 1);
});

Deno.test("assignChannels() keeps roles through a transfer: the departed agent is never the customer", () => {
  const before = assignChannels(session({ metadata: { agentId: "4711" } }), "customer");
  // After the transfer the SRC lists the customer, the old agent (not yet disassociated)
  // and the new agent 4712, and its metadata names 4712 as the agent.
  const after = session({
    streams: [
      { label: "10", port: 40000, codecs: [] },
      { label: "20", port: 40002, codecs: [] },
      { label: "30", port: 40004, codecs: [] },
    ],
    participants: [
      { id: "p1", aor: "tel:+15551230001", name: "Customer", sends: ["10"] },
      { id: "p2", aor: "sip:4711@pbx.example.com", name: "Agent Smith", sends: [] },
      { id: "p3", aor: "sip:4712@pbx.example.com", name: "Agent Jones", sends: ["30"] },
    ],
    metadata: { agentId: "4712" },
  });
  const a = assignChannels(after, "customer", before.participants);
  assert.deepEqual(a.participants.map((p) => [p.id, p.role]), [
    ["p1", "customer"],
    ["p2", "agent"],
    ["p3", "agent"],
  ]);
  assert.equal(a.streams.get("10"), 0);
  assert.equal(a.streams.get("30"), 1, "the new agent's stream on the agent channel");
  // Without the earlier roles, the metadata alone would call the old agent a customer.
  const fresh = assignChannels(after, "customer");
  assert.equal(fresh.participants[1].role, "customer");
});

Deno.test("assignChannels() makes a newcomer the agent when the customer stays, without agent ids", () => {
  const before = assignChannels(session(), "customer");
  const after = session({
    participants: [
      { id: "p3", aor: "sip:bob@pbx.example.com", name: null, sends: ["20"] },
      { id: "p1", aor: "tel:+15551230001", name: "Customer", sends: ["10"] },
    ],
  });
  const a = assignChannels(after, "customer", before.participants);
  assert.deepEqual(a.participants.map((p) => [p.id, p.role, p.channel]), [
    ["p3", "agent", 1],
    ["p1", "customer", 0],
  ]);
});
