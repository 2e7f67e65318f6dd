/**
 * SHA-1 (RFC 3174, FIPS 180-4 §6.1) and HMAC-SHA1 (RFC 2104) for the SRTP authentication
 * transform (RFC 3711 §4.2.1). {@link HmacSha1} hashes the inner and outer padded keys
 * once at set-up and keeps the two chaining states, so a MAC costs the message blocks plus
 * one outer block, over preallocated words: no allocation, no throw per message.
 */

const BLOCK_BYTES = 64;
const DIGEST_WORDS = 5;
const IPAD = 0x36;
const OPAD = 0x5c;
const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

/** Message schedule W[0..80) (RFC 3174 §6.1), shared: one packet at a time per thread. */
const W = new Int32Array(80);
/** The last one or two blocks: message tail, suffix, 0x80, zero fill, bit length. */
const TAIL = new Uint8Array(2 * BLOCK_BYTES);

/** Loads 16 big-endian words of `bytes` from `off` into W. */
function loadBlock(bytes: Uint8Array, off: number): void {
  for (let t = 0; t < 16; t++, off += 4) {
    W[t] = (bytes[off] << 24) | (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3];
  }
}

/** One compression of the block in W[0..16) into the chaining state `h[0..5)`. */
function compress(h: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16];
    W[t] = (x << 1) | (x >>> 31);
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  let t = 0;
  // Four rounds of 20 steps: f and K of RFC 3174 §5, one loop each (no branch per step).
  for (; t < 20; t++) {
    const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + W[t]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = temp;
  }
  for (; t < 40; t++) {
    const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + W[t]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = temp;
  }
  for (; t < 60; t++) {
    const f = (b & c) | (b & d) | (c & d);
    const temp = (((a << 5) | (a >>> 27)) + f + e + 0x8f1bbcdc + W[t]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = temp;
  }
  for (; t < 80; t++) {
    const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + W[t]) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = temp;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
}

/**
 * Hashes `bytes[0..len)` followed by `suffixLen` (0 or 4) bytes of the big-endian
 * `suffix`, continuing from state `h` that has already absorbed `prefixBytes` (whole
 * blocks). Leaves the digest in `h`.
 */
function absorb(
  h: Int32Array,
  prefixBytes: number,
  bytes: Uint8Array,
  len: number,
  suffix: number,
  suffixLen: number,
): void {
  let off = 0;
  for (; off + BLOCK_BYTES <= len; off += BLOCK_BYTES) {
    loadBlock(bytes, off);
    compress(h);
  }
  const rest = len - off;
  const tail = TAIL;
  for (let i = 0; i < rest; i++) tail[i] = bytes[off + i];
  for (let i = 0; i < suffixLen; i++) tail[rest + i] = suffix >>> (24 - 8 * i);
  let n = rest + suffixLen;
  tail[n++] = 0x80;
  const blocks = n + 8 <= BLOCK_BYTES ? 1 : 2;
  const end = blocks * BLOCK_BYTES;
  tail.fill(0, n, end - 8);
  // Bit length as a 64-bit big-endian integer (exact below 2^53 bits).
  const bits = (prefixBytes + len + suffixLen) * 8;
  const hi = Math.floor(bits / 0x1_0000_0000);
  for (let i = 0; i < 4; i++) tail[end - 8 + i] = hi >>> (24 - 8 * i);
  for (let i = 0; i < 4; i++) tail[end - 4 + i] = bits >>> (24 - 8 * i);
  for (let i = 0; i < end; i += BLOCK_BYTES) {
    loadBlock(tail, i);
    compress(h);
  }
}

function digestBytes(h: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < 20; i++) out[i] = h[i >> 2] >>> (24 - 8 * (i & 3));
}

/** SHA-1 of `bytes` as a new 20-byte array (set-up and tests, not per packet). */
export function sha1(bytes: Uint8Array): Uint8Array {
  const h = Int32Array.from(INITIAL);
  absorb(h, 0, bytes, bytes.length, 0, 0);
  const out = new Uint8Array(20);
  digestBytes(h, out);
  return out;
}

/** HMAC-SHA1 with one key (RFC 2104), the padded-key states precomputed. */
export class HmacSha1 {
  #inner = new Int32Array(DIGEST_WORDS);
  #outer = new Int32Array(DIGEST_WORDS);
  #h = new Int32Array(DIGEST_WORDS);

  /** Keys longer than a block are hashed first (RFC 2104 §2). */
  constructor(key: Uint8Array) {
    const k = new Uint8Array(BLOCK_BYTES);
    k.set(key.length > BLOCK_BYTES ? sha1(key) : key);
    for (const [state, pad] of [[this.#inner, IPAD], [this.#outer, OPAD]] as const) {
      const block = k.map((b) => b ^ pad);
      state.set(INITIAL);
      loadBlock(block, 0);
      compress(state);
      block.fill(0);
    }
    k.fill(0);
  }

  /** HMAC of `bytes[0..len)` into `out[0..20)`. */
  sign(bytes: Uint8Array, len: number, out: Uint8Array): void {
    this.#run(bytes, len, 0, 0, out);
  }

  /**
   * HMAC of `bytes[0..len)` followed by the 32-bit big-endian `suffix` into `out[0..20)`:
   * SRTP's M = Authenticated Portion || ROC (RFC 3711 §4.2).
   */
  signWithSuffix(bytes: Uint8Array, len: number, suffix: number, out: Uint8Array): void {
    this.#run(bytes, len, suffix, 4, out);
  }

  #run(bytes: Uint8Array, len: number, suffix: number, suffixLen: number, out: Uint8Array) {
    const h = this.#h;
    h.set(this.#inner);
    absorb(h, BLOCK_BYTES, bytes, len, suffix, suffixLen);
    // Outer hash: one block holding the inner digest, padding and (64 + 20) · 8 bits.
    for (let t = 0; t < DIGEST_WORDS; t++) W[t] = h[t];
    W[5] = 0x80000000 | 0;
    for (let t = 6; t < 15; t++) W[t] = 0;
    W[15] = (BLOCK_BYTES + 20) * 8;
    h.set(this.#outer);
    compress(h);
    digestBytes(h, out);
  }

  /** Overwrites the precomputed key states. */
  wipe(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
    this.#h.fill(0);
  }
}
