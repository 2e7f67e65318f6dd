/**
 * The box-wide budget of audio bytes held in memory while the disk refuses writes
 * (`recorder.writeBufferBytes`): one counter in a SharedArrayBuffer that every encoder
 * worker adds to and subtracts from atomically, so the limit holds across threads.
 */
import type { WriteBudget } from "../codec/write_errors.ts";

/** A {@link WriteBudget} over a shared counter; build one per thread on the same buffer. */
export class SharedWriteBudget implements WriteBudget {
  readonly limit: number;
  #held: BigInt64Array;

  /** `buffer` is 8 bytes from {@link SharedWriteBudget.buffer}; `limit` in bytes. */
  constructor(buffer: SharedArrayBuffer, limit: number) {
    if (buffer.byteLength < 8) {
      throw new RangeError(`Write budget buffer has "${buffer.byteLength}" bytes, needs 8`);
    }
    this.#held = new BigInt64Array(buffer, 0, 1);
    this.limit = limit;
  }

  /** A new shared counter. */
  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(8);
  }

  add(bytes: number): void {
    if (bytes !== 0) Atomics.add(this.#held, 0, BigInt(bytes));
  }

  /** Bytes held now, all threads together. */
  get held(): number {
    return Number(Atomics.load(this.#held, 0));
  }

  get full(): boolean {
    return this.held >= this.limit;
  }
}
