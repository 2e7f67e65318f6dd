/**
 * Recording sessions of the SRS core: the {@link SessionTable} that routes each request
 * of a call to its job — initial INVITE (srs_invite.ts, RFC 7866 §6.1), re-INVITE and
 * UPDATE re-offers (srs_reinvite.ts, RFC 3261 §14, RFC 3311), session timers
 * (srs_session_timer.ts, RFC 4028), late offer (srs_late_offer.ts, RFC 3261 §13.2.1) —
 * and ends calls: BYE, CANCEL, an INVITE transaction's end, hangup and shutdown. The
 * calls and the typed events the recorder consumes live in a {@link CallSet}.
 */
import type { SipRequest } from "./message.ts";
import type { PeerAddress } from "./dialog.ts";
import type { TypedEmitter } from "./events.ts";
import { createResponse } from "./response.ts";
import type { EndReason, RecordingSession, SiprecEventMap } from "./session.ts";
import { requestDialogIds } from "./dialog.ts";
import type {
  InviteServerTransaction,
  NonInviteServerTransaction,
  TransactionEnd,
} from "./transaction.ts";
import type { Call, Reply, SessionHost } from "./srs_call.ts";
import { CallSet } from "./srs_call_set.ts";
import { initialInvite } from "./srs_invite.ts";
import { reInvite, update } from "./srs_reinvite.ts";
import { ackLateOffer } from "./srs_late_offer.ts";

export type { SessionHost, SessionOptions } from "./srs_call.ts";

/** Sessions, dialogs and events of one SRS core (its {@link SessionHost}). */
export class SessionTable {
  readonly events: TypedEmitter<SiprecEventMap>;
  #calls: CallSet;

  constructor(core: SessionHost) {
    this.#calls = new CallSet(core);
    this.events = this.#calls.events;
  }

  /** Pending offers plus answered sessions. */
  get size(): number {
    return this.#calls.size;
  }

  /** Snapshot of running sessions. */
  list(): RecordingSession[] {
    return this.#calls.list();
  }

  /** An INVITE that opened a new server transaction. */
  invite(req: SipRequest, tx: InviteServerTransaction, from: PeerAddress): void {
    if (requestDialogIds(req).toTag !== "") return reInvite(this.#calls, req, tx);
    initialInvite(this.#calls, req, tx, from);
  }

  /** ACK for a 2xx (§13.3.1.4): stop retransmission; the offer/answer is complete. */
  ack(req: SipRequest): void {
    const call = this.#calls.dialogOf(req);
    if (!call?.dialog) return;
    call.tx.receiveAck();
    call.dialog.awaitingAck = false;
    if (call.lateOffer) ackLateOffer(this.#calls, req, call, call.lateOffer);
  }

  /** BYE, UPDATE and INFO inside a dialog. */
  inDialog(req: SipRequest, tx: NonInviteServerTransaction, reply: Reply): void {
    const call = this.#calls.dialogOf(req);
    if (!call?.dialog) return reply(481);
    if (call.dialog.checkCSeq(req) === "out-of-order") {
      return reply(500, { reason: "Out of order CSeq" });
    }
    switch (req.method.toUpperCase()) {
      case "BYE":
        reply(200);
        return this.end(call, "bye");
      case "INFO":
        return reply(200);
      case "UPDATE":
        return update(this.#calls, call, req, tx, reply);
    }
  }

  /** CANCEL matched a pending INVITE (§9.2): 487 to the INVITE. */
  cancel(tx: InviteServerTransaction): void {
    const call = this.#calls.forTx(tx);
    tx.respond(createResponse(tx.request, 487, { toTag: call?.localTag }));
    if (call && !call.session) this.end(call, "cancel");
  }

  /**
   * An INVITE transaction ended. An unacknowledged 2xx ends the session (§13.3.1.4);
   * so does an initial INVITE that got a final error and still holds its call (Timer H).
   */
  inviteTerminated(tx: InviteServerTransaction, end: TransactionEnd): void {
    const call = this.#calls.takeTx(tx);
    if (!call || call.tx !== tx || call.done) return;
    if (end === "no-ack") {
      this.#calls.bye(call);
      this.end(call, "timeout");
    } else if ((tx.lastResponse?.status ?? 0) >= 300) this.end(call, "error");
  }

  /** End a call once: release ports, forget the dialog, emit `session-ended`. */
  end(call: Call, reason: EndReason): void {
    this.#calls.end(call, reason);
  }

  /**
   * Ends a running session from our side (the recorder saw no media): BYE, then the
   * session ends with `reason`. False when no such session runs.
   */
  hangup(id: string, reason: EndReason): boolean {
    const call = this.#calls.all().find((c) => c.id === id && c.session !== null);
    if (!call || call.done) return false;
    this.#calls.bye(call);
    this.end(call, reason);
    return true;
  }

  /** Shutdown: 503 to pending offers, BYE to answered sessions, all end as `shutdown`. */
  closeAll(): void {
    for (const call of this.#calls.all()) {
      if (call.tx.state === "proceeding") {
        call.tx.respond(createResponse(call.tx.request, 503, { toTag: call.localTag }));
      } else this.#calls.bye(call);
      this.end(call, "shutdown");
    }
  }
}
