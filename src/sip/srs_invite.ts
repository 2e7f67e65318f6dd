/**
 * The initial INVITE of a recording session (RFC 7866 §6.1, RFC 3261 §13.3): Require
 * and admission checks (420, 503), the session timer (RFC 4028 §9), the offer read and
 * checked (SRTP policy, stream count), the recorder's decision, the answer, the
 * `session-started` event and the recorder's preparation before the 200 OK. An INVITE
 * without SDP goes on as a late offer (srs_late_offer.ts).
 */
import type { SipRequest } from "./message.ts";
import { SipParseError } from "./message.ts";
import { Dialog, type PeerAddress } from "./dialog.ts";
import { mergeMetadata } from "./metadata.ts";
import { createResponse } from "./response.ts";
import { buildAnswer, SdpOfferError } from "./sdp_answer.ts";
import { serializeSdp } from "./sdp.ts";
import { flatMetadata, participantsOf, type SessionOffer } from "./session.ts";
import {
  checkStreamCount,
  isSiprecRequest,
  offeredStreams,
  offerMetadata,
  type ParsedBody,
  readBody,
} from "./srs_offer.ts";
import type { InviteServerTransaction } from "./transaction.ts";
import { SessionTimer } from "./session_timer.ts";
import { lateOfferedStreams, lateOfferLabels } from "./late_offer.ts";
import {
  type Call,
  checkSecureOffer,
  originKey,
  type Reply,
  REQUIRE_OK,
  snapshot,
  srtpPolicy,
  warning,
} from "./srs_call.ts";
import type { CallSet } from "./srs_call_set.ts";
import { negotiateTimer, refreshSession, sessionExpired } from "./srs_session_timer.ts";
import { offerLate } from "./srs_late_offer.ts";

/** An INVITE outside a dialog that opened a new server transaction. */
export function initialInvite(
  calls: CallSet,
  req: SipRequest,
  tx: InviteServerTransaction,
  from: PeerAddress,
): void {
  tx.respond(createResponse(req, 100));
  const localTag = crypto.randomUUID().replace(/-/g, "").slice(0, 16);
  const { options } = calls.core;
  const host = options.host;
  const fail: Reply = (status, o = {}) =>
    tx.respond(createResponse(req, status, { toTag: localTag, ...o }));
  const unsupported = req.headers.tokens("Require").filter((t) => !REQUIRE_OK.has(t));
  if (unsupported.length > 0) {
    return fail(420, { headers: [["Unsupported", unsupported.join(", ")]] });
  }
  const refusal = calls.core.refusal();
  if (refusal) {
    return fail(503, {
      reason: `Service Unavailable (${refusal.reason})`,
      headers: [["Retry-After", String(refusal.retryAfter)]],
    });
  }
  const timerNeg = negotiateTimer(options, req, fail);
  if (!timerNeg) return;
  let body: ParsedBody;
  try {
    body = readBody(req);
    // No SDP: a late offer (RFC 3261 §13.2.1), we offer in the 2xx.
    if (body.sdp) {
      checkSecureOffer(options, body.sdp, req, from.transport);
      checkStreamCount(body.sdp, options.maxStreamsPerSession);
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
  const call = newCall(calls, req, tx, from, body, localTag);
  call.timerNeg = timerNeg;
  calls.add(call);
  answerInitial(calls, req, call, body, fail).catch((error) => {
    options.log?.error("siprec answer failed", { error, callId: call.callId });
    if (call.tx.state === "proceeding") fail(500);
    calls.end(call, "error");
  });
}

function newCall(
  calls: CallSet,
  req: SipRequest,
  tx: InviteServerTransaction,
  from: PeerAddress,
  body: ParsedBody,
  localTag: string,
): Call {
  const id = crypto.randomUUID();
  const callId = req.headers.get("Call-ID") ?? "";
  const { metadata, mapped } = offerMetadata(req, body, calls.core.options.headerMap ?? {});
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
      timers: calls.core.timers,
      onExpired: () => sessionExpired(calls, call),
      onRefreshDue: () => refreshSession(calls, call),
    }),
  };
  return call;
}

async function answerInitial(
  calls: CallSet,
  req: SipRequest,
  call: Call,
  body: ParsedBody,
  fail: Reply,
): Promise<void> {
  const { options } = calls.core;
  try {
    call.record = options.decide ? (await options.decide(call.offer)).record : true;
  } catch (error) {
    options.log?.error("siprec decide failed", { error, callId: call.callId });
    if (call.tx.state === "proceeding") fail(500);
    return calls.end(call, "error");
  }
  if (call.done || call.tx.state !== "proceeding") return;
  if (!body.sdp) return offerLate(calls, req, call, fail);
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
    return calls.end(call, "error");
  }
  const dialog = new Dialog(req, call.localTag, call.from);
  calls.setDialog(call, dialog);
  call.session = snapshot(call, false);
  calls.events.emit("session-started", { session: call.session });
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
      return calls.end(call, "error");
    }
    // A CANCEL answered 487 meanwhile: the call ends now, its ports with it.
    if (call.done) return;
    if (call.tx.state !== "proceeding") return calls.end(call, "cancel");
  }
  calls.ok(req, call, call.answer.sdp);
  dialog.awaitingAck = true;
}
