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

/** Adaptive predictor state of one sub-band (G.722 §3.6, block 4). */
class Band {
  s = 0;
  sp = 0;
  sz = 0;
  nb = 0;
  det: number;
  readonly r = new Int32Array(3);
  readonly p = new Int32Array(3);
  readonly a = new Int32Array(3);
  readonly ap = new Int32Array(3);
  readonly d = new Int32Array(7);
  readonly b = new Int32Array(7);
  readonly bp = new Int32Array(7);

  constructor(det: number) {
    this.det = det;
  }

  /** Block 4: reconstruction, pole/zero predictor adaptation and the next prediction. */
  update(dq: number): void {
    const { r, p, a, ap, d, b, bp } = this;
    d[0] = dq;
    r[0] = sat16(this.s + dq); // RECONS
    p[0] = sat16(this.sz + dq); // PARREC
    // UPPOL2
    const sg0 = p[0] >> 15, sg1 = p[1] >> 15, sg2 = p[2] >> 15;
    let wd1 = sat16(a[1] << 2);
    let wd2 = sg0 === sg1 ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let wd3 = (wd2 >> 7) + (sg0 === sg2 ? 128 : -128);
    wd3 += (a[2] * 32512) >> 15;
    ap[2] = wd3 > 12288 ? 12288 : wd3 < -12288 ? -12288 : wd3;
    // UPPOL1
    wd1 = sg0 === sg1 ? 192 : -192;
    wd2 = (a[1] * 32640) >> 15;
    ap[1] = sat16(wd1 + wd2);
    wd3 = sat16(15360 - ap[2]);
    if (ap[1] > wd3) ap[1] = wd3;
    else if (ap[1] < -wd3) ap[1] = -wd3;
    // UPZERO
    wd1 = dq === 0 ? 0 : 128;
    const sgd = dq >> 15;
    for (let i = 1; i < 7; i++) {
      wd2 = (d[i] >> 15) === sgd ? wd1 : -wd1;
      bp[i] = sat16(wd2 + ((b[i] * 32640) >> 15));
    }
    // DELAYA
    for (let i = 6; i > 0; i--) {
      d[i] = d[i - 1];
      b[i] = bp[i];
    }
    for (let i = 2; i > 0; i--) {
      r[i] = r[i - 1];
      p[i] = p[i - 1];
      a[i] = ap[i];
    }
    // FILTEP
    this.sp = sat16(((a[1] * sat16(r[1] + r[1])) >> 15) + ((a[2] * sat16(r[2] + r[2])) >> 15));
    // FILTEZ
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += (b[i] * sat16(d[i] + d[i])) >> 15;
    this.sz = sat16(sz);
    this.s = sat16(this.sp + this.sz); // PREDIC
  }
}

/**
 * A G.722 64 kbit/s decoder (mode 1): each payload byte gives two 16 kHz samples.
 * State runs across packets, as in one continuous stream.
 */
export class G722Decoder {
  #low = new Band(32);
  #high = new Band(8);
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
      let rlow = low.s + ((low.det * QM6[il]) >> 15);
      rlow = rlow > 16383 ? 16383 : rlow < -16384 ? -16384 : rlow;
      // INVQAL: the 4-bit difference that drives adaptation
      const il4 = il >> 2;
      const dlow = (low.det * QM4[il4]) >> 15;
      // LOGSCL + SCALEL
      let nb = ((low.nb * 127) >> 7) + WL[RL42[il4]];
      low.nb = nb = nb < 0 ? 0 : nb > 18432 ? 18432 : nb;
      let sh = 8 - (nb >> 11);
      let w = ILB[(nb >> 6) & 31];
      low.det = (sh < 0 ? w << -sh : w >> sh) << 2;
      low.update(dlow);
      // INVQAH + RECONS + LIMIT
      const dhigh = (high.det * QM2[ih]) >> 15;
      let rhigh = dhigh + high.s;
      rhigh = rhigh > 16383 ? 16383 : rhigh < -16384 ? -16384 : rhigh;
      // LOGSCH + SCALEH
      nb = ((high.nb * 127) >> 7) + WH[RH2[ih]];
      high.nb = nb = nb < 0 ? 0 : nb > 22528 ? 22528 : nb;
      sh = 10 - (nb >> 11);
      w = ILB[(nb >> 6) & 31];
      high.det = (sh < 0 ? w << -sh : w >> sh) << 2;
      high.update(dhigh);
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
    this.#low = new Band(32);
    this.#high = new Band(8);
    this.#x.fill(0);
    this.#pos = 0;
  }
}
