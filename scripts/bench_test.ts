import assert from "node:assert/strict";
import { caseTimeout, DEFAULT_TIMEOUT_SECONDS, findCases } from "./bench.ts";

Deno.test("bench.ts gives a case its own TIMEOUT_SECONDS and the rest the default", async () => {
  const cases = await findCases();
  assert.ok(cases.has("recorder_srtp") && cases.has("srtp_packet"), [...cases.keys()].join());
  assert.equal(await caseTimeout(cases.get("recorder_srtp")!), 2400);
  assert.equal(await caseTimeout(cases.get("capture")!), DEFAULT_TIMEOUT_SECONDS);
});
