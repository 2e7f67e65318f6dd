/**
 * Recording sessions of the SRS core: initial INVITE (RFC 7866 §6.1), re-INVITE and
 * UPDATE re-offers (RFC 3261 §14, RFC 3311), ACK, BYE, CANCEL, INFO, and the typed
 * events the recorder consumes.
 */
import type { SipRequest, SipResponse } from "./message.ts";
import { SipParseError } from "./message.ts";
import {
  Dialog,
  dialogKey,
  type PeerAddress,
  requestDialogIds,
  type SipTransport,
} from "./dialog.ts";
import { TypedEmitter } from "./events.ts";
import { mergeMetadata, type RecordingMetadata } from "./metadata.ts";
import { createResponse, type ResponseOptions } from "./response.ts";
import {
  type AnsweredStream,
  buildAnswer,
  checkOffer,
  type PortAllocator,
  SdpOfferError,
  type SrtpPolicy,
} from "./sdp_answer.ts";
import type { HeaderMap } from "./metadata_headers.ts";
import type { Logger } from "../log.ts";
import { type SdpOrigin, serializeSdp } from "./sdp.ts";
import {
  diffSessions,
  type EndReason,
  flatMetadata,
  hasChanges,
  isPaused,
  participantsOf,
  type RecordingSession,
  type SessionOffer,
  type SiprecEventMap,
  streamsOf,
} from "./session.ts";
import {
  checkStreamCount,
  isSiprecRequest,
  offeredStreams,
  offerMetadata,
  type ParsedBody,
  readBody,
} from "./srs_offer.ts";
import type {
  InviteServerTransaction,
  NonInviteServerTransaction,
  TransactionEnd,
} from "./transaction.ts";
import type { ClientTransactionEnd } from "./client_transaction.ts";
import {
  negotiateSessionTimer,
  SessionTimer,
  sessionTimerHeaders,
  type TimerNegotiation,
} from "./session_timer.ts";
import type { Timers } from "./timers.ts";
import {
  buildLateOffer,
  type LateOffer,
  lateOfferedStreams,
  lateOfferLabels,
  offerAsPrevious,
} from "./late_offer.ts";

interface Call {
  id: string;
  callId: string;
  localTag: string;
  from: PeerAddress;
  tx: InviteServerTransaction;
  dialog: Dialog | null;
  session: RecordingSession | null;
  offer: SessionOffer;
  answer: { origin: SdpOrigin; streams: AnsweredStream[]; sdp: string } | null;
  lastOfferOrigin: string;
  meta: RecordingMetadata;
  metadataXml: string | null;
  mapped: Record<string, string>;
  record: boolean;
  done: boolean;
  /** RFC 4028: what the last 2xx said, and the running timer. */
  timerNeg: TimerNegotiation;
  timer: SessionTimer;
  /** Our offer in the 2xx to an INVITE without SDP, until the ACK answers it. */
  lateOffer: LateOffer | null;
}

type Reply = (status: number, options?: ResponseOptions) => void;

const ALLOW_VALUE = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO";
/** Option tags a request may require of us (RFC 7866 siprec, RFC 4028 timer). */
const REQUIRE_OK = new Set(["siprec", "timer"]);
const SDP = "application/sdp";

function warning(host: string, text: string): [string, string] {
  return ["Warning", `399 ${host} "${text.replace(/"/g, "'").slice(0, 200)}"`];
}

/** The SRTP policy for an offer that came over `transport` (keys need TLS, RFC 4568 §8.3). */
function srtpPolicy(options: SessionOptions, transport: string): SrtpPolicy {
  const { mode = "offered", allowOverPlainSip = false } = options.srtp ?? {};
  return { mode, sdesAllowed: transport === "tls" || allowOverPlainSip };
}

/** {@link checkOffer} under `rtp.srtp`; SDES keys refused over plain SIP get a log line. */
function checkSecureOffer(
  options: SessionOptions,
  sdp: Parameters<typeof checkOffer>[0],
  req: SipRequest,
  transport: string,
): void {
  try {
    checkOffer(sdp, srtpPolicy(options, transport));
  } catch (error) {
    if (error instanceof SdpOfferError && error.warning.includes("RFC 4568 §8.3")) {
      options.log?.warn("SRTP offer refused: SDES keys need SIP over TLS", {
        transport,
        rule: "rtp.srtp.allowOverPlainSip",
        callId: req.headers.get("Call-ID") ?? "",
      });
    }
    throw error;
  }
}

/** The options of the SRS core that sessions read (see SiprecOptions in srs_core.ts). */
export interface SessionOptions {
  host: string;
  ports: PortAllocator;
  headerMap?: HeaderMap;
  log?: Logger;
  decide?: (offer: SessionOffer) => Promise<{ record: boolean }>;
  prepare?: (session: RecordingSession) => Promise<void>;
  retryAfter?: number;
  maxStreamsPerSession?: number;
  /** `rtp.srtp`: SRTP mode, and whether SDES keys may come over UDP/TCP SIP. */
  srtp?: { mode: SrtpPolicy["mode"]; allowOverPlainSip: boolean };
  sessionExpires?: number;
  minSE?: number;
}

/**
 * What a {@link SessionTable} needs of the SRS core that owns it: its options, the
 * admission gate and the transport helpers. The core passes itself.
 */
export interface SessionHost {
  readonly options: SessionOptions;
  refusal(): { retryAfter: number; reason: string } | null;
  sendTo(msg: SipRequest | SipResponse, to: PeerAddress): void;
  /** Sends a request of ours in a client transaction (retransmitted over UDP). */
  request(req: SipRequest, to: PeerAddress, onEnd?: (end: ClientTransactionEnd) => void): void;
  readonly timers: Timers;
  contact(transport: SipTransport, sips?: boolean): string;
  via(transport: SipTransport): string;
}

/** Sessions, dialogs and events of one SRS core (its {@link SessionHost}). */
export class SessionTable {
  readonly events: TypedEmitter<SiprecEventMap>;
  #core: SessionHost;
  #byTx = new Map<InviteServerTransaction, Call>();
  #byDialog = new Map<string, Call>();
  #calls = new Set<Call>();

  constructor(core: SessionHost) {
    this.#core = core;
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

  /** An INVITE that opened a new server transaction. */
  invite(req: SipRequest, tx: InviteServerTransaction, from: PeerAddress): void {
    if (requestDialogIds(req).toTag !== "") return this.#reInvite(req, tx);
    tx.respond(createResponse(req, 100));
    const localTag = crypto.randomUUID().replace(/-/g, "").slice(0, 16);
    const host = this.#core.options.host;
    const fail: Reply = (status, o = {}) =>
      tx.respond(createResponse(req, status, { toTag: localTag, ...o }));
    const unsupported = req.headers.tokens("Require").filter((t) => !REQUIRE_OK.has(t));
    if (unsupported.length > 0) {
      return fail(420, { headers: [["Unsupported", unsupported.join(", ")]] });
    }
    const refusal = this.#core.refusal();
    if (refusal) {
      return fail(503, {
        reason: `Service Unavailable (${refusal.reason})`,
        headers: [["Retry-After", String(refusal.retryAfter)]],
      });
    }
    const timerNeg = this.#negotiateTimer(req, fail);
    if (!timerNeg) return;
    let body: ParsedBody;
    try {
      body = readBody(req);
      // No SDP: a late offer (RFC 3261 §13.2.1), we offer in the 2xx.
      if (body.sdp) {
        checkSecureOffer(this.#core.options, body.sdp, req, from.transport);
        checkStreamCount(body.sdp, this.#core.options.maxStreamsPerSession);
      }
    } catch (error) {
      if (error instanceof SdpOfferError) {
        return fail(error.status, { headers: [warning(host, error.warning)] });
      }
      if (error instanceof SipParseError) {
        return fail(400, { headers: [warning(host, error.message)] });
      }
      throw error;
    }
    const call = this.#newCall(req, tx, from, body, localTag);
    call.timerNeg = timerNeg;
    this.#calls.add(call);
    this.#byTx.set(tx, call);
    this.#answerInitial(req, call, body, fail).catch((error) => {
      this.#core.options.log?.error("siprec answer failed", { error, callId: call.callId });
      if (call.tx.state === "proceeding") fail(500);
      this.end(call, "error");
    });
  }

  #newCall(
    req: SipRequest,
    tx: InviteServerTransaction,
    from: PeerAddress,
    body: ParsedBody,
    localTag: string,
  ): Call {
    const id = crypto.randomUUID();
    const callId = req.headers.get("Call-ID") ?? "";
    const { metadata, mapped } = offerMetadata(req, body, this.#core.options.headerMap ?? {});
    const meta = mergeMetadata(null, metadata);
    const participants = participantsOf(meta);
    const isSiprec = isSiprecRequest(req, body.metadata !== null);
    const offer: SessionOffer = {
      id,
      sessionId: meta.sessions[0]?.id || callId,
      callId,
      isSiprec,
      participants,
      metadata: flatMetadata(meta, callId, mapped),
      metadataXml: body.metadataXml,
      source: from,
      streams: body.sdp ? offeredStreams(body.sdp) : lateOfferedStreams(lateOfferLabels(isSiprec)),
      headers: req.headers,
    };
    if (body.metadataError) offer.metadata.metadataError = body.metadataError;
    const call: Call = {
      id,
      callId,
      localTag,
      from,
      tx,
      dialog: null,
      session: null,
      offer,
      answer: null,
      lastOfferOrigin: originKey(body),
      meta,
      metadataXml: body.metadataXml,
      mapped,
      record: true,
      done: false,
      timerNeg: { kind: "none" },
      lateOffer: null,
      timer: new SessionTimer({
        timers: this.#core.timers,
        onExpired: () => this.#expired(call),
        onRefreshDue: () => this.#refresh(call),
      }),
    };
    return call;
  }

  /** RFC 4028 §9 for an INVITE or UPDATE; null when answered (422, 400). */
  #negotiateTimer(req: SipRequest, reply: Reply): TimerNegotiation | null {
    const { sessionExpires = 1800, minSE = 90, host } = this.#core.options;
    try {
      const n = negotiateSessionTimer(req.headers, { sessionExpires, minSE });
      if (n.kind !== "too-small") return n;
      reply(422, { headers: [["Min-SE", String(n.minSE)]] });
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
      reply(400, { headers: [warning(host, error.message)] });
    }
    return null;
  }

  /** No refresh came in time (RFC 4028 §10): BYE, and the session ends. */
  #expired(call: Call): void {
    if (call.done) return;
    this.#core.options.log?.warn("sip session expired: no refresh in time (RFC 4028)", {
      callId: call.callId,
      seconds: call.timerNeg.kind === "use" ? call.timerNeg.seconds : 0,
    });
    this.#bye(call);
    this.end(call, "session-expired");
  }

  /**
   * We are the refresher (RFC 4028 §10): an UPDATE without a body at half the interval.
   * Its 2xx restarts the timer; 405/501 (no UPDATE there) leaves the session to RTP
   * inactivity; 408/481 or no answer ends it (RFC 3261 §12.2.1.2).
   */
  #refresh(call: Call): void {
    if (call.done || !call.dialog || call.timerNeg.kind !== "use") return;
    const { seconds } = call.timerNeg;
    const t = call.from.transport;
    const req = call.dialog.buildRequest("UPDATE", this.#core.via(t), this.#core.contact(t), [
      ["Session-Expires", `${seconds};refresher=uas`],
      ["Supported", "timer"],
    ]);
    this.#core.request(req, call.dialog.peer, (end) => {
      if (call.done) return;
      const status = end.kind === "response" ? end.status : 408;
      if (status < 300) return call.timer.refreshed(seconds, "uas");
      if (status === 405 || status === 501) return call.timer.stop();
      if (status === 408 || status === 481) this.#expired(call);
      else call.timer.refreshed(seconds, "uas");
    });
  }

  async #answerInitial(req: SipRequest, call: Call, body: ParsedBody, fail: Reply): Promise<void> {
    const { options } = this.#core;
    try {
      call.record = options.decide ? (await options.decide(call.offer)).record : true;
    } catch (error) {
      options.log?.error("siprec decide failed", { error, callId: call.callId });
      if (call.tx.state === "proceeding") fail(500);
      return this.end(call, "error");
    }
    if (call.done || call.tx.state !== "proceeding") return;
    if (!body.sdp) return this.#offerLate(req, call, fail);
    try {
      const a = buildAnswer({
        offer: body.sdp!,
        address: options.host,
        record: call.record,
        ports: options.ports,
        previous: null,
        sessionId: String(Date.now()),
        srtp: srtpPolicy(options, call.from.transport),
      });
      call.answer = { origin: a.sdp.origin, streams: a.streams, sdp: serializeSdp(a.sdp) };
    } catch (error) {
      if (!(error instanceof SdpOfferError)) throw error;
      const headers: [string, string][] = [warning(options.host, error.warning)];
      if (error.status === 503) headers.push(["Retry-After", String(options.retryAfter ?? 30)]);
      fail(error.status, { headers });
      return this.end(call, "error");
    }
    const dialog = new Dialog(req, call.localTag, call.from);
    call.dialog = dialog;
    this.#byDialog.set(dialog.key, call);
    call.session = this.#snapshot(call, false);
    this.events.emit("session-started", { session: call.session });
    if (options.prepare) {
      try {
        await options.prepare(call.session);
      } catch (error) {
        // The recorder could not start (an RTP port would not bind, the store failed):
        // 503 before any 200, so the SRC retries or fails over; the ports go back.
        options.log?.error("siprec prepare failed: answering 503", { error, callId: call.callId });
        if (call.done) return;
        if (call.tx.state === "proceeding") {
          fail(503, {
            reason: "Service Unavailable (recording could not start)",
            headers: [["Retry-After", String(options.retryAfter ?? 30)]],
          });
        }
        return this.end(call, "error");
      }
      // A CANCEL answered 487 meanwhile: the call ends now, its ports with it.
      if (call.done) return;
      if (call.tx.state !== "proceeding") return this.end(call, "cancel");
    }
    this.#ok(req, call, call.answer.sdp);
    dialog.awaitingAck = true;
  }

  /** 200 OK with plain SDP (never multipart, RFC 7866 §9.1) and `+sip.srs` Contact. */
  #ok(
    req: SipRequest,
    call: Call,
    sdp: string | null,
    tx: { respond: InviteServerTransaction["respond"] } = call.tx,
  ): void {
    tx.respond(createResponse(req, 200, {
      toTag: call.localTag,
      headers: [
        ["Contact", this.#core.contact(call.from.transport, /^sips:/i.test(req.uri))],
        ["Allow", ALLOW_VALUE],
        ["Supported", "siprec, timer"],
        ...sessionTimerHeaders(call.timerNeg),
      ],
      body: sdp === null ? undefined : { contentType: SDP, text: sdp },
    }));
    // RFC 4028 §10: the timer (re)starts with each 2xx carrying Session-Expires.
    const n = call.timerNeg;
    if (n.kind === "use") call.timer.refreshed(n.seconds, n.refresher);
    else call.timer.stop();
  }

  #snapshot(call: Call, paused: boolean): RecordingSession {
    const participants = participantsOf(call.meta);
    const streams = streamsOf(call.answer?.streams ?? [], participants);
    const metadata = flatMetadata(call.meta, call.callId, call.mapped);
    return {
      id: call.id,
      sessionId: call.offer.sessionId,
      callId: call.callId,
      isSiprec: call.offer.isSiprec,
      participants,
      metadata,
      metadataXml: call.metadataXml,
      source: call.from,
      record: call.record,
      streams,
      paused: paused || isPaused(streams),
    };
  }

  #dialogOf(req: SipRequest): Call | undefined {
    const ids = requestDialogIds(req);
    return this.#byDialog.get(dialogKey(ids.callId, ids.toTag, ids.fromTag));
  }

  #reInvite(req: SipRequest, tx: InviteServerTransaction): void {
    const reply: Reply = (status, o) => tx.respond(createResponse(req, status, o));
    const call = this.#dialogOf(req);
    if (!call?.dialog) return reply(481);
    const dialog = call.dialog;
    if (dialog.checkCSeq(req) === "out-of-order") {
      return reply(500, { reason: "Out of order CSeq" });
    }
    // §14.2: a second INVITE before our final response to the first → 500 + Retry-After.
    if (dialog.inviteInProgress) return reply(500, { headers: [["Retry-After", "2"]] });
    // §14.2 / RFC 6337 §3.1: an offer/answer still in flight (2xx not ACKed) → 491.
    if (dialog.awaitingAck) return reply(491);
    const timerNeg = this.#negotiateTimer(req, reply);
    if (!timerNeg) return;
    tx.respond(createResponse(req, 100));
    const result = this.#reoffer(call, req);
    if (result.status !== 200) return reply(result.status, result.options);
    call.timerNeg = timerNeg; // a 2xx to a re-INVITE is a refresh (RFC 4028 §10)
    call.tx = tx;
    this.#byTx.set(tx, call);
    dialog.awaitingAck = true;
    this.#ok(req, call, result.sdp ?? call.answer?.sdp ?? null, tx);
  }

  /** Apply a re-offer (SDP and/or metadata); events for what changed. */
  #reoffer(
    call: Call,
    req: SipRequest,
  ): { status: number; options?: ResponseOptions; sdp: string | null } {
    const host = this.#core.options.host;
    let body: ParsedBody;
    try {
      body = readBody(req);
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
      return { status: 400, options: { headers: [warning(host, error.message)] }, sdp: null };
    }
    let sdp: string | null = null;
    if (body.sdp) {
      const origin = originKey(body);
      if (origin !== call.lastOfferOrigin || !call.answer) {
        try {
          checkStreamCount(body.sdp, this.#core.options.maxStreamsPerSession);
          const a = buildAnswer({
            offer: body.sdp,
            address: host,
            record: call.record,
            ports: this.#core.options.ports,
            previous: call.answer,
            sessionId: call.answer?.origin.sessId ?? "1",
            srtp: srtpPolicy(this.#core.options, call.from.transport),
          });
          for (const p of a.released) this.#core.options.ports.release(p);
          call.answer = { origin: a.sdp.origin, streams: a.streams, sdp: serializeSdp(a.sdp) };
          call.lastOfferOrigin = origin;
        } catch (error) {
          if (!(error instanceof SdpOfferError)) throw error;
          return {
            status: error.status,
            options: { headers: [warning(host, error.warning)] },
            sdp: null,
          };
        }
      }
      sdp = call.answer!.sdp;
    }
    if (body.metadata) {
      call.meta = mergeMetadata(call.meta, body.metadata);
      call.metadataXml = body.metadataXml;
    }
    this.#publish(call);
    return { status: 200, sdp };
  }

  #publish(call: Call): void {
    const before = call.session!;
    const after = this.#snapshot(call, false);
    call.session = after;
    const changes = diffSessions(before, after);
    if (hasChanges(changes)) this.events.emit("session-updated", { session: after, changes });
    if (!before.paused && after.paused) {
      this.events.emit("session-paused", { session: after, source: "src" });
    }
    if (before.paused && !after.paused) {
      this.events.emit("session-resumed", { session: after, source: "src" });
    }
  }

  /** ACK for a 2xx (§13.3.1.4): stop retransmission; the offer/answer is complete. */
  ack(req: SipRequest): void {
    const call = this.#dialogOf(req);
    if (!call?.dialog) return;
    call.tx.receiveAck();
    call.dialog.awaitingAck = false;
    if (call.lateOffer) {
      this.#answerLate(req, call, call.lateOffer).catch((error) => {
        this.#core.options.log?.error("siprec late answer failed", { error, callId: call.callId });
        this.#bye(call);
        this.end(call, "error");
      });
    }
  }

  /** Late offer (RFC 3261 §13.2.1): our offer goes in the 2xx; the ACK brings the answer. */
  #offerLate(req: SipRequest, call: Call, fail: Reply): void {
    const { options } = this.#core;
    try {
      call.lateOffer = buildLateOffer({
        host: options.host,
        labels: call.offer.streams.map((s) => s.label),
        record: call.record,
        ports: options.ports,
        sessionId: String(Date.now()),
      });
    } catch (error) {
      if (!(error instanceof SdpOfferError)) throw error;
      fail(error.status, { headers: [["Retry-After", String(options.retryAfter ?? 30)]] });
      return this.end(call, "error");
    }
    const dialog = new Dialog(req, call.localTag, call.from);
    call.dialog = dialog;
    this.#byDialog.set(dialog.key, call);
    this.#ok(req, call, call.lateOffer.sdp);
    dialog.awaitingAck = true;
  }

  /**
   * The ACK's answer to our late offer: the streams are known, the session starts and
   * the recorder binds its ports. No usable answer: BYE (§13.2.1 leaves no other way).
   */
  async #answerLate(ack: SipRequest, call: Call, offer: LateOffer): Promise<void> {
    const { options } = this.#core;
    const sdp = readBody(ack).sdp;
    if (!sdp || sdp.media.length !== offer.ports.length) {
      throw new SdpOfferError(488, "The ACK carries no answer matching our offer");
    }
    const a = buildAnswer({
      offer: sdp,
      address: options.host,
      record: call.record,
      ports: options.ports,
      previous: offerAsPrevious(offer),
      sessionId: offer.origin.sessId,
    });
    for (const p of a.released) options.ports.release(p);
    call.lateOffer = null;
    call.answer = { origin: a.sdp.origin, streams: a.streams, sdp: serializeSdp(a.sdp) };
    call.lastOfferOrigin = `${sdp.origin.sessId}/${sdp.origin.sessVersion}`;
    call.session = this.#snapshot(call, false);
    this.events.emit("session-started", { session: call.session });
    if (options.prepare && !call.done) await options.prepare(call.session);
  }

  /** BYE, UPDATE and INFO inside a dialog. */
  inDialog(req: SipRequest, tx: NonInviteServerTransaction, reply: Reply): void {
    const call = this.#dialogOf(req);
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
      case "UPDATE": {
        const hasSdp = /sdp|multipart/i.test(req.headers.get("Content-Type") ?? "") &&
          req.body.trim() !== "";
        // RFC 3311 §5.2: an UPDATE offer while an INVITE offer/answer is pending → 491.
        if (hasSdp && (call.dialog.inviteInProgress || call.dialog.awaitingAck)) return reply(491);
        const timerNeg = this.#negotiateTimer(req, reply);
        if (!timerNeg) return;
        const result = this.#reoffer(call, req);
        if (result.status !== 200) return reply(result.status, result.options);
        call.timerNeg = timerNeg; // so is a 2xx to an UPDATE (RFC 4028 §10)
        return this.#ok(req, call, result.sdp, tx);
      }
    }
  }

  /** CANCEL matched a pending INVITE (§9.2): 487 to the INVITE. */
  cancel(tx: InviteServerTransaction): void {
    const call = this.#byTx.get(tx);
    tx.respond(createResponse(tx.request, 487, { toTag: call?.localTag }));
    if (call && !call.session) this.end(call, "cancel");
  }

  /**
   * An INVITE transaction ended. An unacknowledged 2xx ends the session (§13.3.1.4);
   * so does an initial INVITE that got a final error and still holds its call (Timer H).
   */
  inviteTerminated(tx: InviteServerTransaction, end: TransactionEnd): void {
    const call = this.#byTx.get(tx);
    this.#byTx.delete(tx);
    if (!call || call.tx !== tx || call.done) return;
    if (end === "no-ack") {
      this.#bye(call);
      this.end(call, "timeout");
    } else if ((tx.lastResponse?.status ?? 0) >= 300) this.end(call, "error");
  }

  #bye(call: Call): void {
    if (!call.dialog) return;
    const t = call.from.transport;
    const sips = /^sips:/i.test(call.dialog.remoteTarget);
    // A client transaction: retransmitted over UDP until answered (RFC 3261 §17.1.2).
    this.#core.request(
      call.dialog.buildBye(this.#core.via(t), this.#core.contact(t, sips)),
      call.dialog.peer,
    );
  }

  /** End a call once: release ports, forget the dialog, emit `session-ended`. */
  end(call: Call, reason: EndReason): void {
    if (call.done) return;
    call.done = true;
    call.timer.stop();
    for (const p of call.lateOffer?.ports ?? []) if (p !== 0) this.#core.options.ports.release(p);
    for (const s of call.answer?.streams ?? []) {
      if (s.port !== 0) this.#core.options.ports.release(s.port);
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

  /**
   * Ends a running session from our side (the recorder saw no media): BYE, then the
   * session ends with `reason`. False when no such session runs.
   */
  hangup(id: string, reason: EndReason): boolean {
    const call = [...this.#calls].find((c) => c.id === id && c.session !== null);
    if (!call || call.done) return false;
    this.#bye(call);
    this.end(call, reason);
    return true;
  }

  /** Shutdown: 503 to pending offers, BYE to answered sessions, all end as `shutdown`. */
  closeAll(): void {
    for (const call of [...this.#calls]) {
      if (call.tx.state === "proceeding") {
        call.tx.respond(createResponse(call.tx.request, 503, { toTag: call.localTag }));
      } else this.#bye(call);
      this.end(call, "shutdown");
    }
  }
}

function originKey(body: ParsedBody): string {
  const o = body.sdp?.origin;
  return o ? `${o.sessId}/${o.sessVersion}/${body.sdpText?.length ?? 0}` : "";
}
