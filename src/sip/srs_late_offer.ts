/**
 * Late offer of the SRS core's calls (RFC 3261 §13.2.1): an INVITE without SDP gets our
 * offer (late_offer.ts) in the 2xx, and the ACK brings the answer that starts the
 * session. No usable answer in the ACK: BYE, the call ends as `error`.
 */
import type { SipRequest } from "./message.ts";
import { Dialog } from "./dialog.ts";
import { buildAnswer, SdpOfferError } from "./sdp_answer.ts";
import { serializeSdp } from "./sdp.ts";
import { readBody } from "./srs_offer.ts";
import { buildLateOffer, type LateOffer, offerAsPrevious } from "./late_offer.ts";
import { type Call, type Reply, snapshot } from "./srs_call.ts";
import type { CallSet } from "./srs_call_set.ts";

/** Late offer (RFC 3261 §13.2.1): our offer goes in the 2xx; the ACK brings the answer. */
export function offerLate(calls: CallSet, req: SipRequest, call: Call, fail: Reply): void {
  const { options } = calls.core;
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
    return calls.end(call, "error");
  }
  const dialog = new Dialog(req, call.localTag, call.from);
  calls.setDialog(call, dialog);
  calls.ok(req, call, call.lateOffer.sdp);
  dialog.awaitingAck = true;
}

/** The ACK of a 2xx that carried our late offer: answer it, or BYE when it fails. */
export function ackLateOffer(calls: CallSet, ack: SipRequest, call: Call, offer: LateOffer): void {
  answerLate(calls, ack, call, offer).catch((error) => {
    calls.core.options.log?.error("siprec late answer failed", { error, callId: call.callId });
    calls.bye(call);
    calls.end(call, "error");
  });
}

/**
 * The ACK's answer to our late offer: the streams are known, the session starts and
 * the recorder binds its ports. No usable answer: BYE (§13.2.1 leaves no other way).
 */
async function answerLate(
  calls: CallSet,
  ack: SipRequest,
  call: Call,
  offer: LateOffer,
): Promise<void> {
  const { options } = calls.core;
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
  call.session = snapshot(call, false);
  calls.events.emit("session-started", { session: call.session });
  if (options.prepare && !call.done) await options.prepare(call.session);
}
