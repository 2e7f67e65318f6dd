/**
 * SRTP of a recording's streams in the capture worker: one {@link SrtpReceiver} per
 * stream key, created, re-keyed (a re-offer with a new SDES key; the old key stays for
 * packets in flight) or dropped as the negotiated streams say. The key arrives in the
 * stream spec from the main thread and lives only inside libsrtp from here on.
 */
import { SrtpReceiver } from "../rtp/srtp_receiver.ts";
import type { CaptureStream } from "./media_protocol.ts";

/** A recording's SRTP receivers with the key generation each runs with. */
export type StreamSrtp = Map<string, { rx: SrtpReceiver; generation: number }>;

/**
 * Brings a stream's receiver in line with its spec: new, re-keyed, kept or closed.
 * Throws (naming the stream) when libsrtp cannot be loaded or refuses the key.
 */
export function applySrtp(srtp: StreamSrtp, s: CaptureStream): void {
  const have = srtp.get(s.key);
  const want = s.srtp;
  if (!want) {
    have?.rx.close();
    srtp.delete(s.key);
    return;
  }
  if (have?.generation === want.generation) return void want.keySalt.fill(0);
  try {
    if (have) have.rx.rekey(want.suite, want.keySalt);
    else srtp.set(s.key, { rx: new SrtpReceiver(want.suite, want.keySalt), generation: 0 });
    srtp.get(s.key)!.generation = want.generation;
  } catch (err) {
    throw new Error(`Cannot set up SRTP of stream "${s.key}": ${(err as Error).message}`);
  } finally {
    want.keySalt.fill(0);
  }
}

/** The stream's SRTP counters for its report (absent for plain RTP). */
export function srtpReport(
  srtp: StreamSrtp,
  key: string,
): { srtpSuite: string; srtpAuthFailures: number; srtpReplays: number } | undefined {
  const s = srtp.get(key)?.rx.toJSON();
  return s && { srtpSuite: s.suite, srtpAuthFailures: s.authFailures, srtpReplays: s.replays };
}

/** Frees every libsrtp session of the recording (counters stay readable). */
export function closeSrtp(srtp: StreamSrtp): void {
  for (const { rx } of srtp.values()) rx.close();
}
