import assert from "node:assert/strict";
import { migrate, openStore, type Store } from "../store/db.ts";
import { listDecisionPartitions } from "../store/queries/decisions.ts";
import { buildRuleSet, type RuleSet } from "../rules/mod.ts";
import { callFacts } from "./call_facts.ts";
import { decideByRules, decideCall, type DecisionDeps, storeDecision } from "./decision.ts";
import type { SessionInfo } from "./session.ts";

const NOW = new Date("2026-11-27T10:00:00Z");

const RULES = `version: 1
defaults: { partitionsKey: PARTS, partitionsSeparator: ";" }
rules:
  - id: vip
    when: { field: customerType, equals: VIP }
    quota: [{ max: 2, period: day }]
    then: { mode: source, retention: qa, partitions: [vip, "bu-{businessUnit}"] }
`;

function ruleSetOf(text: string): RuleSet {
  const r = buildRuleSet([{ name: "t.yaml", text }]);
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return r.ruleSet;
}

async function memoryStore(): Promise<Store> {
  const store = openStore(":memory:");
  await migrate(store.db);
  return store;
}

function deps(store: Store, o: { recordAll: boolean; rules: RuleSet | null }): DecisionDeps {
  const rules = o.rules;
  return {
    rules: rules && { current: () => rules },
    config: { recorder: { recordAll: o.recordAll, format: "wav" }, rules: { salt: "s" } },
    store,
  };
}

/** A SIPREC session as the SIP layer hands it to the recorder. */
function siprecSession(metadata: Record<string, string>): SessionInfo {
  return {
    key: "k1",
    sessionId: "sess-1",
    sipCallId: "cid-1@src",
    source: "siprec",
    streams: [],
    participants: [],
    metadata,
  };
}

/** The same call as the decision API builds it from its request body. */
function apiSession(ucid: string, attachedData: Record<string, string>): SessionInfo {
  return {
    key: "api-call",
    sessionId: "api-call",
    sipCallId: "api-call",
    source: "api",
    streams: [],
    participants: [],
    metadata: { ...attachedData, UCID: ucid },
  };
}

async function storedDecisions(store: Store) {
  const rows = await store.db.selectFrom("rule_decisions").selectAll().orderBy("id").execute();
  return await Promise.all(
    rows.map(async (r) => ({ ...r, partitions: await listDecisionPartitions(store.db, r.id) })),
  );
}

async function charges(store: Store) {
  return (await store.db.selectFrom("quota_charges").selectAll().orderBy("scope").execute())
    .map((r) => ({ ...r }));
}

Deno.test("decideCall() in record-all mode parses the call's partitions with the default key and separator", async () => {
  await using store = await memoryStore();
  const facts = callFacts(
    siprecSession({ GRECORD_PARTITIONS: " emea, sales,,emea ", PARTS: "no" }),
  );
  const d = decideCall(deps(store, { recordAll: true, rules: ruleSetOf(RULES) }), facts, NOW);
  assert.deepEqual(
    { ...d, trace: undefined },
    {
      record: true,
      mode: "destination",
      partitions: ["emea", "sales"],
      ruleId: null,
      retention: null,
      allowPause: true,
      format: "wav",
      charges: [],
      trace: undefined,
      rulesetVersion: "recordAll",
      at: NOW,
    },
  );
  await storeDecision(store.db, { callId: null, origin: "siprec", facts, decision: d });
  const [row] = await storedDecisions(store);
  assert.deepEqual(row.partitions, ["emea", "sales"]);
  assert.equal(row.ruleset_version, "recordAll");
  assert.equal(row.evaluated_at, NOW.toISOString());
  assert.deepEqual(await charges(store), []);
});

Deno.test("decideCall() without rules and without record-all records nothing", async () => {
  await using store = await memoryStore();
  const facts = callFacts(siprecSession({ GRECORD_PARTITIONS: "p1" }));
  const d = decideCall(deps(store, { recordAll: false, rules: null }), facts, NOW);
  assert.equal(d.record, false);
  assert.deepEqual(d.partitions, ["p1"]);
});

Deno.test("decideCall() lets the rules decide, with the rule set's partitions key and separator", async () => {
  await using store = await memoryStore();
  const rules = ruleSetOf(RULES);
  const facts = callFacts(
    siprecSession({ customerType: "VIP", BU: "Sales", PARTS: "b; a", GRECORD_PARTITIONS: "x" }),
  );
  const d = decideCall(deps(store, { recordAll: false, rules }), facts, NOW);
  assert.equal(d.record, true);
  assert.equal(d.ruleId, "vip");
  assert.equal(d.mode, "source");
  assert.equal(d.retention, "qa");
  assert.deepEqual(d.partitions, ["a", "b", "bu-Sales", "vip"]);
  assert.equal(d.rulesetVersion, rules.fingerprint);
  assert.equal(d.charges.length, 1);
});

Deno.test("storeDecision() charges the quota of a recorded call once; a full quota moves on", async () => {
  await using store = await memoryStore();
  const d = deps(store, { recordAll: false, rules: ruleSetOf(RULES) });
  const decideFor = async (ucid: string) => {
    const facts = callFacts(siprecSession({ customerType: "VIP", UCID: ucid }));
    const decision = decideCall(d, facts, NOW);
    await storeDecision(store.db, { callId: null, origin: "siprec", facts, decision });
    return decision;
  };
  assert.equal((await decideFor("u1")).record, true);
  assert.equal((await decideFor("u1")).record, true, "the same call is not counted against itself");
  assert.equal((await decideFor("u2")).record, true);
  const third = await decideFor("u3");
  assert.equal(third.record, false);
  assert.equal(third.ruleId, null);
  assert.deepEqual((await charges(store)).map((c) => c.call_key), ["u1", "u2"]);
});

Deno.test("the decision API's path and the SIPREC path store the same decision and charge", async () => {
  const rules = ruleSetOf(RULES);
  const data = { customerType: "VIP", BU: "Sales", PARTS: "emea;vip-desk" };
  // SIPREC: the recorder decides the session and stores the decision with its call.
  await using sip = await memoryStore();
  const sipFacts = callFacts(siprecSession({ ...data, UCID: "00012345" }));
  const sipDecision = decideCall(deps(sip, { recordAll: false, rules }), sipFacts, NOW);
  await storeDecision(sip.db, {
    callId: null,
    origin: "siprec",
    facts: sipFacts,
    decision: sipDecision,
  });
  // API: the route decides with the loaded rules and stores without a call.
  await using api = await memoryStore();
  const apiFacts = callFacts(apiSession("00012345", data));
  const apiDecision = decideByRules(rules, apiFacts, { salt: "s", store: api, now: NOW });
  await storeDecision(api.db, {
    callId: null,
    origin: "api",
    facts: apiFacts,
    decision: apiDecision,
  });

  assert.deepEqual(apiDecision, sipDecision);
  const [sipRow] = await storedDecisions(sip), [apiRow] = await storedDecisions(api);
  assert.equal(sipRow.origin, "siprec");
  assert.equal(apiRow.origin, "api");
  assert.deepEqual({ ...apiRow, origin: "siprec" }, sipRow);
  assert.deepEqual(sipRow.partitions, ["emea", "vip", "vip-desk", "bu-Sales"].sort());
  assert.deepEqual(await charges(api), await charges(sip));
  assert.equal((await charges(sip)).length, 1);
});
