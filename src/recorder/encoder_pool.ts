/**
 * Opus encoders kept for reuse by the encoder worker. A libopus encoder's state lives
 * outside the JS heap and is freed only when V8 collects its wrapper; the worker's
 * heap is small and grows slowly, so a full collection is rare and, under call churn,
 * the encoders of finished recordings piled up as native memory (two per recording).
 * A finished recording hands its encoder back; the next recording with the same
 * settings takes it after a reset. The pool holds at most the peak of concurrent
 * recordings (capped by `max` per settings).
 */
import {
  createOpusEncoder,
  type OpusEncoderOptions,
  type OpusFrameEncoder,
} from "../codec/opus_encoder.ts";

/** Reusable encoders by their settings. */
export class OpusEncoderPool {
  #idle = new Map<string, OpusFrameEncoder[]>();
  #keys = new WeakMap<OpusFrameEncoder, string>();
  #max: number;
  #create: (o: OpusEncoderOptions) => Promise<OpusFrameEncoder>;
  /** Encoders created and reused since start. */
  created = 0;
  reused = 0;

  constructor(max = 512, create = createOpusEncoder) {
    this.#max = max;
    this.#create = create;
  }

  /** Encoders waiting for a recording. */
  get idle(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** An encoder with these settings: a reset idle one, or a new one. */
  async take(options: OpusEncoderOptions): Promise<OpusFrameEncoder> {
    const key = JSON.stringify(options, Object.keys(options).sort());
    const encoder = this.#idle.get(key)?.pop();
    if (encoder) {
      this.reused++;
      return encoder;
    }
    const created = await this.#create(options);
    this.created++;
    this.#keys.set(created, key);
    return created;
  }

  /** Hands an encoder back when its recording ended (or failed); it is reset here. */
  give(encoder: OpusFrameEncoder): void {
    const key = this.#keys.get(encoder);
    if (key === undefined) return;
    const list = this.#idle.get(key) ?? [];
    if (list.length >= this.#max || list.includes(encoder)) return;
    encoder.reset();
    list.push(encoder);
    this.#idle.set(key, list);
  }
}
