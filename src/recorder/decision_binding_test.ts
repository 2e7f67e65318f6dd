/**
 * API decisions bind: a decision stored through storeApiDecision() is the decision of the
 * SIPREC call that arrives with one of its keys within decisions.bindSeconds, with a
 * trace naming the API decision; otherwise (too late, other keys, binding off, record-all)
 * the rules decide as before.
 */
import assert from "node:assert/strict";
import { migrate, openStore, type Store } from "../store/db.ts";
import { buildRuleSet, type RuleSet } from "../rules/mod.ts";
import { callFacts } from "./call_facts.ts";
import {
  decideByRules,
  decideCall,
  type DecisionDeps,
  storeApiDecision,
  storeDecision,
} from "./decision.ts";
import type { SessionInfo } from "./session.ts";

const T = new Date("2026-11-27T10:00:00.000Z");
const later = (s: number) => new Date(T.getTime() + s * 1000);

/** Only VIPs are recorded, in source mode. */
const RULES = `version: 1
rules:
  - id: vip
    when: { field: customerType, equals: VIP }
    then: { mode: source, retention: long, partitions: [vip] }
`;

function ruleSet(): RuleSet {
  const r = buildRuleSet([{ name: "t.yaml", text: RULES }]);
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return r.ruleSet;
}

function deps(store: Store, o: { recordAll?: boolean; bindSeconds?: number } = {}): DecisionDeps {
  const rules = ruleSet();
  return {
    rules: { current: () => rules },
    config: {
      recorder: { recordAll: o.recordAll ?? false, format: "opus" },
      rules: { salt: "s" },
      decisions: { bindSeconds: o.bindSeconds ?? 600 },
    },
    store,
  };
}

function session(source: SessionInfo["source"], md: Record<string, string>): SessionInfo {
  return {
    key: "k",
    sessionId: "sess-9",
    sipCallId: "cid-9@sbc",
    source,
    streams: [],
    participants: [],
    metadata: md,
  };
}

/** The API decides "record" for UCID U-77 (the rules would: the API says VIP). */
async function apiRecords(store: Store, d: DecisionDeps, bindSeconds = 600) {
  const facts = callFacts(session("api", { UCID: "U-77", customerType: "VIP" }));
  const decision = decideByRules(d.rules!.current(), facts, { salt: "s", store, now: T });
  assert.equal(decision.record, true);
  await storeApiDecision(store.db, {
    facts,
    decision,
    keys: ["U-77", undefined, "crm-call-1"],
    token: { id: 7, name: "ivr" },
    bindSeconds,
  });
}

/** The SIPREC call as the recorder decides it: same UCID, no VIP data. */
function siprecDecision(d: DecisionDeps, at: Date, ucid = "U-77") {
  const s = session("siprec", { UCID: ucid });
  const facts = callFacts(s);
  return decideCall(d, facts, at, [facts.fields.ucid, s.sessionId, s.sipCallId, facts.callKey]);
}

Deno.test("an API decision binds the SIPREC call with its UCID, and the trace names it", async () => {
  await using store = openStore(":memory:");
  await migrate(store.db);
  const d = deps(store);
  assert.equal(siprecDecision(d, T).record, false, "the rules alone do not record this call");
  await apiRecords(store, d);
  const got = siprecDecision(d, later(599));
  assert.equal(got.record, true);
  assert.equal(got.mode, "source");
  assert.equal(got.ruleId, "vip");
  assert.equal(got.retention, "long");
  assert.deepEqual(got.partitions, ["vip"]);
  assert.deepEqual(got.charges, []);
  const trace = got.trace as Record<string, unknown>;
  assert.equal(trace.text, "decided by API at 2026-11-27T10:00:00.000Z by token 7 (ivr)");
  assert.equal(trace.key, "U-77");
  // Stored as the call's decision with that trace.
  const facts = callFacts(session("siprec", { UCID: "U-77" }));
  await storeDecision(store.db, { callId: null, origin: "siprec", facts, decision: got });
  const rows = await store.db.selectFrom("rule_decisions").select(["origin", "trace"])
    .orderBy("id").execute();
  assert.deepEqual(rows.map((r) => r.origin), ["api", "siprec"]);
  assert.match(rows[1].trace, /decided by API at 2026-11-27T10:00:00.000Z by token 7/);
});

Deno.test("an API decision binds by Call-ID too, but not past bindSeconds or for other keys", async () => {
  await using store = openStore(":memory:");
  await migrate(store.db);
  const d = deps(store, { bindSeconds: 60 });
  await apiRecords(store, d, 60);
  const byCallId = session("siprec", {});
  byCallId.sipCallId = "crm-call-1";
  const f = callFacts(byCallId);
  assert.equal(decideCall(d, f, later(30), [byCallId.sipCallId]).record, true);
  assert.equal(siprecDecision(d, later(61)).record, false, "too late: the rules decide");
  assert.equal(siprecDecision(d, later(1), "U-78").record, false, "another UCID");
});

Deno.test("bindSeconds 0 keeps API decisions advisory, and record-all is not overridden", async () => {
  await using store = openStore(":memory:");
  await migrate(store.db);
  await apiRecords(store, deps(store), 0);
  assert.equal(siprecDecision(deps(store, { bindSeconds: 600 }), later(1)).record, false);
  await apiRecords(store, deps(store), 600);
  const off = siprecDecision(deps(store, { bindSeconds: 0 }), later(1));
  assert.equal(off.record, false);
  const all = siprecDecision(deps(store, { recordAll: true }), later(1));
  assert.equal(all.rulesetVersion, "recordAll");
});

Deno.test("the latest API decision for a key wins, and old bindings are pruned", async () => {
  await using store = openStore(":memory:");
  await migrate(store.db);
  const d = deps(store);
  await apiRecords(store, d);
  const facts = callFacts(session("api", { UCID: "U-77" }));
  const no = decideByRules(d.rules!.current(), facts, { salt: "s", store, now: later(10) });
  assert.equal(no.record, false);
  await storeApiDecision(store.db, {
    facts,
    decision: no,
    keys: ["U-77"],
    token: { id: 8, name: "crm" },
    bindSeconds: 600,
  });
  const got = siprecDecision(d, later(20));
  assert.equal(got.record, false);
  assert.match((got.trace as { text: string }).text, /by token 8 \(crm\)/);
  const far = decideByRules(d.rules!.current(), facts, { salt: "s", store, now: later(3 * 86400) });
  await storeApiDecision(store.db, {
    facts,
    decision: far,
    keys: ["other"],
    token: { id: 8, name: "crm" },
    bindSeconds: 600,
  });
  const left = await store.db.selectFrom("decision_bindings").select("key").execute();
  assert.deepEqual(left.map((r) => r.key), ["other"]);
});
