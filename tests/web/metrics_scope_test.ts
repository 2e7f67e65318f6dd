/**
 * Tokens and /metrics: a `metrics` token needs no user and reads /metrics; a token whose
 * scopes need a user cannot be made without one (CLI and UI share createApiToken).
 */
import assert from "node:assert/strict";
import { resolveConfig } from "../../src/config.ts";
import { createApiToken, tokenScopeProblem } from "../../src/auth/api_tokens.ts";
import { newApp } from "../../web/app.ts";
import { realWebServices } from "./harness.ts";

Deno.test("a metrics token without a user reads /metrics; a decisions token gets 403", async () => {
  const dir = await Deno.makeTempDir();
  const config = resolveConfig({ dataDir: dir }, {}, "test");
  const { services, store } = await realWebServices(config, "test-admin-password");
  try {
    services.metrics = {
      collect: () => [{ name: "calls_active", help: "Calls", type: "gauge", value: 2 }],
    };
    const web = newApp(services);
    const scrape = (token: string | null) =>
      web.request("/metrics", token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    const { token } = await createApiToken(store.db, {
      name: "prom",
      scopes: ["metrics"],
      userId: null,
      agentId: null,
    });
    const ok = await scrape(token);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^selrec_calls_active 2$/m);
    const { token: dec } = await createApiToken(store.db, {
      name: "ivr",
      scopes: ["decisions"],
      userId: null,
      agentId: null,
    });
    assert.equal((await scrape(dec)).status, 403);
    assert.equal((await scrape(null)).status, 401);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createApiToken() refuses permission scopes without a user, naming the scope", async () => {
  const dir = await Deno.makeTempDir();
  const config = resolveConfig({ dataDir: dir }, {}, "test");
  const { store } = await realWebServices(config, "test-admin-password");
  try {
    await assert.rejects(
      createApiToken(store.db, {
        name: "sysmon",
        scopes: ["system.manage"],
        userId: null,
        agentId: null,
      }),
      (err: Error) =>
        err instanceof RangeError && /scope "system.manage" needs a user/.test(err.message),
    );
    assert.match(
      tokenScopeProblem({ scopes: ["pause.own"], userId: null, agentId: null }) ?? "",
      /pause.own/,
    );
    assert.equal(tokenScopeProblem({ scopes: ["pause.own"], userId: null, agentId: "7" }), null);
    assert.equal(tokenScopeProblem({ scopes: ["system.manage"], userId: 1, agentId: null }), null);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
