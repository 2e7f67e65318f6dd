/**
 * SIP session timers as UAS (RFC 4028): the Session-Expires and Min-SE headers, the
 * negotiation of a 2xx's interval and refresher (§9), the 422 for a too-small interval
 * (§8.1 as the UAS applies it), and the timer of one dialog (§10): the refresher
 * refreshes at half the interval; the other side ends the session when no refresh came
 * by `interval - min(32, interval/3)` seconds.
 *
 * Our choice of refresher: the UAC's own `refresher=` when it sent one; otherwise `uac`
 * when it lists `timer` in Supported (it then refreshes, we only watch). A UAC that does
 * not support timers and sent no Session-Expires gets none back: no timer is run, and
 * RTP inactivity (`rtp.inactivitySeconds`) is what ends a call it abandons. When a proxy
 * inserted Session-Expires for such a UAC we are the refresher and send UPDATEs.
 */
import { parseParams } from "./address.ts";
import type { SipHeaders } from "./headers.ts";
import { SipParseError } from "./message.ts";
import type { TimerHandle, Timers } from "./timers.ts";

/** The smallest Session-Expires RFC 4028 §4 allows a UAS to demand (Min-SE floor). */
export const RFC_MIN_SE = 90;

/** Who refreshes the session (RFC 4028 §4 `refresher`). */
export type Refresher = "uac" | "uas";

/** A parsed Session-Expires value. */
export interface SessionExpires {
  seconds: number;
  refresher: Refresher | null;
}

const DELTA = /^[0-9]{1,10}$/;

/**
 * RFC 4028 §4:
 * ```
 * Session-Expires  =  ("Session-Expires" / "x") HCOLON delta-seconds
 *                       *(SEMI se-params)
 * se-params        = refresher-param / generic-param
 * refresher-param  = "refresher" EQUAL  ("uas" / "uac")
 * Min-SE  =  "Min-SE" HCOLON delta-seconds *(SEMI generic-param)
 * ```
 * Throws {@link SipParseError} naming the header when the value does not parse.
 */
export function parseSessionExpires(value: string): SessionExpires {
  const semi = value.indexOf(";");
  const delta = (semi < 0 ? value : value.slice(0, semi)).trim();
  if (!DELTA.test(delta)) {
    throw new SipParseError(`Cannot parse Session-Expires: delta-seconds "${delta}"`);
  }
  const params = parseParams(semi < 0 ? "" : value.slice(semi + 1));
  const r = params.get("refresher")?.toLowerCase();
  if (r !== undefined && r !== "uac" && r !== "uas") {
    throw new SipParseError(`Cannot parse Session-Expires: refresher "${r}"`);
  }
  return { seconds: Number(delta), refresher: r ?? null };
}

/** The delta-seconds of a Min-SE value (RFC 4028 §5); throws {@link SipParseError}. */
export function parseMinSE(value: string): number {
  const semi = value.indexOf(";");
  const delta = (semi < 0 ? value : value.slice(0, semi)).trim();
  if (!DELTA.test(delta)) throw new SipParseError(`Cannot parse Min-SE: delta-seconds "${delta}"`);
  return Number(delta);
}

/** A Session-Expires header value. */
export function formatSessionExpires(se: SessionExpires): string {
  return se.refresher ? `${se.seconds};refresher=${se.refresher}` : String(se.seconds);
}

/** Our settings: the interval we ask for and the smallest we accept. */
export interface SessionTimerSettings {
  /** `sip.sessionExpires` (seconds). */
  sessionExpires: number;
  /** `sip.minSE` (seconds). */
  minSE: number;
}

/** What to do with a request's session timer. */
export type TimerNegotiation =
  | { kind: "none" }
  | { kind: "too-small"; minSE: number }
  | { kind: "use"; seconds: number; refresher: Refresher };

/** RFC 4028 §9: the interval and refresher of our 2xx to an INVITE or UPDATE. */
export function negotiateSessionTimer(
  headers: SipHeaders,
  settings: SessionTimerSettings,
): TimerNegotiation {
  const uacSupports = headers.tokens("Supported").includes("timer") ||
    headers.tokens("Require").includes("timer");
  const seValue = headers.get("Session-Expires");
  const minValue = headers.get("Min-SE");
  const theirMin = minValue === undefined ? 0 : parseMinSE(minValue);
  const floor = Math.max(theirMin, settings.minSE);
  if (seValue === undefined) {
    if (!uacSupports) return { kind: "none" };
    return { kind: "use", seconds: Math.max(settings.sessionExpires, floor), refresher: "uac" };
  }
  const se = parseSessionExpires(seValue);
  if (se.seconds < settings.minSE) return { kind: "too-small", minSE: settings.minSE };
  // §9: the UAS may lower the interval, never below the request's Min-SE (nor ours).
  const seconds = Math.max(Math.min(se.seconds, settings.sessionExpires), floor);
  const refresher = se.refresher ?? (uacSupports ? "uac" : "uas");
  return { kind: "use", seconds, refresher: uacSupports ? refresher : "uas" };
}

/** Headers of our 2xx for a `use` negotiation (§9: `Require: timer` when the UAC refreshes). */
export function sessionTimerHeaders(n: TimerNegotiation): [string, string][] {
  if (n.kind !== "use") return [];
  const h: [string, string][] = [[
    "Session-Expires",
    formatSessionExpires({ seconds: n.seconds, refresher: n.refresher }),
  ]];
  if (n.refresher === "uac") h.push(["Require", "timer"]);
  return h;
}

/** The moment the non-refresher gives up: interval − min(32, interval/3) (§10), in ms. */
export function expiryMs(seconds: number): number {
  return (seconds - Math.min(32, seconds / 3)) * 1000;
}

/** What a {@link SessionTimer} calls. */
export interface SessionTimerHooks {
  timers: Timers;
  /** No refresh in time: the session is over (send BYE, end it). */
  onExpired(): void;
  /** We are the refresher and half the interval has passed: send a refresh. */
  onRefreshDue(): void;
}

/** One dialog's session timer (§10), restarted by every refresh. */
export class SessionTimer {
  #hooks: SessionTimerHooks;
  #expiry: TimerHandle | null = null;
  #refresh: TimerHandle | null = null;
  #seconds = 0;
  #refresher: Refresher = "uac";

  constructor(hooks: SessionTimerHooks) {
    this.#hooks = hooks;
  }

  /** The running interval in seconds (0 when stopped). */
  get seconds(): number {
    return this.#seconds;
  }

  get refresher(): Refresher {
    return this.#refresher;
  }

  /** A 2xx with Session-Expires went out (or a refresh we sent got its 2xx): start over. */
  refreshed(seconds: number, refresher: Refresher): void {
    this.stop();
    this.#seconds = seconds;
    this.#refresher = refresher;
    const { timers } = this.#hooks;
    if (refresher === "uas") {
      this.#refresh = timers.set(() => {
        this.#refresh = null;
        this.#hooks.onRefreshDue();
      }, (seconds * 1000) / 2);
    }
    this.#expiry = timers.set(() => {
      this.#expiry = null;
      this.stop();
      this.#hooks.onExpired();
    }, expiryMs(seconds));
  }

  /** No timer any more (the session ended, or the peer refuses our refreshes). */
  stop(): void {
    if (this.#expiry !== null) this.#hooks.timers.clear(this.#expiry);
    if (this.#refresh !== null) this.#hooks.timers.clear(this.#refresh);
    this.#expiry = this.#refresh = null;
    this.#seconds = 0;
  }
}
