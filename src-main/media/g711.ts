/**
 * G.711 companding (ITU-T G.711, 11/1988): µ-law (PCMU, RTP payload type 0) and A-law (PCMA,
 * payload type 8) between 16-bit linear PCM and one octet per sample (RFC 3551 §4.5.14).
 *
 * The per-sample functions are the reference segment arithmetic (as in the public-domain Sun
 * `g711.c` every VoIP stack descends from). Bulk conversion goes through lookup tables built from
 * them once: 256 entries to decode, 65 536 to encode, so a 20 ms frame costs 160 array reads.
 */

/** The RTP encoding names of the two laws (RFC 3551 §6, Table 4). */
export type G711Law = 'PCMU' | 'PCMA';

/** µ-law adds this bias so that every segment boundary falls on a power of two. */
const MULAW_BIAS = 0x84;
/** Largest magnitude µ-law represents once the bias is added (G.711 Table 2a, 8159 × 4). */
const MULAW_CLIP = 32635;

/** Linear 16-bit sample → µ-law octet (G.711 Table 2a; transmitted bits inverted). */
export function encodeMuLawSample(sample: number): number {
  let magnitude = sample;
  const sign = magnitude < 0 ? 0x80 : 0;
  if (sign) magnitude = -magnitude;
  if (magnitude > MULAW_CLIP) magnitude = MULAW_CLIP;
  magnitude += MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** µ-law octet → linear 16-bit sample (the decision value of G.711 Table 2a, scaled by 4). */
export function decodeMuLawSample(code: number): number {
  const value = ~code & 0xff;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  // `0 - m` rather than `-m`: µ-law's negative zero (0x7F) must decode to 0, not -0.
  return value & 0x80 ? 0 - magnitude : magnitude;
}

/** Linear 16-bit sample → A-law octet (G.711 Table 1a; even bits inverted, hence `^ 0x55`). */
export function encodeALawSample(sample: number): number {
  let magnitude = sample;
  const sign = magnitude >= 0 ? 0x80 : 0;
  // A-law is symmetric around -½ LSB: -1 and 0 are mirror images, so negatives shift by one.
  if (!sign) magnitude = -magnitude - 1;
  if (magnitude > 32767) magnitude = 32767;
  let code: number;
  if (magnitude < 256) {
    code = magnitude >> 4;
  } else {
    let exponent = 1;
    for (let shifted = magnitude >> 8; shifted > 1 && exponent < 7; shifted >>= 1) exponent++;
    code = (exponent << 4) | ((magnitude >> (exponent + 3)) & 0x0f);
  }
  return (code | sign) ^ 0x55;
}

/** A-law octet → linear 16-bit sample (mid-point of the G.711 Table 1a interval, scaled by 8). */
export function decodeALawSample(code: number): number {
  const value = (code ^ 0x55) & 0xff;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude =
    exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return value & 0x80 ? magnitude : -magnitude;
}

const DECODE_TABLES: Record<G711Law, Int16Array> = {
  PCMU: Int16Array.from({ length: 256 }, (_, code) => decodeMuLawSample(code)),
  PCMA: Int16Array.from({ length: 256 }, (_, code) => decodeALawSample(code)),
};

/** Indexed by the sample's 16-bit two's-complement pattern (`sample & 0xffff`). */
const ENCODE_TABLES: Record<G711Law, Uint8Array> = {
  PCMU: Uint8Array.from({ length: 65536 }, (_, bits) => encodeMuLawSample((bits << 16) >> 16)),
  PCMA: Uint8Array.from({ length: 65536 }, (_, bits) => encodeALawSample((bits << 16) >> 16)),
};

/** Encodes 16-bit PCM into one G.711 octet per sample. */
export function encodeG711(pcm: Int16Array, law: G711Law): Uint8Array {
  const table = ENCODE_TABLES[law];
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[(pcm[i] ?? 0) & 0xffff] ?? 0;
  return out;
}

/** Decodes G.711 octets into 16-bit PCM; every octet is a valid code, so nothing can fail. */
export function decodeG711(payload: Uint8Array, law: G711Law): Int16Array {
  const table = DECODE_TABLES[law];
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i] ?? 0] ?? 0;
  return out;
}
