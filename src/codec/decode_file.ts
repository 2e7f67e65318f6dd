/**
 * Reads a recording file back: decodes it to float PCM (Ogg Opus with opus-decoder, WAV
 * PCM16/G.711), and re-encodes it as PCM16 WAV at the recording's rate for browsers and
 * exports that want WAV. Whole-file, in memory: calls are minutes long, not hours.
 */
import { decodeOggOpus } from "./opus_decode.ts";
import { parseOpusHead } from "./opus_head.ts";
import { oggPackets, scanOggPages } from "./ogg.ts";
import { encodeWav, parseWav } from "./wav.ts";
import { ALAW_DECODE_TABLE, ULAW_DECODE_TABLE } from "./g711.ts";

/** Float PCM, one array per channel. */
export interface Pcm {
  sampleRate: number;
  channels: Float32Array[];
}

function opusInputRate(bytes: Uint8Array): number {
  const packets = oggPackets(scanOggPages(bytes.subarray(0, 4096)).pages.map((p) => p.page));
  const rate = packets[0] ? parseOpusHead(packets[0].data).inputSampleRate : 48000;
  return [8000, 12000, 16000, 24000, 48000].includes(rate) ? rate : 48000;
}

/** Decodes a whole file; `format` is recordings.format. */
export async function decodeFile(
  path: string,
  format: "opus" | "wav",
): Promise<Pcm & { nativeRate: number }> {
  return await decodeBytes(await Deno.readFile(path), format);
}

/** Decodes a whole recording held in memory (read and verified by the caller). */
export async function decodeBytes(
  bytes: Uint8Array,
  format: "opus" | "wav",
): Promise<Pcm & { nativeRate: number }> {
  if (format === "opus") {
    const d = await decodeOggOpus(bytes);
    return { sampleRate: d.sampleRate, channels: d.channelData, nativeRate: opusInputRate(bytes) };
  }
  const w = parseWav(bytes, { toEnd: true });
  const frames = w.frames;
  const channels = Array.from({ length: w.channels }, () => new Float32Array(frames));
  const view = new DataView(w.data.buffer, w.data.byteOffset, w.data.byteLength);
  for (let i = 0; i < frames; i++) {
    for (let ch = 0; ch < w.channels; ch++) {
      const k = i * w.channels + ch;
      const s = w.format === "pcm16"
        ? view.getInt16(k * 2, true)
        : (w.format === "alaw" ? ALAW_DECODE_TABLE : ULAW_DECODE_TABLE)[w.data[k]];
      channels[ch][i] = s / 32768;
    }
  }
  return { sampleRate: w.sampleRate, channels, nativeRate: w.sampleRate };
}

/** PCM16 WAV of `pcm`, decimated (box filter) to `rate` when it divides the source rate. */
export function toWav(pcm: Pcm, rate: number): Uint8Array<ArrayBuffer> {
  const factor = pcm.sampleRate % rate === 0 ? pcm.sampleRate / rate : 1;
  const outRate = pcm.sampleRate / factor;
  const n = Math.floor((pcm.channels[0]?.length ?? 0) / factor);
  const nc = pcm.channels.length;
  const out = new Int16Array(n * nc);
  for (let ch = 0; ch < nc; ch++) {
    const src = pcm.channels[ch];
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < factor; k++) sum += src[i * factor + k];
      const v = Math.max(-1, Math.min(1, sum / factor));
      out[i * nc + ch] = Math.round(v * 32767);
    }
  }
  const wav = encodeWav(
    { format: "pcm16", channels: nc, sampleRate: outRate },
    new Uint8Array(out.buffer),
  );
  return new Uint8Array(wav);
}
