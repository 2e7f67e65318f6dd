import assert from "node:assert/strict";
import { callFacts } from "./call_facts.ts";

Deno.test("callFacts() reads vendor spellings and prefers UCID for the call key", () => {
  const f = callFacts({
    key: "k1",
    sessionId: "sess-1",
    sipCallId: "cid-1",
    source: "siprec",
    streams: [],
    participants: [
      { id: "a", aor: "tel:+15550001111", name: null, sends: [] },
      { id: "b", aor: "sip:8001@pbx", name: null, sends: [] },
    ],
    metadata: {
      BusinessUnit: "Sales",
      "X-Language": "es",
      UCID: "00001234",
      GRECORD_PARTITIONS: "p1,p2",
    },
  });
  assert.equal(f.callKey, "00001234");
  assert.equal(f.fields.businessUnit, "Sales");
  assert.equal(f.fields.language, "es");
  assert.equal(f.fields.ani, "+15550001111");
  assert.equal(f.fields.dnis, "8001");
  assert.equal(f.data.GRECORD_PARTITIONS, "p1,p2");
});

Deno.test("callFacts() falls back to the SIPREC session id", () => {
  const f = callFacts({
    key: "k2",
    sessionId: "sess-2",
    sipCallId: "cid-2",
    source: "fork",
    streams: [],
    participants: [],
    metadata: {},
  });
  assert.equal(f.callKey, "sess-2");
  assert.equal(f.fields.ani, undefined);
});
