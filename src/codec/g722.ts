/**
 * G.722 decoder in TypeScript: ITU-T G.722 (11/88, 09/2012) sub-band ADPCM, 64 kbit/s mode
 * (mode 1) only, 16 kHz output. Pure and allocation-free per packet.
 *
 * Each byte carries one 8 kHz sample pair of the two sub-bands (G.722 §1.4.4; RFC 3551
 * §4.5.2: "octets ... with the most significant bit first", two samples per octet at 16 kHz,
 * RTP clock 8000 by the RFC's historical error):
 *
 *    7   6   5   4   3   2   1   0
 *  +-------+-----------------------+
 *  |  IH   |          IL           |   IH: higher sub-band, 2 bits (4–8 kHz)
 *  +-------+-----------------------+   IL: lower sub-band, 6 bits (0–4 kHz)
 *
 * Block names in comments are the G.722 §3 / §6 decoder blocks (INVQBL, LOGSCL, …). The
 * 24-tap receive QMF (§4.4.2) rebuilds two 16 kHz samples from each pair.
 */

/** G.722 §6.2.1 Table 14: lower sub-band 6-bit inverse quantiser outputs, ×8. */
const QM6 = Int32Array.from([
  -136,
  -136,
  -136,
  -136,
  -24808,
  -21904,
  -19008,
  -16704,
  -14984,
  -13512,
  -12280,
  -11192,
  -10232,
  -9360,
  -8576,
  -7856,
  -7192,
  -6576,
  -6000,
  -5456,
  -4944,
  -4464,
  -4008,
  -3576,
  -3168,
  -2776,
  -2400,
  -2032,
  -1688,
  -1360,
  -1040,
  -728,
  24808,
  21904,
  19008,
  16704,
  14984,
  13512,
  12280,
  11192,
  10232,
  9360,
  8576,
  7856,
  7192,
  6576,
  6000,
  5456,
  4944,
  4464,
  4008,
  3576,
  3168,
  2776,
  2400,
  2032,
  1688,
  1360,
  1040,
  728,
  432,
  136,
  -432,
  -136,
]);
/** Lower sub-band 4-bit inverse quantiser (the predictor's quantised difference). */
const QM4 = Int32Array.from([
  0,
  -20456,
  -12896,
  -8968,
  -6288,
  -4240,
  -2584,
  -1200,
  20456,
  12896,
  8968,
  6288,
  4240,
  2584,
  1200,
  0,
]);
/** Higher sub-band 2-bit inverse quantiser. */
const QM2 = Int32Array.from([-7408, -1616, 7408, 1616]);
/** LOGSCL: quantiser magnitude index → log scale factor multiplier (lower band). */
const RL42 = Int32Array.from([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
const WL = Int32Array.from([-60, -30, 58, 172, 334, 538, 1198, 3042]);
/** LOGSCH: higher band. */
const RH2 = Int32Array.from([2, 1, 2, 1]);
const WH = Int32Array.from([0, -214, 798]);
/** SCALEL/SCALEH: log-to-linear table. */
const ILB = Int32Array.from([
  2048,
  2093,
  2139,
  2186,
  2233,
  2282,
  2332,
  2383,
  2435,
  2489,
  2543,
  2599,
  2656,
  2714,
  2774,
  2834,
  2896,
  2960,
  3025,
  3091,
  3158,
  3228,
  3298,
  3371,
  3444,
  3520,
  3597,
  3676,
  3756,
  3838,
  3922,
  4008,
]);
/** G.722 §4.4.2 Table 11: QMF coefficients (h0…h11; the filter is symmetric). */
const QMF = Int32Array.from([3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11]);

function sat16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

// One sub-band's adaptive predictor state (G.722 §3.6, block 4), flat in an Int32Array:
const S = 0, SP = 1, SZ = 2, NB = 3, DET = 4;
// AP (14) is the layout slot of the delayed pole coefficients, named for the layout only.
// deno-lint-ignore no-unused-vars
const R = 5, P = 8, A = 11, AP = 14; // three each: [0] current, [1], [2] delayed
const D = 17, B = 24, BP = 31; // seven each
const BAND_SIZE = 38;

function newBand(det: number): Int32Array {
  const band = new Int32Array(BAND_SIZE);
  band[DET] = det;
  return band;
}

/** Block 4: reconstruction, pole/zero predictor adaptation and the next prediction. */
function block4(st: Int32Array, dq: number): void {
  st[D] = dq;
  st[R] = sat16(st[S] + dq); // RECONS
  const p0 = st[P] = sat16(st[SZ] + dq); // PARREC
  // UPPOL2
  const sg0 = p0 >> 15, sg1 = st[P + 1] >> 15, sg2 = st[P + 2] >> 15;
  const a1 = st[A + 1], a2 = st[A + 2];
  let wd1 = sat16(a1 << 2);
  let wd2 = sg0 === sg1 ? -wd1 : wd1;
  if (wd2 > 32767) wd2 = 32767;
  let wd3 = (wd2 >> 7) + (sg0 === sg2 ? 128 : -128) + ((a2 * 32512) >> 15);
  const ap2 = wd3 > 12288 ? 12288 : wd3 < -12288 ? -12288 : wd3;
  // UPPOL1
  let ap1 = sat16((sg0 === sg1 ? 192 : -192) + ((a1 * 32640) >> 15));
  wd3 = sat16(15360 - ap2);
  if (ap1 > wd3) ap1 = wd3;
  else if (ap1 < -wd3) ap1 = -wd3;
  // UPZERO
  wd1 = dq === 0 ? 0 : 128;
  const sgd = dq >> 15;
  for (let i = 1; i < 7; i++) {
    wd2 = (st[D + i] >> 15) === sgd ? wd1 : -wd1;
    st[BP + i] = sat16(wd2 + ((st[B + i] * 32640) >> 15));
  }
  // DELAYA
  for (let i = 6; i > 0; i--) {
    st[D + i] = st[D + i - 1];
    st[B + i] = st[BP + i];
  }
  st[R + 2] = st[R + 1];
  st[R + 1] = st[R];
  st[P + 2] = st[P + 1];
  st[P + 1] = p0;
  st[A + 1] = ap1;
  st[A + 2] = ap2;
  // FILTEP
  const sp = sat16(((ap1 * sat16(2 * st[R + 1])) >> 15) + ((ap2 * sat16(2 * st[R + 2])) >> 15));
  // FILTEZ
  let sz = 0;
  for (let i = 6; i > 0; i--) sz += (st[B + i] * sat16(2 * st[D + i])) >> 15;
  st[SP] = sp;
  st[SZ] = sz = sat16(sz);
  st[S] = sat16(sp + sz); // PREDIC
}

/**
 * A G.722 64 kbit/s decoder (mode 1): each payload byte gives two 16 kHz samples.
 * State runs across packets, as in one continuous stream.
 */
export class G722Decoder {
  #low = newBand(32);
  #high = newBand(8);
  /** Receive QMF delay line, doubled so the 24 taps are always contiguous. */
  #x = new Int32Array(48);
  #pos = 0;

  /** Decodes `src` into `dst` (which must hold 2 × src.length); returns samples written. */
  decode(src: Uint8Array, dst: Int16Array): number {
    const n = src.length;
    if (dst.length < 2 * n) return -1;
    const low = this.#low, high = this.#high, x = this.#x;
    let pos = this.#pos;
    for (let j = 0; j < n; j++) {
      const code = src[j];
      const il = code & 0x3f;
      const ih = code >> 6;
      // INVQBL + RECONS + LIMIT: the lower band's output sample
      let rlow = low[S] + ((low[DET] * QM6[il]) >> 15);
      rlow = rlow > 16383 ? 16383 : rlow < -16384 ? -16384 : rlow;
      // INVQAL: the 4-bit difference that drives adaptation
      const il4 = il >> 2;
      const dlow = (low[DET] * QM4[il4]) >> 15;
      // LOGSCL + SCALEL
      let nb = ((low[NB] * 127) >> 7) + WL[RL42[il4]];
      low[NB] = nb = nb < 0 ? 0 : nb > 18432 ? 18432 : nb;
      let sh = 8 - (nb >> 11);
      let w = ILB[(nb >> 6) & 31];
      low[DET] = (sh < 0 ? w << -sh : w >> sh) << 2;
      block4(low, dlow);
      // INVQAH + RECONS + LIMIT
      const dhigh = (high[DET] * QM2[ih]) >> 15;
      let rhigh = dhigh + high[S];
      rhigh = rhigh > 16383 ? 16383 : rhigh < -16384 ? -16384 : rhigh;
      // LOGSCH + SCALEH
      nb = ((high[NB] * 127) >> 7) + WH[RH2[ih]];
      high[NB] = nb = nb < 0 ? 0 : nb > 22528 ? 22528 : nb;
      sh = 10 - (nb >> 11);
      w = ILB[(nb >> 6) & 31];
      high[DET] = (sh < 0 ? w << -sh : w >> sh) << 2;
      block4(high, dhigh);
      // Receive QMF (§4.4.2): push the sum and difference, then two 12-tap dot products.
      // Written twice, 24 apart: the window [pos+2 … pos+25] holds the 24 newest values.
      if (pos === 24) pos = 0;
      x[pos] = x[pos + 24] = rlow + rhigh;
      x[pos + 1] = x[pos + 25] = rlow - rhigh;
      pos += 2;
      let xout1 = 0, xout2 = 0;
      for (let i = 0; i < 12; i++) {
        xout2 += x[pos + 2 * i] * QMF[i];
        xout1 += x[pos + 2 * i + 1] * QMF[11 - i];
      }
      dst[2 * j] = sat16(xout1 >> 11);
      dst[2 * j + 1] = sat16(xout2 >> 11);
    }
    this.#pos = pos;
    return 2 * n;
  }

  /** Back to the initial state (G.722 §6.1: reset). */
  reset(): void {
    this.#low = newBand(32);
    this.#high = newBand(8);
    this.#x.fill(0);
    this.#pos = 0;
  }
}
