/**
 * The SIPREC recording-server user agent core, free of sockets: bytes in through
 * `receive(bytes, from)`, bytes out through the injected `send`. Transactions
 * (RFC 3261 §17.2), dialogs (§12), methods (§13–15, RFC 3311, RFC 6086) and the
 * SRS behaviour of RFC 7866. Sessions and events live in {@link SessionTable}.
 */
import type { Logger } from "../log.ts";
import { parseCSeq, parseVia } from "./address.ts";
import { AddressFilter, OncePer, TokenBuckets } from "./admission.ts";
import { type PeerAddress, requestDialogIds, type SipTransport } from "./dialog.ts";
import {
  MAX_MESSAGE_BYTES,
  parseSipMessage,
  serializeSipMessage,
  SipParseError,
  type SipRequest,
  type SipResponse,
} from "./message.ts";
import type { HeaderMap } from "./metadata_headers.ts";
import { createResponse, type ResponseOptions } from "./response.ts";
import type { PortAllocator } from "./sdp_answer.ts";
import type { RecordingSession, SessionOffer } from "./session.ts";
import { malformedResponse, stampVia, validateRequest } from "./request_hygiene.ts";
import { realTimers, type Timers } from "./timers.ts";
import {
  InviteServerTransaction,
  NonInviteServerTransaction,
  type TransactionEnd,
} from "./transaction.ts";
import { SessionTable } from "./srs_sessions.ts";
import { type ClientTransactionEnd, NonInviteClientTransaction } from "./client_transaction.ts";

/** Result of the `admit` hook. */
export type Admission = { ok: true } | {
  ok: false;
  status: 503;
  retryAfter: number;
  reason: string;
};

/** Options shared by {@link SiprecCore} and `SiprecServer`. */
export interface SiprecOptions {
  /** IP advertised in Contact and SDP. */
  host: string;
  udpPort: number;
  tcpPort: number;
  /** SIP over TLS port (RFC 3261 §26.2); absent when TLS is off. */
  tlsPort?: number;
  ports: PortAllocator;
  maxSessions: number;
  /** SIP header → metadata key, applied to every INVITE. */
  headerMap?: HeaderMap;
  timers?: Timers;
  log?: Logger;
  /** Per new INVITE and OPTIONS: refuse with 503 (storage critical, draining…). */
  admit?: () => Admission;
  /** Monitoring hooks; called synchronously, must not throw. */
  observe?: SipObserver;
  /** Record or not; `record: false` answers every stream `inactive`. */
  decide?: (offer: SessionOffer) => Promise<{ record: boolean }>;
  /**
   * Awaited after `session-started` and before the 200 OK: the recorder binds its RTP
   * sockets here, so the first packets the SRC sends after the answer are not lost.
   */
  prepare?: (session: RecordingSession) => Promise<void>;
  maxMessageBytes?: number;
  /** Retry-After seconds for capacity/drain 503s. */
  retryAfter?: number;
  /** Active audio streams one offer may hold (`sip.maxStreamsPerSession`); more → 488. */
  maxStreamsPerSession?: number;
  /** `rtp.srtp`: off | offered | required, and SDES keys over plain SIP (default no). */
  srtp?: { mode: "off" | "offered" | "required"; allowOverPlainSip: boolean };
  /** Addresses/CIDRs allowed to send SIP (`sip.allowFrom`); empty or absent: any. */
  allowFrom?: readonly string[];
  /** New INVITEs per second per source address; over it → 503 (0: no limit). */
  invitesPerSecondPerSource?: number;
  /** How many new INVITEs a source may send at once after a quiet spell. */
  inviteBurstPerSource?: number;
  /** RFC 4028 interval we ask for (`sip.sessionExpires`, seconds; default 1800). */
  sessionExpires?: number;
  /** Smallest Session-Expires we accept (`sip.minSE`, seconds; default 90); less → 422. */
  minSE?: number;
  /** `sip.tls.required`: requests over UDP/TCP get 403 naming the rule. */
  tlsRequired?: boolean;
}

/** Methods we implement (RFC 3261 §20.5 Allow). */
export const ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO";
/** Bodies we accept (RFC 3261 §20.1). */
export const ACCEPT =
  "application/sdp, multipart/mixed, application/rs-metadata+xml, application/rs-metadata";
/** Option tags we support (RFC 7866 §6.1.1). */
export const SUPPORTED = "siprec, timer";

/** Per-event hooks for monitoring (histograms and labelled counters live outside the leaf). */
export interface SipObserver {
  /** A server transaction's first final response: method and seconds since the request. */
  transaction?(method: string, seconds: number): void;
  /** A response sent (retransmissions included): the CSeq method and status code. */
  response?(method: string, status: number): void;
}

/** Counters for monitoring. */
export interface SipStats {
  received: number;
  malformed: number;
  dropped: number;
  retransmissions: number;
  responsesSent: number;
  /** Dropped unanswered: the source is not in `allowFrom`. */
  refusedSource: number;
  /** New INVITEs answered 503: their source is over its rate. */
  rateLimited: number;
  /** Requests we sent (BYE, UPDATE refresh), retransmissions included. */
  requestsSent: number;
  /** Our requests that got no response before Timer F. */
  requestTimeouts: number;
  /** Requests refused for their transport: plain SIP under `sip.tls.required`, sips: not over TLS. */
  refusedTransport: number;
}

type ServerTx = InviteServerTransaction | NonInviteServerTransaction;

/** Send hook: a serialized message and where it goes. */
export type SendFn = (bytes: Uint8Array, to: PeerAddress) => void;

/** Transaction key (RFC 3261 §17.2.3): branch + sent-by + method (ACK → INVITE). */
export function transactionKey(req: SipRequest, method = req.method): string {
  const via = parseVia(req.headers.getAll("Via")[0] ?? "");
  const m = method === "ACK" ? "INVITE" : method;
  const branch = via.params.get("branch") ?? "";
  if (branch.startsWith("z9hG4bK")) return `${branch}|${via.host}:${via.port ?? ""}|${m}`;
  const ids = requestDialogIds(req);
  const seq = parseCSeq(req.headers.get("CSeq")).seq;
  return `2543|${ids.callId}|${ids.fromTag}|${seq}|${via.host}:${via.port ?? ""}|${m}`;
}

/** Client transaction key (§17.1.3): the top Via's branch and the CSeq method. */
function clientKey(via: string | undefined, method: string): string {
  let branch = "";
  try {
    branch = parseVia(via ?? "").params.get("branch") ?? "";
  } catch {
    // no usable Via: matches nothing
  }
  return `${branch}|${method.toUpperCase()}`;
}

/** Socket-free SRS core. */
export class SiprecCore {
  readonly options: SiprecOptions;
  readonly timers: Timers;
  readonly sessions: SessionTable;
  #send: SendFn;
  #txs = new Map<string, ServerTx>();
  #clientTxs = new Map<string, NonInviteClientTransaction>();
  #stats: SipStats = {
    received: 0,
    malformed: 0,
    dropped: 0,
    retransmissions: 0,
    responsesSent: 0,
    refusedSource: 0,
    rateLimited: 0,
    requestsSent: 0,
    requestTimeouts: 0,
    refusedTransport: 0,
  };
  #draining = false;
  #allow: AddressFilter;
  #invites: TokenBuckets;
  /** Log lines about one source's bad input: at most one a minute. */
  #complaints: OncePer;

  constructor(options: SiprecOptions, send: SendFn) {
    this.options = options;
    this.timers = options.timers ?? realTimers;
    this.#send = send;
    this.sessions = new SessionTable(this);
    this.#allow = new AddressFilter(options.allowFrom ?? []);
    const rate = options.invitesPerSecondPerSource ?? 0;
    const now = () => this.timers.now();
    this.#invites = new TokenBuckets({
      rate,
      burst: options.inviteBurstPerSource ?? Math.max(1, 2 * rate),
      now,
    });
    this.#complaints = new OncePer(60_000, now);
  }

  /** Whether `from` may send SIP at all (`allowFrom`); TCP asks at accept. */
  allowsSource(from: PeerAddress): boolean {
    return this.#allow.allows(from.hostname);
  }

  /** Counters since start. */
  stats(): SipStats & { sessions: number; transactions: number } {
    return { ...this.#stats, sessions: this.sessions.size, transactions: this.#txs.size };
  }

  /** New INVITEs and OPTIONS get 503 from now on; running calls continue. */
  drain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** 503 reason when new work must be refused, else null. */
  refusal(): { retryAfter: number; reason: string } | null {
    const retryAfter = this.options.retryAfter ?? 30;
    if (this.#draining) return { retryAfter, reason: "Draining" };
    if (this.sessions.size >= this.options.maxSessions) {
      return { retryAfter, reason: "At capacity" };
    }
    const a = this.options.admit?.();
    if (a && !a.ok) return { retryAfter: a.retryAfter, reason: a.reason };
    return null;
  }

  /** Serialize and send a message to a peer. */
  sendTo(msg: SipRequest | SipResponse, to: PeerAddress): void {
    try {
      this.#send(serializeSipMessage(msg), to);
      if (msg.kind === "response") {
        this.#stats.responsesSent++;
        this.#observeResponse(msg);
      }
    } catch (error) {
      this.#stats.dropped++;
      this.options.log?.warn("sip send failed", { error, to });
    }
  }

  /** Handle one datagram or one framed stream message. Never throws. */
  receive(bytes: Uint8Array, from: PeerAddress): void {
    this.#stats.received++;
    // Not in allowFrom: no answer at all, so a spoofed UDP source cannot be reflected at.
    if (!this.#allow.allows(from.hostname)) {
      this.#stats.refusedSource++;
      return this.#complain(from, "sip message from a source not in sip.allowFrom", {});
    }
    let msg;
    try {
      msg = parseSipMessage(bytes, this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    } catch (error) {
      this.#malformed(bytes, from, error);
      return;
    }
    if (msg.kind === "response") return this.#response(msg);
    try {
      this.#request(msg, from);
    } catch (error) {
      if (error instanceof SipParseError) this.#malformed(bytes, from, error);
      else {
        this.#stats.dropped++;
        this.#complain(from, "sip request failed", { error, method: msg.method }, "error");
      }
    }
  }

  /**
   * Sends a request of ours (BYE, UPDATE) in a non-INVITE client transaction
   * (§17.1.2): retransmitted on Timer E over UDP until answered or Timer F.
   */
  request(
    req: SipRequest,
    to: PeerAddress,
    onEnd: (end: ClientTransactionEnd) => void = () => {},
  ): void {
    const key = clientKey(req.headers.get("Via"), req.method);
    const tx = new NonInviteClientTransaction({
      request: req,
      reliable: to.transport !== "udp",
      timers: this.timers,
      send: (r) => {
        this.#send(serializeSipMessage(r), to);
        this.#stats.requestsSent++;
      },
      onEnd: (end) => {
        if (end.kind === "timeout") this.#stats.requestTimeouts++;
        onEnd(end);
      },
      onTerminated: () => this.#clientTxs.delete(key),
    });
    this.#clientTxs.set(key, tx);
    tx.start();
  }

  /** §17.1.3: a response matches the client transaction of its top Via branch and method. */
  #response(res: SipResponse): void {
    const method = parseCSeq(res.headers.get("CSeq")).method;
    this.#clientTxs.get(clientKey(res.headers.getAll("Via")[0], method))?.receiveResponse(res);
  }

  /** A log line about bad input from `from`, at most once a minute per source. */
  #complain(
    from: PeerAddress,
    msg: string,
    fields: Record<string, unknown>,
    level: "warn" | "error" = "warn",
  ): void {
    const held = this.#complaints.pass(`${from.hostname}|${msg}`);
    if (held === null) return;
    this.options.log?.[level](msg, { ...fields, source: from.hostname, heldBack: held });
  }

  /** Answer a message we cannot parse with 400/513 when it can be addressed (§8.2.6). */
  #malformed(bytes: Uint8Array, from: PeerAddress, error: unknown): void {
    this.#stats.malformed++;
    this.#complain(from, "sip message malformed", { error: (error as Error)?.message });
    const res = malformedResponse(bytes, error, this.options.host);
    if (res) this.sendTo(res, from);
    else this.#stats.dropped++;
  }

  /** A new INVITE over its source's rate: a stateless 503 (§8.2.7), no transaction kept. */
  #rateLimited(req: SipRequest, from: PeerAddress): boolean {
    if (requestDialogIds(req).toTag !== "" || this.#invites.take(from.hostname)) return false;
    this.#stats.rateLimited++;
    this.#complain(from, "sip INVITE rate limit reached", {});
    const retryAfter = Math.max(1, Math.ceil(1 / (this.options.invitesPerSecondPerSource ?? 1)));
    this.sendTo(
      createResponse(req, 503, {
        reason: "Service Unavailable (Rate limited)",
        toTag: crypto.randomUUID().replace(/-/g, "").slice(0, 16),
        headers: [["Retry-After", String(retryAfter)]],
      }),
      from,
    );
    return true;
  }

  /**
   * Transport policy, answered statelessly (§8.2.7) and only to addressable requests
   * from allowed sources (the allowFrom check ran first, so no reflection): plain SIP
   * under `sip.tls.required` gets 403; a `sips:` Request-URI that did not arrive over
   * TLS gets 416 (RFC 5630 §3.1.3: sips means every hop, the last one too, is TLS).
   */
  #wrongTransport(req: SipRequest, from: PeerAddress): boolean {
    if (from.transport === "tls") return false;
    let status: 403 | 416;
    let reason: string;
    if (this.options.tlsRequired) {
      [status, reason] = [403, "TLS required (sip.tls.required)"];
    } else if (/^sips:/i.test(req.uri)) {
      [status, reason] = [416, "sips: URI over a non-TLS transport"];
    } else return false;
    this.#stats.refusedTransport++;
    this.#complain(from, "sip request refused for its transport", { reason });
    this.sendTo(
      createResponse(req, status, {
        reason: status === 403 ? `Forbidden (${reason})` : `Unsupported URI Scheme (${reason})`,
        toTag: crypto.randomUUID().replace(/-/g, "").slice(0, 16),
        headers: [["Warning", `399 ${this.options.host} "${reason}"`]],
      }),
      from,
    );
    return true;
  }

  #request(req: SipRequest, from: PeerAddress): void {
    validateRequest(req);
    stampVia(req, from);
    const method = req.method.toUpperCase();
    if (method === "ACK") return this.#ack(req);
    if (this.#wrongTransport(req, from)) return;
    const key = transactionKey(req);
    const existing = this.#txs.get(key);
    if (existing) {
      this.#stats.retransmissions++;
      existing.receiveRetransmission();
      return;
    }
    if (method === "INVITE") {
      if (this.#rateLimited(req, from)) return;
      const tx = this.#newTx(req, from, key, true) as InviteServerTransaction;
      this.sessions.invite(req, tx, from);
      return;
    }
    const tx = this.#newTx(req, from, key, false) as NonInviteServerTransaction;
    const reply = (status: number, options?: ResponseOptions) =>
      tx.respond(createResponse(req, status, options));
    switch (method) {
      case "CANCEL":
        return this.#cancel(req, reply);
      case "OPTIONS":
        return this.#options(reply);
      case "BYE":
      case "UPDATE":
      case "INFO":
        return this.sessions.inDialog(req, tx, reply);
      default:
        return reply(405, { headers: [["Allow", ALLOW]] });
    }
  }

  #observeResponse(res: SipResponse): void {
    const hook = this.options.observe?.response;
    if (!hook) return;
    try {
      hook(parseCSeq(res.headers.get("CSeq")).method.toUpperCase(), res.status);
    } catch {
      // a response without a usable CSeq is not counted
    }
  }

  #newTx(req: SipRequest, from: PeerAddress, key: string, invite: boolean): ServerTx {
    const started = this.timers.now();
    let timed = false;
    const opts = {
      request: req,
      reliable: from.transport !== "udp",
      timers: this.timers,
      // §18.2.2 / RFC 3581: back to the real source, never to what the Via claims.
      send: (res: SipResponse) => {
        if (!timed && res.status >= 200) {
          timed = true;
          this.options.observe?.transaction?.(
            req.method.toUpperCase(),
            (this.timers.now() - started) / 1000,
          );
        }
        this.sendTo(res, from);
      },
      onTerminated: (end: TransactionEnd) => {
        this.#txs.delete(key);
        if (invite) this.sessions.inviteTerminated(tx as InviteServerTransaction, end);
      },
    };
    const tx: ServerTx = invite
      ? new InviteServerTransaction(opts)
      : new NonInviteServerTransaction(opts);
    this.#txs.set(key, tx);
    return tx;
  }

  /** ACK: to a non-2xx via its transaction (§17.2.1), to a 2xx via the dialog (§13.3.1.4). */
  #ack(req: SipRequest): void {
    const tx = this.#txs.get(transactionKey(req, "INVITE"));
    if (tx instanceof InviteServerTransaction && tx.state === "completed") {
      tx.receiveAck();
      return;
    }
    this.sessions.ack(req);
  }

  /** §9.2: CANCEL matches the INVITE's transaction; 200 to CANCEL, 487 to INVITE. */
  #cancel(req: SipRequest, reply: (status: number) => void): void {
    const tx = this.#txs.get(transactionKey(req, "INVITE"));
    if (!(tx instanceof InviteServerTransaction)) return reply(481);
    reply(200);
    if (tx.state === "proceeding") this.sessions.cancel(tx);
  }

  /** RFC 3261 §11.2: capabilities; 503 while draining or full so SRCs fail over. */
  #options(reply: (status: number, options?: ResponseOptions) => void): void {
    const refusal = this.refusal();
    if (refusal) {
      return reply(503, {
        reason: `Service Unavailable (${refusal.reason})`,
        headers: [["Retry-After", String(refusal.retryAfter)]],
      });
    }
    reply(200, { headers: [["Allow", ALLOW], ["Accept", ACCEPT], ["Supported", SUPPORTED]] });
  }

  #port(transport: SipTransport): number {
    if (transport === "tls") return this.options.tlsPort ?? 0;
    return transport === "tcp" ? this.options.tcpPort : this.options.udpPort;
  }

  /**
   * Contact for our responses: `+sip.srs` feature tag (RFC 7866 §6.1.1). Over TLS a
   * request addressed to a `sips:` URI gets a `sips:` Contact (RFC 5630 §4.1, RFC 3261
   * §8.1.1.8), else `sip:…;transport=tls`.
   */
  contact(transport: SipTransport, sips = false): string {
    const host = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    const port = this.#port(transport);
    if (transport === "tls" && sips) return `<sips:selrec@${host}:${port}>;+sip.srs`;
    const t = transport === "udp" ? "" : `;transport=${transport}`;
    return `<sip:selrec@${host}:${port}${t}>;+sip.srs`;
  }

  /** A Via for requests we originate (BYE). */
  via(transport: SipTransport): string {
    const port = this.#port(transport);
    const branch = "z9hG4bK" + crypto.randomUUID().replace(/-/g, "").slice(0, 16);
    return `SIP/2.0/${transport.toUpperCase()} ${this.options.host}:${port};branch=${branch};rport`;
  }

  /** Stop every transaction (shutdown). */
  close(): void {
    for (const tx of [...this.#txs.values()]) tx.terminate();
    this.#txs.clear();
    for (const tx of [...this.#clientTxs.values()]) tx.terminate();
    this.#clientTxs.clear();
  }
}
