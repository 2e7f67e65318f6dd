/**
 * Payload encoders of the load client for codecs the box only decodes: G.722 through
 * ffmpeg's encoder (a subprocess, once per clip; ffmpeg must be installed), G.729 through
 * libbcg729's reference encoder (FFI, Annex A without VAD so every 20 ms packet carries two
 * 10-byte frames). The synthesized 8 kHz audio is resampled to 16 kHz for G.722. Clips are
 * encoded once at start, so sending costs nothing per packet. G.711 stays in audio.ts.
 */
import { Resampler } from "../codec/resample.ts";
import { encodeG729 } from "../codec/g729_test_util.ts";
import type { Law } from "./audio.ts";

/** How one codec's 20 ms packets look on the wire. */
export interface SimCodec {
  /** RTP payload type (RFC 3551 static types). */
  pt: number;
  /** SDP encoding name. */
  name: "PCMU" | "PCMA" | "G722" | "G729";
  /** Payload bytes of one 20 ms packet. */
  frameBytes: number;
}

/** The wire format of each codec the simulator sends (all with an 8000 Hz RTP clock). */
export const SIM_CODECS: Record<Law, SimCodec> = {
  pcmu: { pt: 0, name: "PCMU", frameBytes: 160 },
  pcma: { pt: 8, name: "PCMA", frameBytes: 160 },
  g722: { pt: 9, name: "G722", frameBytes: 160 },
  g729: { pt: 18, name: "G729", frameBytes: 20 },
};

/** Encodes 8 kHz PCM (a multiple of 160 samples) into a clip of 20 ms packets. */
export type ClipEncoder = (pcm8k: Int16Array) => Promise<Uint8Array>;

/** G.722 at 64 kbit/s by ffmpeg: 160 bytes per 20 ms (RFC 3551 §4.5.2). */
export async function encodeG722Clip(pcm8k: Int16Array): Promise<Uint8Array> {
  const up = new Resampler(8000, 16000);
  const pcm16k = new Int16Array(pcm8k.length * 2 + 2);
  const n = up.process(pcm8k, pcm16k);
  const dir = await Deno.makeTempDir({ prefix: "selrec-sim-g722-" });
  try {
    const raw = `${dir}/in.raw`, out = `${dir}/out.g722`;
    const body = pcm16k.subarray(0, n);
    await Deno.writeFile(raw, new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    const r = await new Deno.Command("ffmpeg", {
      args: ["-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", "16000", "-ac", "1"]
        .concat(["-i", raw, "-acodec", "g722", "-f", "g722", "-y", out]),
      stdout: "null",
      stderr: "piped",
    }).output().catch((err) => {
      throw new Error(`simulate --codec g722 needs ffmpeg: ${(err as Error).message}`);
    });
    if (r.code !== 0) {
      throw new Error(`ffmpeg could not encode G.722: ${new TextDecoder().decode(r.stderr)}`);
    }
    const bytes = await Deno.readFile(out);
    // One byte per 8 kHz sample: pad or cut to the clip's length.
    const clip = new Uint8Array(pcm8k.length);
    clip.set(bytes.subarray(0, clip.length));
    return clip;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** G.729 Annex A by libbcg729: 20 bytes (two frames) per 20 ms (RFC 3551 §4.5.6). */
export function encodeG729Clip(pcm8k: Int16Array): Promise<Uint8Array> {
  const frames = encodeG729(pcm8k, false);
  const clip = new Uint8Array(frames.length * 10);
  frames.forEach((f, i) => clip.set(f, i * 10));
  return Promise.resolve(clip);
}

/** The clip encoder of a codec the box only decodes; null for G.711 (audio.ts encodes it). */
export function clipEncoder(law: Law): ClipEncoder | null {
  return law === "g722" ? encodeG722Clip : law === "g729" ? encodeG729Clip : null;
}
