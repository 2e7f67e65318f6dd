import assert from "node:assert/strict";
import { FLOW_MS, OidcFlows } from "./oidc_flows.ts";

Deno.test("OidcFlows: a flow is taken once, with fresh state, nonce and a PKCE-sized verifier", () => {
  const flows = new OidcFlows(() => 1_000);
  const a = flows.start("/recordings");
  const b = flows.start("/");
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.flow.state, b.flow.state);
  assert.notEqual(a.flow.nonce, a.flow.state);
  // RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~].
  assert.match(a.flow.codeVerifier, /^[A-Za-z0-9\-._~]{43,128}$/);
  assert.deepEqual(flows.take(a.id), a.flow);
  assert.equal(flows.take(a.id), null);
  assert.equal(flows.take("no-such-flow"), null);
  assert.equal(flows.size, 1);
});

Deno.test("OidcFlows: a flow older than FLOW_MS is refused, and the store stays bounded", () => {
  let now = 0;
  const flows = new OidcFlows(() => now, 3);
  const old = flows.start("/");
  now = FLOW_MS;
  assert.equal(flows.take(old.id), null);
  const ids = [1, 2, 3, 4].map(() => flows.start("/").id);
  assert.equal(flows.size, 3);
  assert.equal(flows.take(ids[0]), null); // the oldest was dropped
  assert.ok(flows.take(ids[3]));
  now = 3 * FLOW_MS;
  flows.start("/");
  assert.equal(flows.size, 1); // expired ones swept at the next start
});
