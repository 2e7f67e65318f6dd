/**
 * The SRS core's gate for what sources send, before any transaction is kept: the
 * `sip.allowFrom` filter, the per-source INVITE rate (a stateless 503, RFC 3261 §8.2.7),
 * the transport policy (403 under `sip.tls.required`; 416 for a `sips:` Request-URI that
 * did not come over TLS, RFC 5630 §3.1.3), and log lines about one source's bad input
 * held to one a minute.
 */
import { AddressFilter, OncePer, TokenBuckets } from "./admission.ts";
import { type PeerAddress, requestDialogIds } from "./dialog.ts";
import type { SipRequest, SipResponse } from "./message.ts";
import { createResponse } from "./response.ts";
import type { SiprecOptions } from "./srs_options.ts";

/** Who may send, how fast, over what; and the log lines about those refused. */
export class SourceGate {
  #options: SiprecOptions;
  #allow: AddressFilter;
  #invites: TokenBuckets;
  /** Log lines about one source's bad input: at most one a minute. */
  #complaints: OncePer;

  constructor(options: SiprecOptions, now: () => number) {
    this.#options = options;
    this.#allow = new AddressFilter(options.allowFrom ?? []);
    const rate = options.invitesPerSecondPerSource ?? 0;
    this.#invites = new TokenBuckets({
      rate,
      burst: options.inviteBurstPerSource ?? Math.max(1, 2 * rate),
      now,
    });
    this.#complaints = new OncePer(60_000, now);
  }

  /** Whether `from` may send SIP at all (`allowFrom`). */
  allows(from: PeerAddress): boolean {
    return this.#allow.allows(from.hostname);
  }

  /** A log line about bad input from `from`, at most once a minute per source. */
  complain(
    from: PeerAddress,
    msg: string,
    fields: Record<string, unknown>,
    level: "warn" | "error" = "warn",
  ): void {
    const held = this.#complaints.pass(`${from.hostname}|${msg}`);
    if (held === null) return;
    this.#options.log?.[level](msg, { ...fields, source: from.hostname, heldBack: held });
  }

  /** The stateless 503 for a new INVITE over its source's rate, else null. */
  rateLimited(req: SipRequest, from: PeerAddress): SipResponse | null {
    if (requestDialogIds(req).toTag !== "" || this.#invites.take(from.hostname)) return null;
    this.complain(from, "sip INVITE rate limit reached", {});
    const perSecond = this.#options.invitesPerSecondPerSource ?? 1;
    const retryAfter = Math.max(1, Math.ceil(1 / perSecond));
    return createResponse(req, 503, {
      reason: "Service Unavailable (Rate limited)",
      toTag: crypto.randomUUID().replace(/-/g, "").slice(0, 16),
      headers: [["Retry-After", String(retryAfter)]],
    });
  }

  /**
   * The stateless refusal of a request for its transport, else null. Only addressable
   * requests from allowed sources get here (the allowFrom check runs first, so no
   * reflection); sips means every hop, the last one too, is TLS.
   */
  wrongTransport(req: SipRequest, from: PeerAddress): SipResponse | null {
    if (from.transport === "tls") return null;
    let status: 403 | 416;
    let reason: string;
    if (this.#options.tlsRequired) {
      [status, reason] = [403, "TLS required (sip.tls.required)"];
    } else if (/^sips:/i.test(req.uri)) {
      [status, reason] = [416, "sips: URI over a non-TLS transport"];
    } else return null;
    this.complain(from, "sip request refused for its transport", { reason });
    return createResponse(req, status, {
      reason: status === 403 ? `Forbidden (${reason})` : `Unsupported URI Scheme (${reason})`,
      toTag: crypto.randomUUID().replace(/-/g, "").slice(0, 16),
      headers: [["Warning", `399 ${this.#options.host} "${reason}"`]],
    });
  }
}
