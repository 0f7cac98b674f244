/**
 * G.722 wideband audio (ITU-T G.722, 09/2012), the 64 kbit/s mode: 16 kHz 16-bit PCM in, one
 * octet per two samples out. A quadrature mirror filter (QMF) splits the signal into a lower and
 * a higher 8 kHz sub-band; each is coded by its own backward-adaptive ADPCM (6 bits for the lower
 * band, 2 for the higher), so an octet is `(higher << 6) | lower` (G.722 §1.4.4), which is how
 * RTP carries it (RFC 3551 §4.5.2, payload type 9).
 *
 * Written here from the recommendation's block diagrams (the block names below are its own)
 * because npm has no maintained G.722 package: the few that exist are unmaintained ports or
 * native bindings. The arithmetic is the recommendation's fixed-point arithmetic, so the octets
 * are the same as any conforming codec's (baresip's, through spandsp, in the lab) and a far end
 * decodes what we mean.
 */

/** G.722 codes 16 kHz audio; RTP still counts it at 8000 Hz (RFC 3551 §4.5.2). */
export const G722_SAMPLE_RATE = 16000;

/** QMF coefficients h0..h11 (G.722 Table 11); the filter is symmetric, h23-i = hi. */
const QMF = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];
/** Lower band decision levels of the 6-bit quantizer, scaled (Table 6, Q6). */
const Q6 = [
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023,
  1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
];
/** The 6-bit codes of each decision interval, negative and positive (Table 6, ILN / ILP). */
const ILN = [
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10,
  9, 8, 7, 6, 5, 4, 0,
];
const ILP = [
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38,
  37, 36, 35, 34, 33, 32, 0,
];
/** Lower band inverse quantizer outputs for the 6-bit codes (Table 7, QQ6 scaled). */
const QM6 = [
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
  -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400,
  -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232,
  9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688,
  1360, 1040, 728, 432, 136, -432, -136,
];
/** Inverse quantizer of the 4-bit code that drives the lower band's adaptation (Table 7, QQ4). */
const QM4 = [
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200,
  0,
];
/** 4-bit code → its magnitude index, and the log-scale multipliers (Table 8, RIL4 / WL). */
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042];
/** Table 9's log-to-linear table (ILB), shared by both bands. */
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/** Higher band: inverse quantizer (Table 4, QQ2), codes (IHN / IHP) and adaptation (RIH2, WH). */
const QM2 = [-7408, -1616, 7408, 1616];
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];
const WH = [0, -214, 798];
const RH2 = [2, 1, 2, 1];

/** Log scale factor limits of the bands (blocks 3L and 3H) and their ILB shifts. */
const LOWER = { maxLog: 18432, shift: 8, initialScale: 32 };
const HIGHER = { maxLog: 22528, shift: 10, initialScale: 8 };

function saturate(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

/** One sub-band's ADPCM state: the adaptive predictor (two poles, six zeros) and the scale. */
class SubBand {
  /** Signal estimate (s), its pole and zero parts (sp, sz). */
  s = 0;
  private sp = 0;
  private sz = 0;
  /** Reconstructed signals r, partial reconstructions p, quantized differences d; newest first. */
  private readonly r = [0, 0, 0];
  private readonly p = [0, 0, 0];
  private readonly d = [0, 0, 0, 0, 0, 0, 0];
  /** Pole (a) and zero (b) predictor coefficients, with their updates (ap, bp). */
  private readonly a = [0, 0, 0];
  private readonly ap = [0, 0, 0];
  private readonly b = [0, 0, 0, 0, 0, 0, 0];
  private readonly bp = [0, 0, 0, 0, 0, 0, 0];
  /** Log scale factor (nb) and the linear scale it gives (det). */
  private nb = 0;
  det: number;

  constructor(private readonly limits: typeof LOWER) {
    this.det = limits.initialScale;
  }

  /** Blocks 3L/3H, LOGSCL and SCALEL: adapt the scale by the code's multiplier. */
  adaptScale(multiplier: number): void {
    let nb = ((this.nb * 127) >> 7) + multiplier;
    if (nb < 0) nb = 0;
    else if (nb > this.limits.maxLog) nb = this.limits.maxLog;
    this.nb = nb;
    const fraction = (nb >> 6) & 31;
    const shift = this.limits.shift - (nb >> 11);
    const linear = shift < 0 ? (ILB[fraction] ?? 0) << -shift : (ILB[fraction] ?? 0) >> shift;
    this.det = linear << 2;
  }

  /** Block 4: reconstruct, adapt the predictor to the quantized difference, predict the next. */
  adaptPredictor(difference: number): void {
    const { r, p, d, a, ap, b, bp } = this;
    d[0] = difference;
    r[0] = saturate(this.s + difference);
    p[0] = saturate(this.sz + difference);

    // UPPOL2: the second pole coefficient.
    const sign0 = (p[0] ?? 0) >> 15;
    const sign1 = (p[1] ?? 0) >> 15;
    const sign2 = (p[2] ?? 0) >> 15;
    const a1Times4 = saturate((a[1] ?? 0) << 2);
    let wd2 = sign0 === sign1 ? -a1Times4 : a1Times4;
    if (wd2 > 32767) wd2 = 32767;
    let a2 = (wd2 >> 7) + (sign0 === sign2 ? 128 : -128) + (((a[2] ?? 0) * 32512) >> 15);
    if (a2 > 12288) a2 = 12288;
    else if (a2 < -12288) a2 = -12288;
    ap[2] = a2;

    // UPPOL1: the first pole coefficient, bounded so that the two poles stay stable.
    let a1 = saturate((sign0 === sign1 ? 192 : -192) + (((a[1] ?? 0) * 32640) >> 15));
    const bound = saturate(15360 - a2);
    if (a1 > bound) a1 = bound;
    else if (a1 < -bound) a1 = -bound;
    ap[1] = a1;

    // UPZERO: the six zero coefficients, sign-sign adaptation with leakage.
    const step = difference === 0 ? 0 : 128;
    const differenceSign = difference >> 15;
    for (let i = 1; i < 7; i++) {
      const same = (d[i] ?? 0) >> 15 === differenceSign;
      bp[i] = saturate((same ? step : -step) + (((b[i] ?? 0) * 32640) >> 15));
    }

    // DELAYA: shift the histories.
    for (let i = 6; i > 0; i--) {
      d[i] = d[i - 1] ?? 0;
      b[i] = bp[i] ?? 0;
    }
    for (let i = 2; i > 0; i--) {
      r[i] = r[i - 1] ?? 0;
      p[i] = p[i - 1] ?? 0;
      a[i] = ap[i] ?? 0;
    }

    // FILTEP, FILTEZ, PREDIC.
    const pole1 = ((a[1] ?? 0) * saturate((r[1] ?? 0) * 2)) >> 15;
    const pole2 = ((a[2] ?? 0) * saturate((r[2] ?? 0) * 2)) >> 15;
    this.sp = saturate(pole1 + pole2);
    let zeros = 0;
    for (let i = 6; i > 0; i--) zeros += ((b[i] ?? 0) * saturate((d[i] ?? 0) * 2)) >> 15;
    this.sz = saturate(zeros);
    this.s = saturate(this.sp + this.sz);
  }
}

/** The transmit or receive QMF's delay line: 24 samples, the newest pair at the end. */
class QmfLine {
  private readonly x = new Int32Array(24);

  push(first: number, second: number): void {
    this.x.copyWithin(0, 2);
    this.x[22] = first;
    this.x[23] = second;
  }

  /** The even- and odd-indexed halves of the filter, the polyphase branches of the QMF. */
  sums(): [number, number] {
    let even = 0;
    let odd = 0;
    for (let i = 0; i < 12; i++) {
      even += (this.x[2 * i] ?? 0) * (QMF[i] ?? 0);
      odd += (this.x[2 * i + 1] ?? 0) * (QMF[11 - i] ?? 0);
    }
    return [even, odd];
  }
}

/** A G.722 encoder for one stream: its state carries from one frame to the next. */
export class G722Encoder {
  private readonly qmf = new QmfLine();
  private readonly lower = new SubBand(LOWER);
  private readonly higher = new SubBand(HIGHER);

  /** Encodes 16 kHz PCM (an even number of samples) into one octet per two samples. */
  encode(pcm: Int16Array): Uint8Array {
    const out = new Uint8Array(pcm.length >> 1);
    for (let n = 0; n < out.length; n++) {
      this.qmf.push(pcm[2 * n] ?? 0, pcm[2 * n + 1] ?? 0);
      const [even, odd] = this.qmf.sums();
      // The sum and difference of the branches are the two sub-bands, at half the rate.
      out[n] = (this.encodeHigher((odd - even) >> 14) << 6) | this.encodeLower((odd + even) >> 14);
    }
    return out;
  }

  /** Blocks 1L (SUBTRA, QUANTL), 2L (INVQAL), 3L and 4L. */
  private encodeLower(sample: number): number {
    const band = this.lower;
    const error = saturate(sample - band.s);
    const magnitude = error >= 0 ? error : -(error + 1);
    let interval = 1;
    while (interval < 30 && magnitude >= ((Q6[interval] ?? 0) * band.det) >> 12) interval++;
    const code = error < 0 ? (ILN[interval] ?? 0) : (ILP[interval] ?? 0);
    const code4 = code >> 2;
    const difference = (band.det * (QM4[code4] ?? 0)) >> 15;
    band.adaptScale(WL[RL42[code4] ?? 0] ?? 0);
    band.adaptPredictor(difference);
    return code;
  }

  /** Blocks 1H (SUBTRA, QUANTH), 2H (INVQAH), 3H and 4H. */
  private encodeHigher(sample: number): number {
    const band = this.higher;
    const error = saturate(sample - band.s);
    const magnitude = error >= 0 ? error : -(error + 1);
    const level = magnitude >= (564 * band.det) >> 12 ? 2 : 1;
    const code = error < 0 ? (IHN[level] ?? 0) : (IHP[level] ?? 0);
    const difference = (band.det * (QM2[code] ?? 0)) >> 15;
    band.adaptScale(WH[RH2[code] ?? 0] ?? 0);
    band.adaptPredictor(difference);
    return code;
  }
}

/** A G.722 decoder for one stream; every octet is a valid code, so nothing can fail. */
export class G722Decoder {
  private readonly qmf = new QmfLine();
  private readonly lower = new SubBand(LOWER);
  private readonly higher = new SubBand(HIGHER);

  /** Decodes octets into 16 kHz PCM, two samples per octet. */
  decode(payload: Uint8Array): Int16Array {
    const out = new Int16Array(payload.length * 2);
    for (let n = 0; n < payload.length; n++) {
      const code = payload[n] ?? 0;
      const low = this.decodeLower(code & 0x3f);
      const high = this.decodeHigher(code >> 6);
      this.qmf.push(low + high, low - high);
      const [even, odd] = this.qmf.sums();
      out[2 * n] = saturate(odd >> 11);
      out[2 * n + 1] = saturate(even >> 11);
    }
    return out;
  }

  /** Blocks 5L (INVQBL, RECONS), 6L (LIMIT); the 4-bit code adapts as in the encoder. */
  private decodeLower(code: number): number {
    const band = this.lower;
    const reconstructed = band.s + ((band.det * (QM6[code] ?? 0)) >> 15);
    const output = Math.max(-16384, Math.min(16383, reconstructed));
    const code4 = code >> 2;
    const difference = (band.det * (QM4[code4] ?? 0)) >> 15;
    band.adaptScale(WL[RL42[code4] ?? 0] ?? 0);
    band.adaptPredictor(difference);
    return output;
  }

  /** Blocks 2H (INVQAH), 5H (RECONS), 6H (LIMIT), 3H and 4H. */
  private decodeHigher(code: number): number {
    const band = this.higher;
    const difference = (band.det * (QM2[code] ?? 0)) >> 15;
    const output = Math.max(-16384, Math.min(16383, difference + band.s));
    band.adaptScale(WH[RH2[code] ?? 0] ?? 0);
    band.adaptPredictor(difference);
    return output;
  }
}
