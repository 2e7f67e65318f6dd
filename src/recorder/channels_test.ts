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
