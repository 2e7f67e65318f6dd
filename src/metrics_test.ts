import assert from "node:assert/strict";
import { Metrics, prometheusText } from "./metrics.ts";

Deno.test("prometheusText() renders HELP/TYPE once per metric with escaped labels", () => {
  const m = new Metrics();
  m.register(() => [
    { name: "calls_active", help: "Calls being recorded", type: "gauge", value: 3 },
    { name: "rtp_packets", help: "Packets", type: "counter", value: 10, labels: { stream: 'a"b' } },
    { name: "rtp_packets", help: "Packets", type: "counter", value: 5, labels: { stream: "c" } },
  ]);
  m.register(() => {
    throw new Error("broken collector");
  });
  const text = prometheusText(m.collect());
  assert.match(text, /# TYPE selrec_calls_active gauge\nselrec_calls_active 3\n/);
  assert.equal(text.match(/# HELP selrec_rtp_packets/g)?.length, 1);
  assert.match(text, /selrec_rtp_packets\{stream="a\\"b"\} 10/);
  assert.match(text, /selrec_metrics_collector_errors 1/);
});
