/**
 * Maps the SIPREC server's sessions and events (src/sip) onto the recorder's
 * session model, and the recorder's decision back into the SIP answer.
 */
import type { RecordingSession, SessionOffer, StreamInfo } from "../sip/session.ts";
import type { SessionInfo, SessionStream } from "./session.ts";
import type { RecorderService } from "./recorder_service.ts";
import type { Logger } from "../log.ts";

/** What the SIP side calls on the recorder: the decision and the session events. */
export type SessionRecorder = Pick<
  RecorderService,
  "decide" | "started" | "updated" | "srcPaused" | "srcResumed" | "ended" | "onHangup"
>;

const CODEC_NAMES: Record<string, SessionStream["codecs"][number]["name"]> = {
  pcmu: "PCMU",
  pcma: "PCMA",
  g722: "G722",
  g729: "G729",
  opus: "opus",
  "telephone-event": "telephone-event",
  cn: "CN",
};

function streamOf(s: StreamInfo): SessionStream {
  const codecs: SessionStream["codecs"] = [];
  // Every answered format in the SRC's order (the first audio one is its preference).
  for (const c of s.codecs.length ? s.codecs : [s.codec]) {
    const name = CODEC_NAMES[c.name.toLowerCase()];
    if (name) codecs.push({ pt: c.pt, name, clockRate: c.clockRate, fmtp: c.fmtp ?? null });
  }
  if (s.telephoneEventPt !== null && !codecs.some((c) => c.pt === s.telephoneEventPt)) {
    codecs.push({ pt: s.telephoneEventPt, name: "telephone-event", clockRate: 8000 });
  }
  return {
    label: s.label,
    port: s.direction === "inactive" ? 0 : s.port,
    codecs,
    remote: {
      address: s.remoteAddr,
      port: s.remotePort,
      rtcpAddress: s.remoteRtcpAddr,
      rtcpPort: s.remoteRtcpPort,
    },
    srtp: s.srtp,
  };
}

function base(s: SessionOffer | RecordingSession): Omit<SessionInfo, "streams"> {
  return {
    key: s.id,
    sessionId: s.sessionId,
    sipCallId: s.callId,
    source: s.isSiprec ? "siprec" : "fork",
    participants: s.participants.map((p) => ({
      id: p.id,
      aor: p.aor,
      name: p.name,
      sends: p.sends,
    })),
    metadata: s.metadata,
    signallingAddress: s.source.hostname,
    signallingTransport: s.source.transport,
  };
}

/** The recorder's view of an offer under decision (no ports yet). */
export function offerInfo(offer: SessionOffer): SessionInfo {
  return {
    ...base(offer),
    streams: offer.streams.map((s) => ({ label: s.label, port: 0, codecs: [] })),
  };
}

/** The recorder's view of a running session. */
export function sessionInfo(session: RecordingSession): SessionInfo {
  return { ...base(session), streams: session.streams.map(streamOf) };
}

/**
 * The SIP server's `prepare` hook: starts the recording (RTP sockets bound, then rows)
 * before the 200 OK goes out, so no early packet meets a closed port. Rejects when a
 * port cannot be bound: the SIP side then answers 503 and no recording row exists.
 */
export async function prepareRecording(
  recorder: SessionRecorder,
  s: RecordingSession,
): Promise<void> {
  await recorder.started(sessionInfo(s));
  if (s.paused) await recorder.srcPaused(s.id);
}

/**
 * Subscribes the recorder to the SIPREC server's mid-call and end events (the start
 * comes through {@link prepareRecording}); errors are logged, never thrown.
 */
export function connectRecorder(
  on: (name: string, cb: (ev: Record<string, unknown>) => void) => void,
  recorder: SessionRecorder,
  log: Logger,
): void {
  const guard = (what: string, p: Promise<unknown>) =>
    p.catch((err) => log.error(`recorder failed to handle ${what}`, { error: err }));
  on("session-updated", (ev) => {
    guard("session-updated", recorder.updated(sessionInfo(ev.session as RecordingSession)));
  });
  on("session-paused", (ev) => {
    guard("session-paused", recorder.srcPaused((ev.session as RecordingSession).id));
  });
  on("session-resumed", (ev) => {
    guard("session-resumed", recorder.srcResumed((ev.session as RecordingSession).id));
  });
  on("session-ended", (ev) => {
    guard("session-ended", recorder.ended(ev.id as string, ev.reason as string));
  });
}
