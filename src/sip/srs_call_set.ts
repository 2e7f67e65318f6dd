/**
 * The calls of one SessionTable: found by INVITE transaction and by dialog, the 200 OK
 * and the BYE every job sends, and the one way a call ends (ports released, dialog
 * forgotten, `session-ended` emitted once).
 */
import type { SipRequest } from "./message.ts";
import { type Dialog, dialogKey, requestDialogIds } from "./dialog.ts";
import { TypedEmitter } from "./events.ts";
import { createResponse } from "./response.ts";
import type { EndReason, RecordingSession, SiprecEventMap } from "./session.ts";
import type { InviteServerTransaction } from "./transaction.ts";
import { sessionTimerHeaders } from "./session_timer.ts";
import { type Call, SDP, type SessionHost } from "./srs_call.ts";
import { ALLOW, SUPPORTED } from "./srs_options.ts";

/** Calls by transaction and dialog, with the events of their sessions. */
export class CallSet {
  /** The SRS core that owns these calls. */
  readonly core: SessionHost;
  /** Session events for the recorder. */
  readonly events: TypedEmitter<SiprecEventMap>;
  #byTx = new Map<InviteServerTransaction, Call>();
  #byDialog = new Map<string, Call>();
  #calls = new Set<Call>();

  constructor(core: SessionHost) {
    this.core = core;
    this.events = new TypedEmitter((error, type) =>
      core.options.log?.error("siprec listener failed", { error, type: String(type) })
    );
  }

  /** Pending offers plus answered sessions. */
  get size(): number {
    return this.#calls.size;
  }

  /** Snapshot of running sessions. */
  list(): RecordingSession[] {
    return [...this.#calls].flatMap((c) => (c.session ? [c.session] : []));
  }

  /** A copy of the calls, safe to iterate while calls end. */
  all(): Call[] {
    return [...this.#calls];
  }

  /** A new call, found by its INVITE transaction from now on. */
  add(call: Call): void {
    this.#calls.add(call);
    this.#byTx.set(call.tx, call);
  }

  /** `tx` (a re-INVITE's) leads to `call` too. */
  trackTx(tx: InviteServerTransaction, call: Call): void {
    this.#byTx.set(tx, call);
  }

  /** The call of an INVITE transaction. */
  forTx(tx: InviteServerTransaction): Call | undefined {
    return this.#byTx.get(tx);
  }

  /** The call of an INVITE transaction that ended, forgotten by it. */
  takeTx(tx: InviteServerTransaction): Call | undefined {
    const call = this.#byTx.get(tx);
    this.#byTx.delete(tx);
    return call;
  }

  /** The call has its dialog: in-dialog requests find it from now on. */
  setDialog(call: Call, dialog: Dialog): void {
    call.dialog = dialog;
    this.#byDialog.set(dialog.key, call);
  }

  /** The call of an in-dialog request. */
  dialogOf(req: SipRequest): Call | undefined {
    const ids = requestDialogIds(req);
    return this.#byDialog.get(dialogKey(ids.callId, ids.toTag, ids.fromTag));
  }

  /** 200 OK with plain SDP (never multipart, RFC 7866 §9.1) and `+sip.srs` Contact. */
  ok(
    req: SipRequest,
    call: Call,
    sdp: string | null,
    tx: { respond: InviteServerTransaction["respond"] } = call.tx,
  ): void {
    tx.respond(createResponse(req, 200, {
      toTag: call.localTag,
      headers: [
        ["Contact", this.core.contact(call.from.transport, /^sips:/i.test(req.uri))],
        ["Allow", ALLOW],
        ["Supported", SUPPORTED],
        ...sessionTimerHeaders(call.timerNeg),
      ],
      body: sdp === null ? undefined : { contentType: SDP, text: sdp },
    }));
    // RFC 4028 §10: the timer (re)starts with each 2xx carrying Session-Expires.
    const n = call.timerNeg;
    if (n.kind === "use") call.timer.refreshed(n.seconds, n.refresher);
    else call.timer.stop();
  }

  /** BYE from our side, when the call has a dialog. */
  bye(call: Call): void {
    if (!call.dialog) return;
    const t = call.from.transport;
    const sips = /^sips:/i.test(call.dialog.remoteTarget);
    // A client transaction: retransmitted over UDP until answered (RFC 3261 §17.1.2).
    this.core.request(
      call.dialog.buildBye(this.core.via(t), this.core.contact(t, sips)),
      call.dialog.peer,
    );
  }

  /** End a call once: release ports, forget the dialog, emit `session-ended`. */
  end(call: Call, reason: EndReason): void {
    if (call.done) return;
    call.done = true;
    call.timer.stop();
    for (const p of call.lateOffer?.ports ?? []) if (p !== 0) this.core.options.ports.release(p);
    for (const s of call.answer?.streams ?? []) {
      if (s.port !== 0) this.core.options.ports.release(s.port);
    }
    if (call.dialog) this.#byDialog.delete(call.dialog.key);
    this.#calls.delete(call);
    this.events.emit("session-ended", {
      id: call.id,
      sessionId: call.offer.sessionId,
      callId: call.callId,
      reason,
      session: call.session,
    });
  }
}
