/**
 * Requests the SRS core sends itself (BYE, the UPDATE of a session-timer refresh) in
 * non-INVITE client transactions (RFC 3261 §17.1.2): retransmitted on Timer E over UDP
 * until answered or Timer F, and matched to the responses that come back (§17.1.3).
 */
import { parseCSeq, parseVia } from "./address.ts";
import type { PeerAddress } from "./dialog.ts";
import { serializeSipMessage, type SipRequest, type SipResponse } from "./message.ts";
import { type ClientTransactionEnd, NonInviteClientTransaction } from "./client_transaction.ts";
import type { Timers } from "./timers.ts";
import type { SendFn } from "./srs_options.ts";

/** What the client transactions need of the core: its clock, its send hook, its counters. */
export interface ClientRequestHooks {
  timers: Timers;
  send: SendFn;
  /** A request went out (retransmissions included). */
  sent(): void;
  /** A request got no response before Timer F. */
  timedOut(): void;
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

/** The core's running client transactions, by key. */
export class ClientRequests {
  #txs = new Map<string, NonInviteClientTransaction>();
  #hooks: ClientRequestHooks;

  constructor(hooks: ClientRequestHooks) {
    this.#hooks = hooks;
  }

  /** Sends `req` to `to` in a new client transaction; `onEnd` hears how it ended. */
  send(req: SipRequest, to: PeerAddress, onEnd: (end: ClientTransactionEnd) => void): void {
    const key = clientKey(req.headers.get("Via"), req.method);
    const tx = new NonInviteClientTransaction({
      request: req,
      reliable: to.transport !== "udp",
      timers: this.#hooks.timers,
      send: (r) => {
        this.#hooks.send(serializeSipMessage(r), to);
        this.#hooks.sent();
      },
      onEnd: (end) => {
        if (end.kind === "timeout") this.#hooks.timedOut();
        onEnd(end);
      },
      onTerminated: () => this.#txs.delete(key),
    });
    this.#txs.set(key, tx);
    tx.start();
  }

  /** §17.1.3: a response matches the client transaction of its top Via branch and method. */
  receive(res: SipResponse): void {
    const method = parseCSeq(res.headers.get("CSeq")).method;
    this.#txs.get(clientKey(res.headers.getAll("Via")[0], method))?.receiveResponse(res);
  }

  /** Stops every client transaction (shutdown). */
  close(): void {
    for (const tx of [...this.#txs.values()]) tx.terminate();
    this.#txs.clear();
  }
}
