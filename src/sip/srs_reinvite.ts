/**
 * Re-offers inside a running call: re-INVITE (RFC 3261 §14) and UPDATE (RFC 3311) with
 * new SDP and/or metadata, their glare answers (491, 500 + Retry-After; RFC 6337 §3.1),
 * the new answer built on the previous one, and the `session-updated`, `-paused` and
 * `-resumed` events for what changed. A 2xx to either refreshes the session timer
 * (RFC 4028 §10).
 */
import type { SipRequest } from "./message.ts";
import { SipParseError } from "./message.ts";
import { mergeMetadata } from "./metadata.ts";
import { createResponse, type ResponseOptions } from "./response.ts";
import { buildAnswer, SdpOfferError } from "./sdp_answer.ts";
import { serializeSdp } from "./sdp.ts";
import { diffSessions, hasChanges } from "./session.ts";
import { checkStreamCount, type ParsedBody, readBody } from "./srs_offer.ts";
import type { InviteServerTransaction, NonInviteServerTransaction } from "./transaction.ts";
import { type Call, originKey, type Reply, snapshot, srtpPolicy, warning } from "./srs_call.ts";
import type { CallSet } from "./srs_call_set.ts";
import { negotiateTimer } from "./srs_session_timer.ts";

/** An INVITE inside a dialog (§14.2): a re-offer, unless one is still in flight. */
export function reInvite(calls: CallSet, req: SipRequest, tx: InviteServerTransaction): void {
  const reply: Reply = (status, o) => tx.respond(createResponse(req, status, o));
  const call = calls.dialogOf(req);
  if (!call?.dialog) return reply(481);
  const dialog = call.dialog;
  if (dialog.checkCSeq(req) === "out-of-order") {
    return reply(500, { reason: "Out of order CSeq" });
  }
  // §14.2: a second INVITE before our final response to the first → 500 + Retry-After.
  if (dialog.inviteInProgress) return reply(500, { headers: [["Retry-After", "2"]] });
  // §14.2 / RFC 6337 §3.1: an offer/answer still in flight (2xx not ACKed) → 491.
  if (dialog.awaitingAck) return reply(491);
  const timerNeg = negotiateTimer(calls.core.options, req, reply);
  if (!timerNeg) return;
  tx.respond(createResponse(req, 100));
  const result = reoffer(calls, call, req);
  if (result.status !== 200) return reply(result.status, result.options);
  call.timerNeg = timerNeg; // a 2xx to a re-INVITE is a refresh (RFC 4028 §10)
  call.tx = tx;
  calls.trackTx(tx, call);
  dialog.awaitingAck = true;
  calls.ok(req, call, result.sdp ?? call.answer?.sdp ?? null, tx);
}

/** An UPDATE inside the dialog of `call` (RFC 3311): a re-offer or a bare refresh. */
export function update(
  calls: CallSet,
  call: Call,
  req: SipRequest,
  tx: NonInviteServerTransaction,
  reply: Reply,
): void {
  const dialog = call.dialog!;
  const hasSdp = /sdp|multipart/i.test(req.headers.get("Content-Type") ?? "") &&
    req.body.trim() !== "";
  // RFC 3311 §5.2: an UPDATE offer while an INVITE offer/answer is pending → 491.
  if (hasSdp && (dialog.inviteInProgress || dialog.awaitingAck)) return reply(491);
  const timerNeg = negotiateTimer(calls.core.options, req, reply);
  if (!timerNeg) return;
  const result = reoffer(calls, call, req);
  if (result.status !== 200) return reply(result.status, result.options);
  call.timerNeg = timerNeg; // so is a 2xx to an UPDATE (RFC 4028 §10)
  return calls.ok(req, call, result.sdp, tx);
}

/** Apply a re-offer (SDP and/or metadata); events for what changed. */
function reoffer(
  calls: CallSet,
  call: Call,
  req: SipRequest,
): { status: number; options?: ResponseOptions; sdp: string | null } {
  const { options } = calls.core;
  const host = options.host;
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
        checkStreamCount(body.sdp, options.maxStreamsPerSession);
        const a = buildAnswer({
          offer: body.sdp,
          address: host,
          record: call.record,
          ports: options.ports,
          previous: call.answer,
          sessionId: call.answer?.origin.sessId ?? "1",
          srtp: srtpPolicy(options, call.from.transport),
        });
        for (const p of a.released) options.ports.release(p);
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
  publish(calls, call);
  return { status: 200, sdp };
}

/** The call's new snapshot, and an event for each change the recorder must see. */
function publish(calls: CallSet, call: Call): void {
  const before = call.session!;
  const after = snapshot(call, false);
  call.session = after;
  const changes = diffSessions(before, after);
  if (hasChanges(changes)) calls.events.emit("session-updated", { session: after, changes });
  if (!before.paused && after.paused) {
    calls.events.emit("session-paused", { session: after, source: "src" });
  }
  if (before.paused && !after.paused) {
    calls.events.emit("session-resumed", { session: after, source: "src" });
  }
}
