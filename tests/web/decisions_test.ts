/** POST /api/v1/decisions through app.request(): happy path, 401 on a bad token, 400 naming the field. */
import assert from "node:assert/strict";
import { resolveConfig } from "../../src/config.ts";
import { RulesService } from "../../src/rules/mod.ts";
import { createApiToken } from "../../src/auth/api_tokens.ts";
import { newApp } from "../../web/app.ts";
import { ROOT } from "../helpers/server.ts";
import { realWebServices } from "./harness.ts";

async function setup() {
  const dir = await Deno.makeTempDir();
  const config = resolveConfig({ dataDir: dir, rules: { dir: `${ROOT}rules` } }, {}, "test");
  const { services, store } = await realWebServices(config, "test-admin-password");
  const rules = await RulesService.open(config.rules.dir, { watch: false });
  const web = newApp({ ...services, rules });
  const { token } = await createApiToken(store.db, {
    name: "ivr",
    scopes: ["decisions"],
    userId: null,
    agentId: null,
  });
  const { token: other } = await createApiToken(store.db, {
    name: "desk",
    scopes: ["pause.own"],
    userId: null,
    agentId: "4711",
  });
  const post = (body: unknown, auth: string | null = token) =>
    web.request("/api/v1/decisions", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(auth ? { Authorization: `Bearer ${auth}` } : {}),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    services,
    post,
    other,
    async [Symbol.asyncDispose]() {
      await rules.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("POST /api/v1/decisions records VIPs and explains why, storing the decision", async () => {
  await using t = await setup();
  const r = await t.post({
    callId: "call-1",
    ucid: "00012345",
    attachedData: { customerType: "VIP", GRECORD_PARTITIONS: "emea,vip-desk" },
  });
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.record, true);
  assert.equal(body.ruleId, "vip-all");
  assert.equal(body.mode, "source");
  assert.ok(body.partitions.includes("emea") && body.partitions.includes("vip-desk"));
  assert.equal(body.callKey, "00012345");
  assert.ok(Array.isArray(body.trace.rules) && body.trace.rules.length >= 1);
  const row = await t.services.store.db.selectFrom("rule_decisions").selectAll()
    .executeTakeFirstOrThrow();
  assert.equal(row.origin, "api");
  assert.equal(row.rule_id, "vip-all");
  assert.equal(row.record, 1);
});

Deno.test("POST /api/v1/decisions answers 401 without a decisions-scoped token", async () => {
  await using t = await setup();
  for (const auth of [null, "sr_not-a-real-token-at-all", t.other]) {
    const r = await t.post({ callId: "x" }, auth);
    assert.equal(r.status, 401, `auth ${auth}`);
    await r.body?.cancel();
  }
});

Deno.test("POST /api/v1/decisions answers 400 naming the bad field", async () => {
  await using t = await setup();
  const cases: [unknown, RegExp][] = [
    [{}, /^callId: /],
    [{ callId: "" }, /^callId: /],
    [{ callId: "a", attachedData: { language: 5 } }, /^attachedData\.language: /],
    [{ callId: "a", extra: 1 }, /extra/],
    ["not json", /^body: /],
  ];
  for (const [body, re] of cases) {
    const r = await t.post(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match((await r.json()).error, re);
  }
});
