/**
 * Setup shared by the MediaEngine tests: one engine on loopback with one encoder, two
 * PCMU legs on free RTP ports, and the Opus file spec of a plain narrowband recording.
 */
import { MediaEngine } from "./media_engine.ts";
import type { CaptureStream, FileSpec } from "./media_protocol.ts";
import { rtpRange } from "../../tests/helpers/ports.ts";

/** PCMU on payload type 0. */
export const PCMU: CaptureStream["codecs"] = [[0, { name: "PCMU", clockRate: 8000 }]];

/** An engine on 127.0.0.1 with a 100 ms jitter buffer and one encoder worker. */
export function startTestEngine(): Promise<MediaEngine> {
  return MediaEngine.start({ listen: "127.0.0.1", depthMs: 100, encoders: 1 });
}

/** Two PCMU streams, `1` on channel 0 and `2` on channel 1, on free ports from `lo`. */
export function pcmuStreams(): { lo: number; streams: CaptureStream[] } {
  const [lo] = rtpRange(10).split("-").map(Number);
  return {
    lo,
    streams: [
      { key: "1", port: lo, channel: 0, codecs: PCMU },
      { key: "2", port: lo + 2, channel: 1, codecs: PCMU },
    ],
  };
}

/** A stereo 8 kHz Ogg Opus file at `path` (32 kb/s, pages every second); `extra` overrides. */
export function opusSpec(path: string, extra: Partial<FileSpec> = {}): FileSpec {
  return {
    path,
    format: "opus",
    sampleRate: 8000,
    complexity: 5,
    bitrate: 32000,
    silenceGateDbfs: -60,
    pageIntervalMs: 1000,
    syncIntervalMs: 2000,
    comments: [],
    ...extra,
  };
}
