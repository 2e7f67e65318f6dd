/**
 * Allocator of RTP port pairs: even RTP ports in [min, max] with RTCP on port + 1
 * (RFC 3550 §11). Round-robin, so a just-released port is not handed out again at once
 * (late packets of the previous call then land nowhere).
 */

/** Range settings for {@link PortPool}; both ends inclusive. */
export interface PortPoolOptions {
  min: number;
  max: number;
}

/** Pool of even RTP ports. */
export class PortPool {
  readonly min: number;
  readonly max: number;
  #used: Uint8Array;
  #cursor = 0;
  #inUse = 0;

  constructor(opts: PortPoolOptions) {
    const min = opts.min + (opts.min & 1);
    if (
      !Number.isInteger(opts.min) || !Number.isInteger(opts.max) || min < 1024 || opts.max > 65535
    ) {
      throw new RangeError(`Port range "${opts.min}-${opts.max}" is invalid`);
    }
    if (min + 1 > opts.max) {
      throw new RangeError(`Port range "${opts.min}-${opts.max}" holds no pair`);
    }
    this.min = min;
    this.max = opts.max;
    this.#used = new Uint8Array(Math.floor((opts.max - min + 1) / 2));
  }

  /** Pairs in the range. */
  get size(): number {
    return this.#used.length;
  }

  /** Pairs currently allocated. */
  get inUse(): number {
    return this.#inUse;
  }

  /**
   * Allocate an even RTP port, or null when none is free. When `canUse` is given, a
   * port it rejects (e.g. the bind failed) is skipped and left free for later.
   */
  allocate(canUse?: (rtpPort: number) => boolean): number | null {
    const n = this.#used.length;
    for (let tried = 0; tried < n; tried++) {
      const i = this.#cursor;
      this.#cursor = (this.#cursor + 1) % n;
      if (this.#used[i]) continue;
      const port = this.min + 2 * i;
      if (canUse && !canUse(port)) continue;
      this.#used[i] = 1;
      this.#inUse++;
      return port;
    }
    return null;
  }

  /** Return a port to the pool. Throws RangeError for a port this pool never gave out. */
  release(port: number): void {
    const i = (port - this.min) / 2;
    if (!Number.isInteger(i) || i < 0 || i >= this.#used.length) {
      throw new RangeError(`Port "${port}" is not an RTP port of this pool`);
    }
    if (!this.#used[i]) throw new RangeError(`Port "${port}" is not allocated`);
    this.#used[i] = 0;
    this.#inUse--;
  }

  /** Counters for logs and metrics. */
  toJSON(): { min: number; max: number; size: number; inUse: number } {
    return { min: this.min, max: this.max, size: this.size, inUse: this.#inUse };
  }
}
