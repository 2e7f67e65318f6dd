/**
 * Metrics: services register collectors that return current values; `/metrics` renders
 * them in the Prometheus text format. Values are gauges or monotonic counters as named.
 */

/** One sample: a metric name (snake_case, without the `selrec_` prefix), labels, value. */
export interface Sample {
  name: string;
  help: string;
  type: "gauge" | "counter";
  value: number;
  labels?: Record<string, string>;
}

/** A gauge sample. */
export function gauge(
  name: string,
  help: string,
  value: number,
  labels?: Record<string, string>,
): Sample {
  return { name, help, type: "gauge", value, ...(labels ? { labels } : {}) };
}

/** A monotonic counter sample. */
export function counter(
  name: string,
  help: string,
  value: number,
  labels?: Record<string, string>,
): Sample {
  return { name, help, type: "counter", value, ...(labels ? { labels } : {}) };
}

/** Returns the current samples of one part of the box. */
export type Collector = () => Sample[];

/** The box's collectors. */
export class Metrics {
  #collectors: Collector[] = [];

  /** Adds a collector; returns a function that removes it. */
  register(c: Collector): () => void {
    this.#collectors.push(c);
    return () => {
      this.#collectors = this.#collectors.filter((x) => x !== c);
    };
  }

  /** Every current sample; a collector that throws is skipped and counted. */
  collect(): Sample[] {
    const out: Sample[] = [];
    let failed = 0;
    for (const c of this.#collectors) {
      try {
        out.push(...c());
      } catch {
        failed++;
      }
    }
    out.push({
      name: "metrics_collector_errors",
      help: "Collectors that failed during this scrape",
      type: "gauge",
      value: failed,
    });
    return out;
  }
}

function labelText(labels: Record<string, string> | undefined): string {
  if (!labels || Object.keys(labels).length === 0) return "";
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`
  );
  return `{${parts.join(",")}}`;
}

/** Renders samples in the Prometheus text exposition format (version 0.0.4). */
export function prometheusText(samples: Sample[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const s of samples) {
    const name = `selrec_${s.name}`;
    if (!seen.has(name)) {
      seen.add(name);
      lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
    }
    lines.push(`${name}${labelText(s.labels)} ${Number.isFinite(s.value) ? s.value : "NaN"}`);
  }
  return lines.join("\n") + "\n";
}
