import { describe, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../../src-main/media/g711.js';
import { FRAME_SAMPLES } from '../../../src-main/media/jitter-buffer.js';
import { goertzelPower, ToneDetector, ToneGenerator } from '../../../src-main/media/tone.js';

const throughG711 = (frame: Int16Array, law: 'PCMU' | 'PCMA') =>
  decodeG711(encodeG711(frame, law), law);

describe('ToneGenerator', () => {
  it('makes 160-sample frames at the requested amplitude', () => {
    const frame = new ToneGenerator({ frequency: 1000, amplitude: 5000 }).next();
    expect(frame.length).toBe(FRAME_SAMPLES);
    expect(Math.max(...frame)).toBeGreaterThan(4900);
    expect(Math.max(...frame)).toBeLessThanOrEqual(5000);
  });

  it('keeps the phase continuous across frames', () => {
    for (const frequency of [400, 697, 1000, 3000]) {
      const generator = new ToneGenerator({ frequency });
      const joined: number[] = [];
      for (let i = 0; i < 60; i++) joined.push(...generator.next());
      // Compare with one uninterrupted sine: any jump at a frame boundary would show.
      const step = (2 * Math.PI * frequency) / 8000;
      joined.forEach((sample, i) => {
        expect(Math.abs(sample - 8000 * Math.sin(step * i))).toBeLessThanOrEqual(1);
      });
    }
  });
});

describe('Goertzel', () => {
  it('finds 1 kHz in a 1 kHz tone and not 1.5 kHz', () => {
    const tone = new ToneGenerator({ frequency: 1000 }).next();
    const at1000 = goertzelPower(tone, 1000);
    // (A·N/2)² for a pure tone of amplitude A over N samples.
    expect(at1000 / (8000 * 80) ** 2).toBeCloseTo(1, 2);
    expect(goertzelPower(tone, 1500)).toBeLessThan(at1000 * 1e-4);
  });
});

describe('ToneDetector', () => {
  it.each(['PCMU', 'PCMA'] as const)('hears 1 kHz through %s, and not 1.5 kHz', (law) => {
    const target = new ToneGenerator({ frequency: 1000, amplitude: 3000 });
    const other = new ToneGenerator({ frequency: 1500, amplitude: 3000 });
    const detector = new ToneDetector({ frequency: 1000 });
    for (let i = 0; i < 20; i++) expect(detector.push(throughG711(target.next(), law))).toBe(true);
    expect(detector.present).toBe(true);
    for (let i = 0; i < 20; i++) expect(detector.push(throughG711(other.next(), law))).toBe(false);
    expect(detector.present).toBe(false);
    expect(detector.toneFrames).toBe(20);
    expect(detector.framesSeen).toBe(40);
  });

  it('does not hear silence, faint hiss or loud noise as the tone', () => {
    const detector = new ToneDetector({ frequency: 1000 });
    let seed = 7;
    const noise = (level: number) =>
      Int16Array.from({ length: FRAME_SAMPLES }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return Math.round((seed / 0x7fffffff - 0.5) * 2 * level);
      });
    expect(detector.push(new Int16Array(FRAME_SAMPLES))).toBe(false);
    expect(detector.push(noise(50))).toBe(false);
    for (let i = 0; i < 20; i++) expect(detector.push(noise(20000))).toBe(false);
  });

  it('hears a quiet tone under noise, and forgives lost frames over its window', () => {
    const tone = new ToneGenerator({ frequency: 1000, amplitude: 2000 });
    const detector = new ToneDetector({ frequency: 1000 });
    let seed = 3;
    for (let i = 0; i < 30; i++) {
      const frame = tone.next().map((sample) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return sample + Math.round((seed / 0x7fffffff - 0.5) * 600);
      });
      // Every third frame lost and played as silence by the jitter buffer.
      detector.push(i % 3 === 2 ? new Int16Array(FRAME_SAMPLES) : throughG711(frame, 'PCMU'));
    }
    expect(detector.toneFrames).toBe(20);
    expect(detector.present).toBe(true);
  });
});
