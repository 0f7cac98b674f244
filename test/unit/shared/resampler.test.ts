import { describe, expect, it } from 'vitest';
import { createResampler, lowPassTaps } from '../../../src-shared/resampler.js';

const RATE = 16000;

/** Level of `samples` after the filter has settled, as RMS. */
function rms(samples: number[]): number {
  const tail = samples.slice(samples.length / 2);
  return Math.sqrt(tail.reduce((sum, value) => sum + value * value, 0) / tail.length);
}

function sine(frequency: number, rate: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) =>
    Math.sin((2 * Math.PI * frequency * i) / rate),
  );
}

/** Runs 16 kHz audio through the decimator in render quanta of 128. */
function down(input: Float32Array): number[] {
  const resampler = createResampler(2);
  const out: number[] = [];
  const scratch = new Float32Array(128);
  for (let start = 0; start < input.length; start += 128) {
    const count = resampler.down(input.subarray(start, start + 128), scratch);
    out.push(...scratch.subarray(0, count));
  }
  return out;
}

describe('the resampler between the 16 kHz link and G.711 (16 kHz ⇄ 8 kHz)', () => {
  it('keeps speech-band tones at their level and removes what would alias', () => {
    const level = Math.SQRT1_2;
    expect(rms(down(sine(1000, RATE, 8192))) / level).toBeCloseTo(1, 1);
    expect(rms(down(sine(3000, RATE, 8192))) / level).toBeGreaterThan(0.9);
    // 6 kHz would fold to 2 kHz at 8 kHz: it must be gone, not heard as a false tone.
    expect(rms(down(sine(6000, RATE, 8192))) / level).toBeLessThan(0.01);
  });

  it('interpolates 8 kHz audio to 16 kHz without images above 4 kHz', () => {
    const resampler = createResampler(2);
    const input = sine(1000, 8000, 4096);
    const out = new Float32Array(input.length * 2);
    const block = new Float32Array(128);
    for (let start = 0; start < input.length; start += 64) {
      resampler.up(input.subarray(start, start + 64), 64, block);
      out.set(block, start * 2);
    }
    const samples = [...out];
    expect(rms(samples) / Math.SQRT1_2).toBeCloseTo(1, 1);
    // The image of 1 kHz sits at 7 kHz: compare against the 1 kHz tone by correlation.
    const tail = samples.slice(4096);
    const power = (frequency: number) => {
      let re = 0;
      let im = 0;
      tail.forEach((value, i) => {
        re += value * Math.cos((2 * Math.PI * frequency * i) / RATE);
        im += value * Math.sin((2 * Math.PI * frequency * i) / RATE);
      });
      return re * re + im * im;
    };
    expect(power(7000) / power(1000)).toBeLessThan(1e-4);
  });

  it('skipping the zero taps filters exactly as the whole filter does, at ratios 2 and 3', () => {
    for (const ratio of [2, 3]) {
      const taps = lowPassTaps(ratio);
      // The windowed sinc crosses zero at each multiple of the ratio from its middle.
      const middle = (taps.length - 1) / 2;
      expect(
        taps.filter((_, n) => n !== middle && (n - middle) % ratio === 0).every((t) => t === 0),
      ).toBe(true);
      const wide = Float32Array.from(
        { length: 128 * 6 },
        (_, i) => Math.sin(i / 3) * Math.cos(i / 17),
      );
      const history = (i: number) => (i >= 0 ? (wide[i] ?? 0) : 0);
      // Decimation against the plain convolution with every tap.
      const resampler = createResampler(ratio);
      const quantum = 32 * ratio;
      const downOut = new Float32Array(128);
      for (let start = 0; start < wide.length; start += quantum) {
        const count = resampler.down(wide.subarray(start, start + quantum), downOut);
        for (let j = 0; j < count; j++) {
          const newest = start + j * ratio + ratio - 1;
          let expected = 0;
          taps.forEach((tap, t) => (expected += tap * history(newest - t)));
          expect(downOut[j]).toBeCloseTo(expected, 6);
        }
      }
      // Interpolation against zero-stuffing followed by the same plain convolution.
      const narrow = wide.subarray(0, 256);
      const stuffed = (i: number) => (i >= 0 && i % ratio === 0 ? (narrow[i / ratio] ?? 0) : 0);
      const upOut = new Float32Array(128);
      for (let start = 0; start < narrow.length; start += 32) {
        resampler.up(narrow.subarray(start, start + 32), 32, upOut);
        for (let i = 0; i < 32 * ratio; i++) {
          const at = start * ratio + i;
          let expected = 0;
          taps.forEach((tap, t) => (expected += tap * stuffed(at - t)));
          expect(upOut[i]).toBeCloseTo(expected * ratio, 6);
        }
      }
    }
  });

  it('takes a whole 20 ms link frame per call when made for it', () => {
    const resampler = createResampler(2, 320);
    const out = new Float32Array(160);
    const back = new Float32Array(320);
    const tone = sine(1000, RATE, 320 * 20);
    const levels: number[] = [];
    for (let start = 0; start < tone.length; start += 320) {
      expect(resampler.down(tone.subarray(start, start + 320), out)).toBe(160);
      resampler.up(out, 160, back);
      levels.push(...back);
    }
    expect(rms(levels) / Math.SQRT1_2).toBeCloseTo(1, 1);
  });

  it('passes audio through untouched at a ratio of one', () => {
    const resampler = createResampler(1);
    const input = sine(440, 8000, 128);
    const out = new Float32Array(128);
    expect(resampler.down(input, out)).toBe(128);
    expect([...out]).toEqual([...input]);
    // Up writes the `count` samples asked for and leaves the rest of the output as it was.
    const back = new Float32Array(128).fill(9);
    resampler.up(input, 100, back);
    expect([...back.subarray(0, 100)]).toEqual([...input.subarray(0, 100)]);
    expect(back[100]).toBe(9);
  });
});
