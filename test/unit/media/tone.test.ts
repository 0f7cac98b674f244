import { describe, expect, it } from 'vitest';
import { createVoiceCodec } from '../../../src-main/media/voice-codec.js';
import {
  goertzelPower,
  SAMPLE_RATE,
  ToneDetector,
  ToneGenerator,
} from '../../../src-main/media/tone.js';
import { AUDIO_FRAME_SAMPLES as FRAME_SAMPLES } from '../../../src-shared/audio-format.js';

/**
 * Link frames through one call's codec and back: for G.711 down to 8 kHz, companded and up to
 * the link again, as a call's two ends do.
 */
function callThrough(codecName: 'PCMU' | 'PCMA' | 'G722'): (frame: Int16Array) => Int16Array {
  const codec = createVoiceCodec(codecName);
  return (frame) => codec.toLink(codec.decode(codec.encode(frame)));
}

describe('ToneGenerator', () => {
  it('makes 20 ms frames at the link rate (16 kHz) at the requested amplitude', () => {
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
      const step = (2 * Math.PI * frequency) / SAMPLE_RATE;
      const worst = joined.reduce(
        (most, sample, i) => Math.max(most, Math.abs(sample - 8000 * Math.sin(step * i))),
        0,
      );
      expect(worst).toBeLessThanOrEqual(1);
    }
  });
});

describe('Goertzel', () => {
  it('finds 1 kHz in a 1 kHz tone and not 1.5 kHz', () => {
    const tone = new ToneGenerator({ frequency: 1000 }).next();
    const at1000 = goertzelPower(tone, 1000);
    // (A·N/2)² for a pure tone of amplitude A over N samples.
    expect(at1000 / ((8000 * FRAME_SAMPLES) / 2) ** 2).toBeCloseTo(1, 2);
    expect(goertzelPower(tone, 1500)).toBeLessThan(at1000 * 1e-4);
  });
});

describe('ToneDetector', () => {
  it.each(['PCMU', 'PCMA'] as const)('hears 1 kHz through %s, and not 1.5 kHz', (law) => {
    const target = new ToneGenerator({ frequency: 1000, amplitude: 3000 });
    const other = new ToneGenerator({ frequency: 1500, amplitude: 3000 });
    const detector = new ToneDetector({ frequency: 1000 });
    const through = callThrough(law);
    // The first frame carries the filters' start; from the second on the tone is steady.
    through(target.next());
    for (let i = 0; i < 20; i++) expect(detector.push(through(target.next()))).toBe(true);
    expect(detector.present).toBe(true);
    through(other.next());
    for (let i = 0; i < 20; i++) expect(detector.push(through(other.next()))).toBe(false);
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
    const through = callThrough('PCMU');
    let seed = 3;
    for (let i = 0; i < 30; i++) {
      const frame = tone.next().map((sample) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return sample + Math.round((seed / 0x7fffffff - 0.5) * 600);
      });
      // Every third frame lost and played as silence by the jitter buffer.
      const heard = through(frame);
      detector.push(i % 3 === 2 || i === 0 ? new Int16Array(FRAME_SAMPLES) : heard);
    }
    expect(detector.toneFrames).toBe(19);
    expect(detector.present).toBe(true);
  });

  it('hears 5 kHz at 16 kHz through G.722, and not through G.711, whose band ends at 4 kHz', () => {
    for (const [codec, heard] of [
      ['G722', true],
      ['PCMU', false],
    ] as const) {
      const tone = new ToneGenerator({ frequency: 5000, amplitude: 6000 });
      const detector = new ToneDetector({ frequency: 5000 });
      const through = callThrough(codec);
      through(tone.next());
      for (let i = 0; i < 20; i++) detector.push(through(tone.next()));
      expect(detector.present).toBe(heard);
      expect(detector.toneFrames).toBe(heard ? 20 : 0);
    }
  });
});
