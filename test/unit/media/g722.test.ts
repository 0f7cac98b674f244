import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { G722Decoder, G722Encoder, G722_SAMPLE_RATE } from '../../../src-main/media/g722.js';
import { goertzelPower, ToneGenerator } from '../../../src-main/media/tone.js';

/**
 * Written by fixtures/g722-spandsp.c with spandsp 0.0.6 (the G.722 baresip's g722 module uses):
 * 8000 samples of 16 kHz input (a chirp to 14 kHz, noise with a 5 kHz tone, a clipped burst),
 * spandsp's 4000 octets for them, and spandsp's decoding of those octets.
 */
function spandspReference(): { input: Int16Array; codes: Uint8Array; decoded: Int16Array } {
  const file = readFileSync(new URL('./fixtures/g722-spandsp.bin', import.meta.url));
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength).slice();
  return {
    input: new Int16Array(bytes.buffer, 0, 8000),
    codes: bytes.subarray(16000, 20000),
    decoded: new Int16Array(bytes.buffer, 20000, 8000),
  };
}

function tone(frequency: number, amplitude: number, samples: number): Int16Array {
  const generator = new ToneGenerator({
    frequency,
    amplitude,
    sampleRate: G722_SAMPLE_RATE,
    frameSamples: samples,
  });
  return generator.next();
}

/** Signal-to-noise ratio of `decoded` against `input`, at the lag that fits best. */
function snrDb(input: Int16Array, decoded: Int16Array, skip: number): { snr: number; lag: number } {
  let best = { snr: -Infinity, lag: 0 };
  for (let lag = 0; lag < 64; lag++) {
    let signal = 0;
    let noise = 0;
    for (let i = skip; i + lag < decoded.length; i++) {
      const reference = input[i] ?? 0;
      signal += reference ** 2;
      noise += (reference - (decoded[i + lag] ?? 0)) ** 2;
    }
    const snr = 10 * Math.log10(signal / Math.max(1, noise));
    if (snr > best.snr) best = { snr, lag };
  }
  return best;
}

describe('G.722 against spandsp', () => {
  it('encodes every octet as spandsp does', () => {
    const { input, codes } = spandspReference();
    const ours = new G722Encoder().encode(input);
    expect(ours.length).toBe(codes.length);
    const differing = ours.findIndex((code, i) => code !== codes[i]);
    expect(differing).toBe(-1);
  });

  it('decodes spandsp octets to its samples, saturating where spandsp wraps around', () => {
    const { codes, decoded } = spandspReference();
    const ours = new G722Decoder().decode(codes);
    expect(ours.length).toBe(decoded.length);
    const differing = [...ours.keys()].filter((i) => ours[i] !== decoded[i]);
    // spandsp casts an out-of-range sum to 16 bits, so a clipped peak flips sign there.
    expect(differing.length).toBeLessThanOrEqual(4);
    for (const i of differing) {
      expect(Math.abs(ours[i] ?? 0)).toBeGreaterThanOrEqual(32767);
      expect(Math.sign(ours[i] ?? 0)).not.toBe(Math.sign(decoded[i] ?? 0));
    }
  });

  it('is carried 20 ms at a time: 320 samples in, 160 octets out, state kept across frames', () => {
    const { input, codes } = spandspReference();
    const encoder = new G722Encoder();
    const framed = new Uint8Array(codes.length);
    for (let frame = 0; frame * 320 < input.length; frame++) {
      const octets = encoder.encode(input.subarray(frame * 320, frame * 320 + 320));
      expect(octets.length).toBe(160);
      framed.set(octets, frame * 160);
    }
    expect([...framed]).toEqual([...codes]);
  });
});

describe('G.722 round trip', () => {
  it.each([
    [400, 8000],
    [1000, 16000],
    [3000, 4000],
    [5000, 8000],
    [6500, 8000],
  ])(
    'keeps a %i Hz tone of amplitude %i: its level, its frequency, and an SNR above 20 dB',
    (frequency, amplitude) => {
      const input = tone(frequency, amplitude, G722_SAMPLE_RATE / 2);
      const decoded = new G722Decoder().decode(new G722Encoder().encode(input));
      const { snr } = snrDb(input, decoded, 800);
      expect(snr).toBeGreaterThan(20);
      const settled = decoded.subarray(800);
      const rms = Math.sqrt(
        settled.reduce((sum, sample) => sum + sample * sample, 0) / settled.length,
      );
      expect(rms / (amplitude / Math.SQRT2)).toBeGreaterThan(0.89);
      expect(rms / (amplitude / Math.SQRT2)).toBeLessThan(1.12);
      const atTone = goertzelPower(settled, frequency, G722_SAMPLE_RATE);
      for (const other of [frequency / 2, frequency * 1.5, 8000 - frequency]) {
        expect(goertzelPower(settled, other, G722_SAMPLE_RATE)).toBeLessThan(atTone / 100);
      }
    },
  );

  it('delays the signal by its two QMFs only: 22 samples, under 1.4 ms', () => {
    const { input } = spandspReference();
    const noise = input.subarray(4000);
    const decoded = new G722Decoder().decode(new G722Encoder().encode(noise));
    const { snr, lag } = snrDb(noise, decoded, 400);
    expect(lag).toBe(22);
    expect(snr).toBeGreaterThan(6);
  });

  it('keeps silence silent and survives any octets', () => {
    const silence = new G722Decoder().decode(new G722Encoder().encode(new Int16Array(3200)));
    expect(Math.max(...silence.map(Math.abs))).toBeLessThan(8);
    const noise = Uint8Array.from({ length: 4000 }, (_, i) => (i * 151 + 7) & 0xff);
    const decoded = new G722Decoder().decode(noise);
    expect(decoded.length).toBe(8000);
    expect(decoded.every((sample) => Number.isInteger(sample))).toBe(true);
  });
});
