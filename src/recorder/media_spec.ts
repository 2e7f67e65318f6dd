/**
 * What the media engine is asked to do for a recording: which ports to capture (with
 * codecs, channel and the source policy of each stream) and what file to write.
 */
import type { Config } from "../config.ts";
import { opusComment } from "../codec/opus_head.ts";
import type { ChannelAssignment } from "./channels.ts";
import type { CaptureStream, FileSpec } from "./media_protocol.ts";
import type { SessionInfo } from "./session.ts";

/** The session's answered streams (port > 0) as capture streams on their channels. */
export function captureStreams(
  session: SessionInfo,
  assignment: ChannelAssignment,
  rtp: Pick<Config["rtp"], "sourcePolicy" | "mediaNetworks">,
): CaptureStream[] {
  return session.streams.filter((s) => s.port > 0).map((s) => ({
    key: s.label,
    port: s.port,
    channel: assignment.streams.get(s.label) ?? 0,
    codecs: s.codecs.map((c) => [c.pt, { name: c.name, clockRate: c.clockRate, fmtp: c.fmtp }]),
    sources: s.remote && {
      policy: rtp.sourcePolicy,
      rtp: { address: s.remote.address, port: s.remote.port },
      rtcp: { address: s.remote.rtcpAddress, port: s.remote.rtcpPort },
      signalling: session.signallingAddress ?? null,
      networks: rtp.mediaNetworks,
    },
    ...(s.srtp &&
      { srtp: { suite: s.srtp.suite, keySalt: s.srtp.keySalt(), generation: s.srtp.generation } }),
  }));
}

/**
 * The recording's file: format, sample rate (fixed at the recording's start, see
 * recording_rate.ts), encoder settings, and OpusTags naming the call.
 */
export function fileSpec(
  rec: { id: string; path: string; format: FileSpec["format"]; sampleRate: number },
  session: SessionInfo,
  assignment: ChannelAssignment,
  recorder: Pick<Config["recorder"], "opus" | "pageIntervalMs" | "fsyncIntervalMs">,
): FileSpec {
  return {
    path: rec.path,
    format: rec.format,
    sampleRate: rec.sampleRate,
    complexity: recorder.opus.complexity,
    bitrate: recorder.opus.bitrate,
    silenceGateDbfs: recorder.opus.silenceGateDbfs,
    pageIntervalMs: recorder.pageIntervalMs,
    syncIntervalMs: recorder.fsyncIntervalMs,
    comments: [
      opusComment("CALLID", session.sipCallId),
      opusComment("SESSIONID", session.sessionId),
      opusComment("RECORDINGID", rec.id),
      ...assignment.participants.map((p) =>
        opusComment("PARTICIPANT", `${p.role}:${p.aor ?? p.id}:ch${p.channel ?? "-"}`)
      ),
    ],
  };
}
