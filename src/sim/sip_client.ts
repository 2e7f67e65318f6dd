/**
 * The SIP client side of the load client (a UAC core with client transactions,
 * RFC 3261 §17.1), I/O-free: bytes go out through `send`, come in through
 * {@link SipClient.receive}, timers are injected so tests can run on a fake clock.
 *
 * Simplifications, each safe for an SRC talking to one SRS:
 * - one final-response guard of 64·T1 covers both Timer B (§17.1.1.2) and Timer F
 *   (§17.1.2.2), also after a provisional response;
 * - requests go to the one target; Record-Route and Contact-based routing are ignored.
 */
import { parseCSeq, parseVia } from "../sip/address.ts";
import {
  parseSipMessage,
  serializeSipMessage,
  SipHeaders,
  type SipRequest,
  type SipResponse,
} from "../sip/message.ts";
import { createResponse } from "../sip/response.ts";
import { T1, T2, type TimerHandle, type Timers } from "../sip/timers.ts";

/** Final-response guard: Timer B and Timer F (RFC 3261 §17.1.1.2, §17.1.2.2). */
export const TIMER_B = 64 * T1;
/** Wait in Completed for INVITE response retransmissions over UDP (§17.1.1.2: Timer D > 32 s). */
export const TIMER_D = 32_000;

/** Counters of the client, for the run report. */
export interface SipClientStats {
  sent: number;
  retransmissions: number;
  received: number;
  /** Responses that matched no transaction (late retransmissions). */
  stray: number;
  parseErrors: number;
  timeouts: number;
}

/** Options of {@link SipClient}. */
export interface SipClientOptions {
  send(bytes: Uint8Array): void;
  /** TCP: no retransmissions (§17.1.1.2 "unreliable transport" only). */
  reliable: boolean;
  timers: Timers;
  /** Requests from the SRS (BYE, OPTIONS …): return the status to answer with. */
  onRequest?(req: SipRequest): number;
}

interface Transaction {
  req: SipRequest;
  method: string;
  bytes: Uint8Array;
  interval: number;
  retransmit: TimerHandle | null;
  guard: TimerHandle;
  provisional: boolean;
  resolve(res: SipResponse): void;
  /** INVITE only: the ACK for a non-2xx final (§17.1.1.3), kept for retransmissions. */
  ack: Uint8Array | null;
}

function keyOf(branch: string, method: string): string {
  return `${branch} ${method === "ACK" ? "INVITE" : method}`;
}

/** Client transactions plus re-ACK of retransmitted 2xx (§13.2.2.4). */
export class SipClient {
  readonly stats: SipClientStats = {
    sent: 0,
    retransmissions: 0,
    received: 0,
    stray: 0,
    parseErrors: 0,
    timeouts: 0,
  };
  #o: SipClientOptions;
  #tx = new Map<string, Transaction>();
  /** Call-ID → serialized ACK of its last 2xx to INVITE. */
  #acks = new Map<string, Uint8Array>();

  constructor(options: SipClientOptions) {
    this.#o = options;
  }

  /** Pending client transactions. */
  get pending(): number {
    return this.#tx.size;
  }

  /**
   * Send a request and resolve with its final response. Provisional responses are
   * reported to `onProvisional`. On timeout resolves with a local 408 (§8.1.3.1).
   */
  request(req: SipRequest, onProvisional?: (res: SipResponse) => void): Promise<SipResponse> {
    const branch = parseVia(req.headers.getAll("Via")[0] ?? "").params.get("branch") ?? "";
    const key = keyOf(branch, req.method);
    const bytes = serializeSipMessage(req);
    return new Promise((resolve) => {
      const t: Transaction = {
        req,
        method: req.method,
        bytes,
        interval: T1,
        retransmit: null,
        guard: 0,
        provisional: false,
        ack: null,
        resolve: (res) => {
          if (res.status >= 200 || res.status < 100) resolve(res);
          else onProvisional?.(res);
        },
      };
      t.guard = this.#o.timers.set(() => this.#timeout(key, req), TIMER_B);
      this.#tx.set(key, t);
      this.#transmit(bytes);
      if (!this.#o.reliable) this.#armRetransmit(key, t);
    });
  }

  /** Send an ACK for a 2xx (§13.2.2.4) and remember it for 2xx retransmissions. */
  ack(ack: SipRequest): void {
    const bytes = serializeSipMessage(ack);
    this.#acks.set(ack.headers.get("Call-ID") ?? "", bytes);
    this.#transmit(bytes);
  }

  /** Forget a dialog's ACK once the call is over. */
  forget(callId: string): void {
    this.#acks.delete(callId);
  }

  /** Feed one message received from the transport. Never throws. */
  receive(bytes: Uint8Array): void {
    this.stats.received++;
    try {
      const msg = parseSipMessage(bytes);
      if (msg.kind === "response") this.#onResponse(msg);
      else this.#onRequest(msg);
    } catch {
      this.stats.parseErrors++;
    }
  }

  /** Cancel every timer; pending requests resolve with 408. */
  close(): void {
    for (const [key, t] of [...this.#tx]) {
      this.#finish(key, t);
      t.resolve(localResponse(408, "Client closed"));
    }
    this.#acks.clear();
  }

  #transmit(bytes: Uint8Array): void {
    this.stats.sent++;
    this.#o.send(bytes);
  }

  /** Timer A (INVITE: doubling, §17.1.1.2) or Timer E (non-INVITE: capped at T2, §17.1.2.2). */
  #armRetransmit(key: string, t: Transaction): void {
    t.retransmit = this.#o.timers.set(() => {
      if (this.#tx.get(key) !== t) return;
      this.stats.retransmissions++;
      this.#transmit(t.bytes);
      t.interval = t.method === "INVITE" ? t.interval * 2 : Math.min(t.interval * 2, T2);
      this.#armRetransmit(key, t);
    }, t.method !== "INVITE" && t.provisional ? T2 : t.interval);
  }

  #timeout(key: string, req: SipRequest): void {
    const t = this.#tx.get(key);
    if (!t) return;
    this.stats.timeouts++;
    this.#finish(key, t);
    t.resolve({ ...localResponse(408, "Request Timeout"), headers: req.headers.clone() });
  }

  #finish(key: string, t: Transaction): void {
    if (t.retransmit !== null) this.#o.timers.clear(t.retransmit);
    this.#o.timers.clear(t.guard);
    this.#tx.delete(key);
  }

  #onResponse(res: SipResponse): void {
    const branch = parseVia(res.headers.getAll("Via")[0] ?? "").params.get("branch") ?? "";
    const cseq = parseCSeq(res.headers.get("CSeq"));
    const t = this.#tx.get(keyOf(branch, cseq.method));
    if (!t) return this.#onStray(res, cseq.method);
    if (t.ack) {
      this.#transmit(t.ack); // §17.1.1.2: final retransmitted in Completed → ACK again
      return;
    }
    if (res.status < 200) {
      t.provisional = true;
      // §17.1.1.2: a provisional stops Timer A; §17.1.2.2: Timer E continues at T2.
      if (t.method === "INVITE" && t.retransmit !== null) {
        this.#o.timers.clear(t.retransmit);
        t.retransmit = null;
      }
      t.resolve(res);
      return;
    }
    const key = keyOf(branch, cseq.method);
    if (t.method === "INVITE" && res.status >= 300) {
      t.ack = serializeSipMessage(nonSuccessAck(t.req, res));
      this.#transmit(t.ack);
      if (t.retransmit !== null) this.#o.timers.clear(t.retransmit);
      this.#o.timers.clear(t.guard);
      t.retransmit = null;
      t.guard = this.#o.timers.set(
        () => this.#tx.delete(key),
        this.#o.reliable ? 0 : TIMER_D,
      );
      t.resolve(res);
      return;
    }
    this.#finish(key, t);
    t.resolve(res);
  }

  #onStray(res: SipResponse, method: string): void {
    const ack = method === "INVITE" && res.status >= 200 && res.status < 300
      ? this.#acks.get(res.headers.get("Call-ID") ?? "")
      : undefined;
    if (ack) this.#transmit(ack);
    else this.stats.stray++;
  }

  #onRequest(req: SipRequest): void {
    if (req.method === "ACK") return;
    const status = this.#o.onRequest?.(req) ?? 501;
    this.#transmit(serializeSipMessage(createResponse(req, status)));
  }
}

/** A response made up locally (timeouts, a closed client). */
export function localResponse(status: number, reason: string): SipResponse {
  return { kind: "response", status, reason, headers: new SipHeaders(), body: "" };
}

/**
 * ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same Request-URI, Call-ID,
 * From, CSeq number and top Via as the INVITE; To from the response.
 */
export function nonSuccessAck(invite: SipRequest, res: SipResponse): SipRequest {
  const cseq = parseCSeq(invite.headers.get("CSeq"));
  const headers = new SipHeaders([
    ["Via", invite.headers.getAll("Via")[0] ?? ""],
    ["Max-Forwards", "70"],
    ["From", invite.headers.get("From") ?? ""],
    ["To", res.headers.get("To") ?? invite.headers.get("To") ?? ""],
    ["Call-ID", invite.headers.get("Call-ID") ?? ""],
    ["CSeq", `${cseq.seq} ACK`],
  ]);
  for (const route of invite.headers.getAll("Route")) headers.append("Route", route);
  return { kind: "request", method: "ACK", uri: invite.uri, headers, body: "" };
}
