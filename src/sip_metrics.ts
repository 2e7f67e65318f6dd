/**
 * SIP figures that need labels or buckets: the server transaction time (request to first
 * final response) as a histogram per method, and responses sent by method and status
 * code. The SIP leaf calls the {@link SipObserver} hooks; the samples are built here.
 */
import { counter, Histogram, type Sample } from "./metrics.ts";
import type { SipObserver } from "./sip/srs_core.ts";

/** Upper bounds (seconds) of the transaction time buckets: from a local answer to Timer H. */
export const SIP_TRANSACTION_BUCKETS = [
  0.001,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  32,
] as const;

/** Methods kept as their own label; anything else is counted as `other`. */
const METHODS = new Set(["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "UPDATE", "INFO"]);
const methodLabel = (m: string) => METHODS.has(m) ? m : "other";

/** Collects the SIP hooks into samples. */
export class SipMetrics {
  #tx = new Map<string, Histogram>();
  #responses = new Map<string, number>();

  /** The hooks to hand the SIP server. */
  readonly observer: SipObserver = {
    transaction: (method, seconds) => {
      const m = methodLabel(method);
      let h = this.#tx.get(m);
      if (!h) this.#tx.set(m, h = new Histogram(SIP_TRANSACTION_BUCKETS));
      h.observe(seconds);
    },
    response: (method, status) => {
      const key = `${methodLabel(method)} ${Math.trunc(status)}`;
      this.#responses.set(key, (this.#responses.get(key) ?? 0) + 1);
    },
  };

  /** Samples for `/metrics`. */
  samples(): Sample[] {
    const out: Sample[] = [];
    for (const [method, h] of [...this.#tx].sort()) {
      out.push(h.sample(
        "sip_transaction_seconds",
        "Server transaction time: request received to first final response sent",
        { method },
      ));
    }
    for (const [key, n] of [...this.#responses].sort()) {
      const [method, code] = key.split(" ");
      out.push(counter("sip_responses_total", "SIP responses sent by method and code", n, {
        method,
        code,
      }));
    }
    return out;
  }
}
