import assert from "node:assert/strict";
import { prometheusText } from "./metrics.ts";
import { SipMetrics } from "./sip_metrics.ts";

Deno.test("SipMetrics renders a transaction histogram per method and responses by code", () => {
  const m = new SipMetrics();
  m.observer.transaction!("INVITE", 0.004);
  m.observer.transaction!("INVITE", 0.3);
  m.observer.transaction!("BYE", 0.0005);
  m.observer.response!("INVITE", 100);
  m.observer.response!("INVITE", 200);
  m.observer.response!("INVITE", 200);
  m.observer.response!("MESSAGE", 405);
  const text = prometheusText(m.samples());
  assert.match(text, /^selrec_sip_transaction_seconds_bucket\{method="INVITE",le="0\.005"\} 1$/m);
  assert.match(text, /^selrec_sip_transaction_seconds_bucket\{method="INVITE",le="0\.5"\} 2$/m);
  assert.match(text, /^selrec_sip_transaction_seconds_count\{method="INVITE"\} 2$/m);
  assert.match(text, /^selrec_sip_transaction_seconds_sum\{method="BYE"\} 0\.0005$/m);
  assert.match(text, /^selrec_sip_responses_total\{method="INVITE",code="200"\} 2$/m);
  assert.match(text, /^selrec_sip_responses_total\{method="other",code="405"\} 1$/m);
  assert.equal(text.match(/# TYPE selrec_sip_transaction_seconds histogram/g)?.length, 1);
});
