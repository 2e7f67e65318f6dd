/**
 * Reason codes come from config: `web.actionReasonCodes` for actions on recordings and
 * `recorder.pauseReasonCodes` for pauses. The forms offer the configured codes; any other
 * code gets a 400 naming the field and listing the valid codes.
 */
import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

Deno.test({
  ...T,
  name: "actions on recordings take the configured reason codes and list them on a bad one",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1");
    h.services.config.web.actionReasonCodes = ["gdpr-erasure", "audit-2026"];
    await h.user("carol", "compliance", { orgUnitId: h.orgRoot });
    const c = await h.signIn("carol");
    const page = await (await h.req("/recordings/r1", { client: c })).text();
    assert.match(page, /value="gdpr-erasure">gdpr-erasure<\/option>/);
    assert.doesNotMatch(page, /value="legal-request"/, "the shipped codes are replaced");
    for (const code of ["legal-request", "", "bogus"]) {
      const res = await h.req("/recordings/r1/delete", {
        client: c,
        form: { reason_code: code, reason_text: "erase this" },
      });
      assert.equal(res.status, 400, code);
      const text = await res.text();
      assert.match(text, /reason_code: .*valid codes: gdpr-erasure, audit-2026/, code);
      assert.match(text, code ? /unknown reason code/ : /a reason code is required/, code);
    }
    const del = await h.req("/recordings/r1/delete", {
      client: c,
      form: { reason_code: "gdpr-erasure", reason_text: "erase this", confirm: "yes" },
    });
    assert.equal(del.status, 303);
    await del.body?.cancel();
  },
});

Deno.test({
  ...T,
  name: "pauses take the configured pause reason codes, on the agent page and through the API",
  async fn() {
    await using h = await Harness.create();
    h.services.config.recorder.pauseReasonCodes = ["card-entry", "break"];
    await h.user("ann", "agent", { agentId: "ag1" });
    h.calls.calls.push({
      callId: "call-1",
      recordingId: null,
      siprecSessionId: null,
      sipCallId: null,
      ucid: "U1",
      agentId: "ag1",
      ani: null,
      dnis: null,
      startedAt: "2026-03-01T09:59:00.000Z",
      allowPause: true,
      recorded: true,
      ruleId: null,
      decidedBy: "rules",
      notRecordedReason: null,
      paused: false,
      pausedAt: null,
      autoResumeAt: null,
      noMedia: false,
      partitions: [],
    });
    const c = await h.signIn("ann");
    const agent = await (await h.req("/agent", { client: c })).text();
    assert.match(agent, /value="card-entry">card-entry<\/option>/);
    assert.doesNotMatch(agent, /value="payment-card"/);
    const bad = await h.req("/api/v1/calls/U1/pause", {
      client: c,
      json: { reasonCode: "payment-card" },
    });
    assert.equal(bad.status, 400);
    assert.match(
      await bad.text(),
      /reasonCode: unknown reason code.*valid codes: card-entry, break/,
    );
    const form = await h.req("/agent/pause", { client: c, form: { reason_code: "nope" } });
    assert.equal(form.status, 400);
    assert.match(await form.text(), /reason_code: .*valid codes: card-entry, break/);
    const ok = await h.req("/api/v1/calls/U1/pause", { client: c, json: { reasonCode: "break" } });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.deepEqual(h.calls.log.map((l) => `${l.op}:${l.request.reasonCode}`), ["pause:break"]);
  },
});
