/**
 * Explaining scope: a user whose scope hides everything is told why on /recordings and
 * /calls, and adding a supervisor or compliance user without an org unit asks for one.
 */
import assert from "node:assert/strict";
import type { ActiveCall } from "../../src/call_control.ts";
import { findUser } from "../../src/store/queries/users.ts";
import { Harness } from "./harness.ts";

const T = { sanitizeOps: true, sanitizeResources: true };

function call(id: string, agentId: string): ActiveCall {
  return {
    callId: id,
    recordingId: `rec-${id}`,
    siprecSessionId: null,
    sipCallId: `${id}@src`,
    ucid: null,
    agentId,
    ani: null,
    dnis: null,
    startedAt: "2026-03-01T09:58:30.000Z",
    allowPause: true,
    paused: false,
    pausedAt: null,
    autoResumeAt: null,
    partitions: ["p1"],
    noMedia: false,
    recorded: true,
    ruleId: null,
    decidedBy: "rules",
    notRecordedReason: null,
  };
}

Deno.test({
  ...T,
  name: "a supervisor without org unit and partitions is told why /calls and /recordings are empty",
  async fn() {
    await using h = await Harness.create({ scope: { partitions: true, hierarchy: true } });
    h.calls.calls.push(call("c1", "ag1"));
    await h.user("nobody", "supervisor", { orgUnitId: null, partitions: [] });
    const c = await h.signIn("nobody");
    for (const path of ["/calls", "/recordings"]) {
      const html = await (await h.req(path, { client: c })).text();
      assert.match(html, /id="scope-note"/, path);
      assert.match(html, /no partitions/, path);
      assert.match(html, /in no org unit and has no agent id/, path);
    }
    assert.match(await (await h.req("/calls", { client: c })).text(), /0 active calls/);
    const admin = await h.signIn("admin");
    assert.doesNotMatch(await (await h.req("/recordings", { client: admin })).text(), /scope-note/);
  },
});

Deno.test({
  ...T,
  name: "adding a supervisor or compliance user without an org unit asks for one",
  async fn() {
    await using h = await Harness.create();
    const admin = await h.signIn("admin");
    for (const role of ["supervisor", "compliance"]) {
      const form = { username: `u-${role}`, password: "a long enough password", role };
      const res = await h.req("/admin/users", { client: admin, form });
      assert.equal(res.status, 400, role);
      assert.match(await res.text(), new RegExp(`Org unit: a ${role} sees recordings`), role);
      assert.equal(await findUser(h.services.store.db, `u-${role}`), undefined);
      const placed = await h.req("/admin/users", {
        client: admin,
        form: { ...form, org_unit_id: String(h.orgRoot) },
      });
      assert.equal(placed.status, 303, role);
    }
    const agent = await h.req("/admin/users", {
      client: admin,
      form: { username: "ann", password: "a long enough password", role: "agent", agent_id: "a1" },
    });
    assert.equal(agent.status, 303, "an agent needs no org unit");
  },
});
