/**
 * AES-128 block encryption (FIPS-197) in the table form of the Rijndael proposal (§5.2.1
 * "T-tables"), and the AES counter mode of SRTP (RFC 3711 §4.1.1). Everything per block
 * works on preallocated Int32Arrays of big-endian words: no allocation, no throw. Only
 * encryption exists: counter mode decrypts with the forward cipher.
 *
 * Table lookups index by key-dependent bytes, so this is not constant-time against a
 * local cache-timing observer; a capture worker on its own box is not such a target.
 */

const ROUNDS = 10;
const ROUND_KEY_WORDS = 4 * (ROUNDS + 1);
/** AES block size in bytes. */
export const AES_BLOCK_BYTES = 16;

/** S-box (FIPS-197 §5.1.1) and Te0..Te3 (SubBytes, ShiftRows and MixColumns in one look-up). */
const SBOX = new Int32Array(256);
const TE0 = new Int32Array(256);
const TE1 = new Int32Array(256);
const TE2 = new Int32Array(256);
const TE3 = new Int32Array(256);

const rotl8 = (x: number, n: number) => ((x << n) | (x >>> (8 - n))) & 0xff;
const xtime = (x: number) => ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;

/** Builds the S-box from the inverse in GF(2^8) (walking powers of the generator 3). */
function buildTables(): void {
  let p = 1, q = 1;
  do {
    p = p ^ xtime(p); // p · 3
    q ^= q << 1; // q / 3
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const affine = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4);
    SBOX[p] = (affine ^ 0x63) & 0xff;
  } while (p !== 1);
  SBOX[0] = 0x63;
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x], s2 = xtime(s), s3 = s2 ^ s;
    const t = (s2 << 24) | (s << 16) | (s << 8) | s3;
    TE0[x] = t;
    TE1[x] = (t >>> 8) | (t << 24);
    TE2[x] = (t >>> 16) | (t << 16);
    TE3[x] = (t >>> 24) | (t << 8);
  }
}
buildTables();

/** One AES-128 key schedule (FIPS-197 §5.2), encrypting blocks of four big-endian words. */
export class Aes128 {
  #rk = new Int32Array(ROUND_KEY_WORDS);

  /** Expands a 16-byte key. Throws RangeError for any other length. */
  constructor(key: Uint8Array) {
    if (key.length !== 16) {
      throw new RangeError(`Cannot set up AES-128: key is ${key.length} bytes, not 16`);
    }
    const rk = this.#rk;
    for (let i = 0; i < 4; i++) {
      rk[i] = (key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3];
    }
    let rcon = 1;
    for (let i = 4; i < ROUND_KEY_WORDS; i++) {
      let t = rk[i - 1];
      if (i % 4 === 0) {
        // SubWord(RotWord(t)) XOR Rcon
        t = (SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) |
          (SBOX[t & 0xff] << 8) | SBOX[t >>> 24];
        t ^= rcon << 24;
        rcon = xtime(rcon);
      }
      rk[i] = rk[i - 4] ^ t;
    }
  }

  /** Encrypts the block in `w[0..4)` (big-endian words) in place. */
  encryptBlock(w: Int32Array): void {
    const rk = this.#rk;
    let s0 = w[0] ^ rk[0], s1 = w[1] ^ rk[1], s2 = w[2] ^ rk[2], s3 = w[3] ^ rk[3];
    let k = 4;
    for (let r = 1; r < ROUNDS; r++, k += 4) {
      const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 0xff] ^ TE2[(s2 >>> 8) & 0xff] ^
        TE3[s3 & 0xff] ^ rk[k];
      const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 0xff] ^ TE2[(s3 >>> 8) & 0xff] ^
        TE3[s0 & 0xff] ^ rk[k + 1];
      const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 0xff] ^ TE2[(s0 >>> 8) & 0xff] ^
        TE3[s1 & 0xff] ^ rk[k + 2];
      const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 0xff] ^ TE2[(s1 >>> 8) & 0xff] ^
        TE3[s2 & 0xff] ^ rk[k + 3];
      s0 = t0, s1 = t1, s2 = t2, s3 = t3;
    }
    // Last round: no MixColumns.
    w[0] = finalWord(s0, s1, s2, s3) ^ rk[k];
    w[1] = finalWord(s1, s2, s3, s0) ^ rk[k + 1];
    w[2] = finalWord(s2, s3, s0, s1) ^ rk[k + 2];
    w[3] = finalWord(s3, s0, s1, s2) ^ rk[k + 3];
  }

  /** Encrypts one 16-byte block into a new array (set-up and tests, not per packet). */
  encrypt(block: Uint8Array): Uint8Array {
    const w = new Int32Array(4);
    for (let i = 0; i < 16; i++) w[i >> 2] |= block[i] << (24 - 8 * (i & 3));
    this.encryptBlock(w);
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i++) out[i] = w[i >> 2] >>> (24 - 8 * (i & 3));
    return out;
  }

  /** Overwrites the key schedule. */
  wipe(): void {
    this.#rk.fill(0);
  }
}

function finalWord(a: number, b: number, c: number, d: number): number {
  return (SBOX[a >>> 24] << 24) | (SBOX[(b >>> 16) & 0xff] << 16) |
    (SBOX[(c >>> 8) & 0xff] << 8) | SBOX[d & 0xff];
}

const counter = new Int32Array(4);

/**
 * AES counter mode of RFC 3711 §4.1.1: XORs `buf[start..end)` with the keystream
 * E(k, IV + j), j = 0, 1, … The low 16 bits of `iv[3]` must be zero (the IV is a
 * multiple of 2^16 in SRTP), so the block counter j is OR-ed into them: at most 2^16
 * blocks (1 MiB), far above a datagram.
 */
export function aesCmXor(
  aes: Aes128,
  iv: Int32Array,
  buf: Uint8Array,
  start: number,
  end: number,
): void {
  const c = counter;
  for (let off = start, j = 0; off < end; off += AES_BLOCK_BYTES, j++) {
    c[0] = iv[0];
    c[1] = iv[1];
    c[2] = iv[2];
    c[3] = iv[3] | j;
    aes.encryptBlock(c);
    const n = end - off < AES_BLOCK_BYTES ? end - off : AES_BLOCK_BYTES;
    for (let i = 0; i < n; i++) buf[off + i] ^= c[i >> 2] >>> (24 - ((i & 3) << 3));
  }
}
