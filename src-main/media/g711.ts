/**
 * G.711 µ-law and A-law (ITU-T G.711) for 16-bit linear PCM. Decoding is table-driven; encoding
 * uses the standard segment search, fast enough for 8 kHz audio.
 */

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

export function encodeMuLawSample(sample: number): number {
  let pcm = sample;
  const sign = pcm < 0 ? 0x80 : 0;
  if (sign) pcm = -pcm;
  if (pcm > MULAW_CLIP) pcm = MULAW_CLIP;
  pcm += MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function decodeMuLawSample(code: number): number {
  const value = ~code & 0xff;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return sign ? -magnitude : magnitude;
}

export function encodeALawSample(sample: number): number {
  let pcm = sample;
  const sign = pcm >= 0 ? 0x80 : 0;
  if (!sign) pcm = -pcm - 1;
  if (pcm > 32767) pcm = 32767;
  let code: number;
  if (pcm < 256) {
    code = pcm >> 4;
  } else {
    let exponent = 1;
    for (let shifted = pcm >> 8; shifted > 1 && exponent < 7; shifted >>= 1) exponent++;
    code = (exponent << 4) | ((pcm >> (exponent + 3)) & 0x0f);
  }
  return (code | sign) ^ 0x55;
}

export function decodeALawSample(code: number): number {
  const value = code ^ 0x55;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  let magnitude =
    exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (!(value & 0x80)) magnitude = -magnitude;
  return magnitude;
}

const MULAW_TABLE = Int16Array.from({ length: 256 }, (_, code) => decodeMuLawSample(code));
const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, code) => decodeALawSample(code));

export type G711Law = 'PCMU' | 'PCMA';

/**
 * Encoding tables over every 16-bit sample (64 KiB each), built on first use: the send path runs
 * 8000 times a second per call, and a lookup is several times cheaper than the segment search.
 */
const encodeTables: Partial<Record<G711Law, Uint8Array>> = {};

function encodeTable(law: G711Law): Uint8Array {
  let table = encodeTables[law];
  if (!table) {
    const encode = law === 'PCMU' ? encodeMuLawSample : encodeALawSample;
    table = new Uint8Array(65536);
    for (let index = 0; index < 65536; index++) table[index] = encode(index - 32768);
    encodeTables[law] = table;
  }
  return table;
}

export function encodeG711(pcm: Int16Array, law: G711Law): Uint8Array {
  const table = encodeTable(law);
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[(pcm[i] ?? 0) + 32768] ?? 0;
  return out;
}

export function decodeG711(payload: Uint8Array, law: G711Law): Int16Array {
  const table = law === 'PCMU' ? MULAW_TABLE : ALAW_TABLE;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i] ?? 0] ?? 0;
  return out;
}
