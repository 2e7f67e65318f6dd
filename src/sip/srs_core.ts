/**
 * The SIPREC recording-server user agent core, free of sockets: bytes in through
 * `receive(bytes, from)`, bytes out through the injected `send`. Transactions
 * (RFC 3261 §17.2), dialogs (§12), methods (§13–15, RFC 3311, RFC 6086) and the
 * SRS behaviour of RFC 7866. Sessions and events live in {@link SessionTable}; the
 * options and counters in srs_options.ts (re-exported here), the source gate in
 * srs_gate.ts, our own requests' client transactions in srs_client_requests.ts, our
 * Contact and Via in srs_addresses.ts.
 */
import { parseCSeq, parseVia } from "./address.ts";
import { type PeerAddress, requestDialogIds, type SipTransport } from "./dialog.ts";
import {
  MAX_MESSAGE_BYTES,
  parseSipMessage,
  serializeSipMessage,
  SipParseError,
  type SipRequest,
  type SipResponse,
} from "./message.ts";
import { createResponse, type ResponseOptions } from "./response.ts";
import { malformedResponse, stampVia, validateRequest } from "./request_hygiene.ts";
import { realTimers, type Timers } from "./timers.ts";
import {
  InviteServerTransaction,
  NonInviteServerTransaction,
  type TransactionEnd,
} from "./transaction.ts";
import { SessionTable } from "./srs_sessions.ts";
import type { ClientTransactionEnd } from "./client_transaction.ts";
import { ClientRequests } from "./srs_client_requests.ts";
import { SourceGate } from "./srs_gate.ts";
import { contactValue, viaValue } from "./srs_addresses.ts";
import {
  ACCEPT,
  ALLOW,
  type SendFn,
  type SiprecOptions,
  type SipStats,
  SUPPORTED,
} from "./srs_options.ts";

export {
  ACCEPT,
  type Admission,
  ALLOW,
  type SendFn,
  type SipObserver,
  type SiprecOptions,
  type SipStats,
  SUPPORTED,
} from "./srs_options.ts";

type ServerTx = InviteServerTransaction | NonInviteServerTransaction;

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

/** Socket-free SRS core. */
export class SiprecCore {
  readonly options: SiprecOptions;
  readonly timers: Timers;
  readonly sessions: SessionTable;
  #send: SendFn;
  #txs = new Map<string, ServerTx>();
  #client: ClientRequests;
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
  #gate: SourceGate;

  constructor(options: SiprecOptions, send: SendFn) {
    this.options = options;
    this.timers = options.timers ?? realTimers;
    this.#send = send;
    this.#client = new ClientRequests({
      timers: this.timers,
      send,
      sent: () => this.#stats.requestsSent++,
      timedOut: () => this.#stats.requestTimeouts++,
    });
    this.sessions = new SessionTable(this);
    this.#gate = new SourceGate(options, () => this.timers.now());
  }

  /** Whether `from` may send SIP at all (`allowFrom`); TCP asks at accept. */
  allowsSource(from: PeerAddress): boolean {
    return this.#gate.allows(from);
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
    if (!this.#gate.allows(from)) {
      this.#stats.refusedSource++;
      return this.#gate.complain(from, "sip message from a source not in sip.allowFrom", {});
    }
    let msg;
    try {
      msg = parseSipMessage(bytes, this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    } catch (error) {
      this.#malformed(bytes, from, error);
      return;
    }
    if (msg.kind === "response") return this.#client.receive(msg);
    try {
      this.#request(msg, from);
    } catch (error) {
      if (error instanceof SipParseError) this.#malformed(bytes, from, error);
      else {
        this.#stats.dropped++;
        this.#gate.complain(from, "sip request failed", { error, method: msg.method }, "error");
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
    this.#client.send(req, to, onEnd);
  }

  /** Answer a message we cannot parse with 400/513 when it can be addressed (§8.2.6). */
  #malformed(bytes: Uint8Array, from: PeerAddress, error: unknown): void {
    this.#stats.malformed++;
    this.#gate.complain(from, "sip message malformed", { error: (error as Error)?.message });
    const res = malformedResponse(bytes, error, this.options.host);
    if (res) this.sendTo(res, from);
    else this.#stats.dropped++;
  }

  /** A new INVITE over its source's rate: a stateless 503 (§8.2.7), no transaction kept. */
  #rateLimited(req: SipRequest, from: PeerAddress): boolean {
    const res = this.#gate.rateLimited(req, from);
    if (!res) return false;
    this.#stats.rateLimited++;
    this.sendTo(res, from);
    return true;
  }

  /** Transport policy (see {@link SourceGate.wrongTransport}), answered statelessly (§8.2.7). */
  #wrongTransport(req: SipRequest, from: PeerAddress): boolean {
    const res = this.#gate.wrongTransport(req, from);
    if (!res) return false;
    this.#stats.refusedTransport++;
    this.sendTo(res, from);
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

  /** Contact for our responses: `+sip.srs`, `sips:` over TLS when asked (srs_addresses.ts). */
  contact(transport: SipTransport, sips = false): string {
    return contactValue(this.options, transport, sips);
  }

  /** A Via for requests we originate (BYE). */
  via(transport: SipTransport): string {
    return viaValue(this.options, transport);
  }

  /** Stop every transaction (shutdown). */
  close(): void {
    for (const tx of [...this.#txs.values()]) tx.terminate();
    this.#txs.clear();
    this.#client.close();
  }
}
