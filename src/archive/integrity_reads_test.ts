import assert from "node:assert/strict";
import { IntegrityReadCounts } from "./integrity_reads.ts";
import { prometheusText } from "../metrics.ts";

Deno.test("IntegrityReadCounts counts each refused read by via, every web read at 0 from the start", () => {
  const counts = new IntegrityReadCounts();
  const line = (via: string) =>
    new RegExp(`^selrec_integrity_failures_total\\{source="read",via="${via}"\\} (\\d+)$`, "m");
  const value = (via: string) => Number(line(via).exec(prometheusText(counts.metrics()))?.[1]);
  for (const via of ["play", "wav", "waveform", "export"]) assert.equal(value(via), 0, via);
  counts.count("play");
  counts.count("play");
  counts.count("export");
  assert.equal(value("play"), 2);
  assert.equal(value("export"), 1);
  assert.equal(value("wav"), 0);
  assert.match(prometheusText(counts.metrics()), /# TYPE selrec_integrity_failures_total counter/);
});
