/**
 * Allocator of RTP port pairs: even RTP ports in [min, max] with RTCP on port + 1
 * (RFC 3550 §11). A free pair is picked at random (crypto randomness), so nobody can
 * predict the next call's ports and spray them before the call starts. A released
 * pair cools down behind the next quarter of the range's releases before it is handed
 * out again (late packets of the previous call then land nowhere).
 */

/** Range settings for {@link PortPool}; both ends inclusive. */
export interface PortPoolOptions {
  min: number;
  max: number;
  /** Uniform random integer in [0, n); default crypto.getRandomValues. */
  random?: (n: number) => number;
}

const FREE = 0, USED = 1, COOLING = 2;

/** A uniform random integer in [0, n) from the system CSPRNG (rejection sampling). */
export function cryptoRandomInt(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const buf = new Uint32Array(1);
  do crypto.getRandomValues(buf); while (buf[0] >= limit);
  return buf[0] % n;
}

/** Pool of even RTP ports. */
export class PortPool {
  readonly min: number;
  readonly max: number;
  #state: Uint8Array;
  #inUse = 0;
  #cooling: number[] = [];
  #coolLimit: number;
  #random: (n: number) => number;

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
    this.#state = new Uint8Array(Math.floor((opts.max - min + 1) / 2));
    this.#coolLimit = Math.floor(this.#state.length / 4);
    this.#random = opts.random ?? cryptoRandomInt;
  }

  /** Pairs in the range. */
  get size(): number {
    return this.#state.length;
  }

  /** Pairs currently allocated. */
  get inUse(): number {
    return this.#inUse;
  }

  /**
   * Allocate a random free even RTP port, or null when none is free. When `canUse` is
   * given, a port it rejects is skipped and left free for later.
   */
  allocate(canUse?: (rtpPort: number) => boolean): number | null {
    const n = this.#state.length;
    // Walk the ring from a random start: every free pair is reachable, none predictable.
    const start = this.#random(n);
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (this.#state[i] !== FREE) continue;
      const port = this.min + 2 * i;
      if (canUse && !canUse(port)) continue;
      this.#state[i] = USED;
      this.#inUse++;
      return port;
    }
    // Nothing free: the longest-cooling pair is better than a refused call.
    for (const [k, i] of this.#cooling.entries()) {
      const port = this.min + 2 * i;
      if (canUse && !canUse(port)) continue;
      this.#cooling.splice(k, 1);
      this.#state[i] = USED;
      this.#inUse++;
      return port;
    }
    return null;
  }

  /** Return a port to the pool. Throws RangeError for a port this pool never gave out. */
  release(port: number): void {
    const i = (port - this.min) / 2;
    if (!Number.isInteger(i) || i < 0 || i >= this.#state.length) {
      throw new RangeError(`Port "${port}" is not an RTP port of this pool`);
    }
    if (this.#state[i] !== USED) throw new RangeError(`Port "${port}" is not allocated`);
    this.#inUse--;
    this.#state[i] = COOLING;
    this.#cooling.push(i);
    while (this.#cooling.length > this.#coolLimit) this.#state[this.#cooling.shift()!] = FREE;
  }

  /** Counters for logs and metrics. */
  toJSON(): { min: number; max: number; size: number; inUse: number } {
    return { min: this.min, max: this.max, size: this.size, inUse: this.#inUse };
  }
}
