import { describe, expect, it } from 'vitest';
import {
  decodeALawSample,
  decodeG711,
  decodeMuLawSample,
  encodeALawSample,
  encodeG711,
  encodeMuLawSample,
  type G711Law,
} from '../../../src-main/media/g711.js';

const reference = {
  PCMU: { encode: encodeMuLawSample, decode: decodeMuLawSample },
  PCMA: { encode: encodeALawSample, decode: decodeALawSample },
} as const;

describe('G.711 code points', () => {
  // Values of the ITU-T G.711 tables as every reference implementation produces them.
  it.each([
    [0, 0xff],
    [-1, 0x7f],
    [32767, 0x80],
    [-32768, 0x00],
    [1000, 0xce],
    [-1000, 0x4e],
  ])('µ-law encodes %i as 0x%s', (sample, code) => {
    expect(encodeMuLawSample(sample)).toBe(code);
  });

  it.each([
    [0xff, 0],
    [0x80, 32124],
    [0x00, -32124],
    [0xce, 988],
  ])('µ-law decodes 0x%s as %i', (code, sample) => {
    expect(decodeMuLawSample(code)).toBe(sample);
  });

  it.each([
    [0, 0xd5],
    [-1, 0x55],
    [32767, 0xaa],
    [-32768, 0x2a],
    [1000, 0xfa],
  ])('A-law encodes %i as 0x%s', (sample, code) => {
    expect(encodeALawSample(sample)).toBe(code);
  });

  it.each([
    [0xd5, 8],
    [0x55, -8],
    [0xaa, 32256],
    [0x2a, -32256],
    [0xfa, 1008],
  ])('A-law decodes 0x%s as %i', (code, sample) => {
    expect(decodeALawSample(code)).toBe(sample);
  });
});

describe.each(['PCMU', 'PCMA'] as const)('%s', (law: G711Law) => {
  const { encode, decode } = reference[law];

  it('maps every code back to itself through decode and encode', () => {
    for (let code = 0; code < 256; code++) {
      // µ-law has two zeros (0xFF and 0x7F); encoding zero yields the positive one.
      const expected = law === 'PCMU' && code === 0x7f ? 0xff : code;
      expect(encode(decode(code))).toBe(expected);
    }
  });

  it('bulk conversion agrees with the per-sample reference for every 16-bit value', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const encoded = encodeG711(all, law);
    const decoded = decodeG711(encoded, law);
    for (let i = 0; i < all.length; i++) {
      const sample = all[i] ?? 0;
      expect(encoded[i]).toBe(encode(sample));
      expect(decoded[i]).toBe(decode(encode(sample)));
    }
  });

  it('round-trips within the quantisation step, which grows with the amplitude', () => {
    const pcm = Int16Array.from({ length: 4000 }, (_, i) => Math.round(Math.sin(i / 7) * i * 8));
    const decoded = decodeG711(encodeG711(pcm, law), law);
    for (let i = 0; i < pcm.length; i++) {
      const original = pcm[i] ?? 0;
      expect(Math.abs((decoded[i] ?? 0) - original)).toBeLessThanOrEqual(
        Math.abs(original) / 16 + 16,
      );
    }
  });

  it('keeps a speech-level sine above 30 dB signal-to-noise', () => {
    const pcm = Int16Array.from({ length: 8000 }, (_, i) =>
      Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
    );
    const decoded = decodeG711(encodeG711(pcm, law), law);
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < pcm.length; i++) {
      signal += (pcm[i] ?? 0) ** 2;
      noise += ((decoded[i] ?? 0) - (pcm[i] ?? 0)) ** 2;
    }
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30);
  });

  it('is monotonic over the whole range', () => {
    let previous = -Infinity;
    for (let sample = -32768; sample <= 32767; sample += 37) {
      const value = decode(encode(sample));
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
  });
});
