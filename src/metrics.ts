/**
 * Metrics: services register collectors that return current values; `/metrics` renders
 * them in the Prometheus text format. Values are gauges or monotonic counters as named.
 */

/** One sample: a metric name (snake_case, without the `selrec_` prefix), labels, value. */
export type Sample = ScalarSample | HistogramSample;

/** A gauge or counter value. */
export interface ScalarSample {
  name: string;
  help: string;
  type: "gauge" | "counter";
  value: number;
  labels?: Record<string, string>;
  /** Rendered without the `selrec_` prefix (the standard `process_*` names). */
  bare?: boolean;
}

/**
 * A histogram: `buckets[i]` counts observations ≤ `bounds[i]` (cumulative, as Prometheus
 * wants), `count` all of them (the `+Inf` bucket), `sum` their total.
 */
export interface HistogramSample {
  name: string;
  help: string;
  type: "histogram";
  bounds: readonly number[];
  buckets: readonly number[];
  count: number;
  sum: number;
  labels?: Record<string, string>;
}

/** Observes values into fixed buckets; {@link Histogram.sample} renders them cumulatively. */
export class Histogram {
  readonly #bounds: number[];
  readonly #counts: number[];
  #count = 0;
  #sum = 0;

  /** `bounds`: the buckets' upper limits, strictly increasing and finite. */
  constructor(bounds: readonly number[]) {
    if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]))) {
      throw new RangeError(`Histogram bounds must increase: ${bounds.join(",")}`);
    }
    this.#bounds = [...bounds];
    this.#counts = bounds.map(() => 0);
  }

  /** Adds one observation; a NaN is ignored (never throws: used on hot paths). */
  observe(value: number): void {
    if (Number.isNaN(value)) return;
    this.#count++;
    this.#sum += value;
    const i = this.#bounds.findIndex((b) => value <= b);
    if (i >= 0) this.#counts[i]++;
  }

  /** The histogram as a sample, buckets cumulative. */
  sample(name: string, help: string, labels?: Record<string, string>): HistogramSample {
    let acc = 0;
    const buckets = this.#counts.map((c) => (acc += c));
    return {
      name,
      help,
      type: "histogram",
      bounds: this.#bounds,
      buckets,
      count: this.#count,
      sum: this.#sum,
      ...(labels ? { labels } : {}),
    };
  }
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

function num(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

function sampleLines(name: string, s: Sample): string[] {
  if (s.type !== "histogram") return [`${name}${labelText(s.labels)} ${num(s.value)}`];
  const lines = s.bounds.map((b, i) =>
    `${name}_bucket${labelText({ ...s.labels, le: num(b) })} ${s.buckets[i]}`
  );
  lines.push(`${name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
  lines.push(`${name}_sum${labelText(s.labels)} ${num(s.sum)}`);
  lines.push(`${name}_count${labelText(s.labels)} ${s.count}`);
  return lines;
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
    const name = s.type !== "histogram" && s.bare ? s.name : `selrec_${s.name}`;
    if (!seen.has(name)) {
      seen.add(name);
      lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
    }
    lines.push(...sampleLines(name, s));
  }
  return lines.join("\n") + "\n";
}
