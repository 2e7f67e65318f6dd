import assert from "node:assert/strict";
import { Histogram, Metrics, prometheusText } from "./metrics.ts";
import { maxFds, processSamples } from "./process_metrics.ts";

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

Deno.test("Histogram renders cumulative buckets, +Inf, _sum and _count", () => {
  const h = new Histogram([0.01, 0.1, 1]);
  for (const v of [0.005, 0.05, 0.07, 0.5, 3, NaN]) h.observe(v);
  const text = prometheusText([
    h.sample("sip_transaction_seconds", "SIP time", { method: "INVITE" }),
  ]);
  const lines = text.trim().split("\n");
  assert.deepEqual(lines, [
    "# HELP selrec_sip_transaction_seconds SIP time",
    "# TYPE selrec_sip_transaction_seconds histogram",
    'selrec_sip_transaction_seconds_bucket{method="INVITE",le="0.01"} 1',
    'selrec_sip_transaction_seconds_bucket{method="INVITE",le="0.1"} 3',
    'selrec_sip_transaction_seconds_bucket{method="INVITE",le="1"} 4',
    'selrec_sip_transaction_seconds_bucket{method="INVITE",le="+Inf"} 5',
    'selrec_sip_transaction_seconds_sum{method="INVITE"} 3.625',
    'selrec_sip_transaction_seconds_count{method="INVITE"} 5',
  ]);
  const counts = lines.filter((l) => l.includes("_bucket")).map((l) => Number(l.split(" ")[1]));
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), "buckets are cumulative");
  assert.throws(() => new Histogram([1, 1]), RangeError);
});

Deno.test("processSamples() gives the standard process_* figures without the selrec_ prefix", () => {
  const text = prometheusText(processSamples());
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
  assert.ok(value("process_resident_memory_bytes") > 1_000_000);
  assert.ok(value("process_cpu_seconds_total") > 0);
  assert.ok(value("process_open_fds") >= 3);
  assert.ok(Math.abs(value("process_start_time_seconds") - Date.now() / 1000) < 600);
  assert.match(text, /# TYPE process_cpu_seconds_total counter/);
  assert.equal(
    maxFds("Max open files            1024                 524288               files"),
    1024,
  );
});
