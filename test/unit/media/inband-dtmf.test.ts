import { describe, expect, it } from 'vitest';
import { InbandDtmf } from '../../../src-main/media/inband-dtmf.js';
import { dtmfFrequencies } from '../../../src-shared/dtmf-frequencies.js';
import { AUDIO_FRAME_SAMPLES } from '../../../src-shared/audio-format.js';
import { digitOfFrame, digitsOfFrames } from '../../support/dtmf-tones.js';

function drain(dtmf: InbandDtmf): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let frame = dtmf.next(); frame; frame = dtmf.next()) frames.push(frame);
  return frames;
}

describe('DTMF as tones in the audio', () => {
  it('pairs each key with its Q.23 frequencies', () => {
    expect(dtmfFrequencies('1')).toEqual({ lowHz: 697, highHz: 1209 });
    expect(dtmfFrequencies('5')).toEqual({ lowHz: 770, highHz: 1336 });
    expect(dtmfFrequencies('#')).toEqual({ lowHz: 941, highHz: 1477 });
    expect(dtmfFrequencies('d')).toEqual({ lowHz: 941, highHz: 1633 });
    expect(dtmfFrequencies('x')).toBeNull();
    expect(dtmfFrequencies('12')).toBeNull();
  });

  it('sends every key so a receiver reads it back, each press once, paced 100 ms on, 60 ms off', () => {
    const dtmf = new InbandDtmf();
    expect(dtmf.enqueue('0123456789*#ABCD x')).toBe('0123456789*#ABCD');
    const frames = drain(dtmf);
    // 5 frames of tone and 3 of silence per key, 20 ms each.
    expect(frames).toHaveLength(16 * 8);
    expect(frames.every((frame) => frame.length === AUDIO_FRAME_SAMPLES)).toBe(true);
    expect(digitsOfFrames(frames)).toBe('0123456789*#ABCD');
    const first = frames.slice(0, 8).map((frame) => digitOfFrame(frame));
    expect(first).toEqual(['0', '0', '0', '0', '0', null, null, null]);
    expect(frames[6]?.every((sample) => sample === 0)).toBe(true);
  });

  it('a key pressed twice is two presses, with the silence between', () => {
    const dtmf = new InbandDtmf();
    dtmf.enqueue('55');
    expect(digitsOfFrames(drain(dtmf))).toBe('55');
  });

  it('stays below full scale, and starts each tone without a jump', () => {
    const dtmf = new InbandDtmf();
    dtmf.enqueue('D');
    const [first] = drain(dtmf);
    let peak = 0;
    for (const sample of first ?? []) peak = Math.max(peak, Math.abs(sample));
    expect(peak).toBeLessThan(16_000);
    expect(Math.abs(first?.[0] ?? Infinity)).toBeLessThan(500);
  });

  it('is idle when nothing is queued, and clear() drops a key under way', () => {
    const dtmf = new InbandDtmf();
    expect(dtmf.next()).toBeNull();
    dtmf.enqueue('12');
    dtmf.next();
    dtmf.clear();
    expect(dtmf.pending).toBe(false);
    expect(dtmf.next()).toBeNull();
  });
});
