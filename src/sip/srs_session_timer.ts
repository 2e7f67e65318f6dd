/**
 * Session timers of the SRS core's calls (RFC 4028), on top of the negotiation and timer
 * of session_timer.ts: the 422/400 answers to a request's Session-Expires (§9), the
 * refresh we send as refresher (an UPDATE at half the interval, §10) and the end of a
 * session whose refresh did not come (§10).
 */
import type { SipRequest } from "./message.ts";
import { SipParseError } from "./message.ts";
import { negotiateSessionTimer, type TimerNegotiation } from "./session_timer.ts";
import { type Call, type Reply, type SessionOptions, warning } from "./srs_call.ts";
import type { CallSet } from "./srs_call_set.ts";

/** RFC 4028 §9 for an INVITE or UPDATE; null when answered (422, 400). */
export function negotiateTimer(
  options: SessionOptions,
  req: SipRequest,
  reply: Reply,
): TimerNegotiation | null {
  const { sessionExpires = 1800, minSE = 90, host } = options;
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
export function sessionExpired(calls: CallSet, call: Call): void {
  if (call.done) return;
  calls.core.options.log?.warn("sip session expired: no refresh in time (RFC 4028)", {
    callId: call.callId,
    seconds: call.timerNeg.kind === "use" ? call.timerNeg.seconds : 0,
  });
  calls.bye(call);
  calls.end(call, "session-expired");
}

/**
 * We are the refresher (RFC 4028 §10): an UPDATE without a body at half the interval.
 * Its 2xx restarts the timer; 405/501 (no UPDATE there) leaves the session to RTP
 * inactivity; 408/481 or no answer ends it (RFC 3261 §12.2.1.2).
 */
export function refreshSession(calls: CallSet, call: Call): void {
  if (call.done || !call.dialog || call.timerNeg.kind !== "use") return;
  const { seconds } = call.timerNeg;
  const { core } = calls;
  const t = call.from.transport;
  const req = call.dialog.buildRequest("UPDATE", core.via(t), core.contact(t), [
    ["Session-Expires", `${seconds};refresher=uas`],
    ["Supported", "timer"],
  ]);
  core.request(req, call.dialog.peer, (end) => {
    if (call.done) return;
    const status = end.kind === "response" ? end.status : 408;
    if (status < 300) return call.timer.refreshed(seconds, "uas");
    if (status === 405 || status === 501) return call.timer.stop();
    if (status === 408 || status === 481) sessionExpired(calls, call);
    else call.timer.refreshed(seconds, "uas");
  });
}
