/**
 * /calls, /calls/rows and /calls.json: recorded vs not with the rule or reason, pause
 * countdown, recording link, and the org scope applied to live calls.
 */
import assert from "node:assert/strict";
import type { ActiveCall } from "../../src/call_control.ts";
import { addOrgUnit, upsertAgent } from "../../src/store/queries/org_units.ts";
import { Harness } from "./harness.ts";

const T = { sanitizeOps: true, sanitizeResources: true };

function call(id: string, agentId: string, over: Partial<ActiveCall> = {}): ActiveCall {
  return {
    callId: id,
    recordingId: `rec-${id}`,
    siprecSessionId: null,
    sipCallId: `${id}@src`,
    ucid: null,
    agentId,
    ani: "+1555",
    dnis: "+1666",
    startedAt: "2026-03-01T09:58:30.000Z",
    allowPause: true,
    paused: false,
    pausedAt: null,
    autoResumeAt: null,
    partitions: ["p1"],
    noMedia: false,
    recorded: true,
    ruleId: "vip",
    decidedBy: "rules",
    notRecordedReason: null,
    ...over,
  };
}

Deno.test({
  ...T,
  name: "/calls tells recorded calls (rule, link, pause countdown) from calls not recorded",
  async fn() {
    await using h = await Harness.create();
    h.calls.calls.push(
      call("c1", "ag1", {
        paused: true,
        pausedAt: "2026-03-01T09:59:00.000Z",
        autoResumeAt: "2026-03-01T10:01:30.000Z",
      }),
      call("c2", "ag1", {
        recordingId: null,
        recorded: false,
        ruleId: null,
        notRecordedReason: "not-sampled",
      }),
    );
    const admin = await h.signIn("admin");
    const page = await (await h.req("/calls", { client: admin })).text();
    assert.match(page, /2 active calls, 1 recorded/);
    assert.match(page, /src="\/static\/calls.js"/);
    const rows = await (await h.req("/calls/rows", { client: admin })).text();
    const [c1, c2] = rows.split("</tr>");
    assert.match(c1, /data-recorded="true"/);
    assert.match(c1, /rule vip/);
    assert.match(
      c1,
      /resumes in <span class="countdown" data-until="2026-03-01T10:01:30.000Z">1:30/,
    );
    assert.match(c1, /data-since="2026-03-01T09:58:30.000Z">1:30</);
    assert.match(c1, /href="\/recordings\/rec-c1"/);
    assert.match(c2, /data-recorded="false"/);
    assert.match(c2, /not recorded/);
    assert.match(c2, /not in the sample/);
    assert.doesNotMatch(c2, /href=/);
    const json = await (await h.req("/calls.json", { client: admin })).json();
    assert.deepEqual(
      json.calls.map((c: ActiveCall) => [c.callId, c.recorded, c.notRecordedReason]),
      [["c1", true, null], ["c2", false, "not-sampled"]],
    );
  },
});

Deno.test({
  ...T,
  name: "a supervisor sees only live calls of agents in their org subtree",
  async fn() {
    await using h = await Harness.create({ scope: { partitions: true, hierarchy: true } });
    const db = h.services.store.db;
    const east = await addOrgUnit(db, "East", h.orgRoot);
    const west = await addOrgUnit(db, "West", h.orgRoot);
    await upsertAgent(db, "ag-east", null, east.id);
    await upsertAgent(db, "ag-west", null, west.id);
    h.calls.calls.push(call("ce", "ag-east"), call("cw", "ag-west"));
    await h.user("sam", "supervisor", { orgUnitId: east.id, partitions: ["p1"] });
    const sam = await h.signIn("sam");
    const rows = await (await h.req("/calls/rows", { client: sam })).text();
    assert.match(rows, /data-call="ce"/);
    assert.doesNotMatch(rows, /data-call="cw"/);
    const json = await (await h.req("/calls.json", { client: sam })).json();
    assert.deepEqual(json.calls.map((c: ActiveCall) => c.callId), ["ce"]);
    assert.doesNotMatch(await (await h.req("/calls", { client: sam })).text(), /scope-note/);
  },
});
