/**
 * Test and bench helper, never product code: the reference G.729 Annex A/B encoder in
 * libbcg729 (initBcg729EncoderChannel / bcg729Encoder / closeBcg729EncoderChannel), so
 * tests decode audio that an encoder other than ours produced.
 *
 *   bcg729EncoderChannelContextStruct *initBcg729EncoderChannel(uint8_t enableVAD);
 *   void bcg729Encoder(bcg729EncoderChannelContextStruct *ctx, const int16_t inputFrame[],
 *     uint8_t bitStream[], uint8_t *bitStreamLength);   (10: speech, 2: SID, 0: not sent)
 */
import { LIBBCG729_SONAME } from "./g729_bcg729.ts";
import { G729_FRAME_SAMPLES } from "./g729.ts";

const SYMBOLS = {
  initBcg729EncoderChannel: { parameters: ["u8"], result: "pointer" },
  bcg729Encoder: { parameters: ["pointer", "buffer", "buffer", "buffer"], result: "void" },
  closeBcg729EncoderChannel: { parameters: ["pointer"], result: "void" },
} as const;

let lib: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | null = null;

/** Opens the encoder side of libbcg729 (call before sanitized tests: it stays open). */
export function loadBcg729Encoder(): void {
  lib ??= Deno.dlopen(LIBBCG729_SONAME, SYMBOLS).symbols;
}

/**
 * Encodes 8 kHz PCM (a multiple of 80 samples) into G.729 frames: one entry per 10 ms, a
 * 10-byte speech frame, a 2-byte SID frame, or an empty array for a frame that DTX does not
 * send. `vad` turns on Annex B (VAD/DTX/CNG).
 */
export function encodeG729(pcm: Int16Array, vad: boolean): Uint8Array[] {
  loadBcg729Encoder();
  const l = lib!;
  const ctx = l.initBcg729EncoderChannel(vad ? 1 : 0);
  if (ctx === null) throw new Error("Cannot create a bcg729 encoder channel");
  const frames: Uint8Array[] = [];
  const bits = new Uint8Array(10);
  const len = new Uint8Array(1);
  try {
    for (let at = 0; at + G729_FRAME_SAMPLES <= pcm.length; at += G729_FRAME_SAMPLES) {
      l.bcg729Encoder(ctx, pcm.slice(at, at + G729_FRAME_SAMPLES), bits, len);
      frames.push(bits.slice(0, len[0]));
    }
  } finally {
    l.closeBcg729EncoderChannel(ctx);
  }
  return frames;
}

/**
 * Packs frames into RTP payloads of `perPacket` frames (RFC 3551 §4.5.6): speech frames
 * first; a SID frame ends its packet. Frames DTX did not send make no packet. Each payload
 * comes with the index of its first frame (its RTP timestamp is 80 × that).
 */
export function packG729(
  frames: Uint8Array[],
  perPacket: number,
): { frame: number; payload: Uint8Array }[] {
  const out: { frame: number; payload: Uint8Array }[] = [];
  let cur: Uint8Array[] = [];
  let first = 0;
  const flush = () => {
    if (cur.length === 0) return;
    const payload = new Uint8Array(cur.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of cur) {
      payload.set(f, at);
      at += f.length;
    }
    out.push({ frame: first, payload });
    cur = [];
  };
  frames.forEach((f, i) => {
    if (f.length === 0) {
      flush();
      return;
    }
    if (cur.length === 0) first = i;
    cur.push(f);
    if (f.length === 2 || cur.length === perPacket) flush();
  });
  flush();
  return out;
}
