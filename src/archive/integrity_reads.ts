/**
 * Counts the reads the web refused because the recording failed its integrity check
 * (play, WAV transcode, waveform, export — each refused request, and each stream cut
 * short, once), for `/metrics` as `selrec_integrity_failures_total{source="read",via}`.
 * The flag, audit row and alarm are written once per finding (integrity_failure.ts);
 * this counter goes up on every refusal, so a rate shows files being hit. The archive
 * copy and the scrubber count theirs in their own metrics.
 */
import { counter, type Sample } from "../metrics.ts";
import type { IntegrityFinding } from "./integrity_failure.ts";

/** The reads the web serves, each a `via` label from the start (at 0). */
const READS = ["play", "wav", "waveform", "export"] as const;

/** Refused reads by `via`; one per box, handed to the web as a service. */
export class IntegrityReadCounts {
  #by = new Map<string, number>(READS.map((via) => [via, 0]));

  /** Counts one read refused for failing its integrity check. */
  count(via: IntegrityFinding["via"]): void {
    this.#by.set(via, (this.#by.get(via) ?? 0) + 1);
  }

  /** The counter's samples, one per `via`. */
  metrics(): Sample[] {
    return [...this.#by].map(([via, n]) =>
      counter(
        "integrity_failures_total",
        "Reads refused because the recording failed its integrity check, by the read",
        n,
        { source: "read", via },
      )
    );
  }
}
