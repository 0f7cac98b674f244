import { describe, expect, it } from 'vitest';
import {
  callQualityWord,
  qualityWord,
  recentQuality,
} from '../../../src-renderer/src/call/quality-word.js';
import type { QualitySample } from '../../../src-renderer/src/call/quality-history.js';

function samples(count: number, received: number, lost: number, jitterMs: number) {
  return Array.from({ length: count }, (): QualitySample => ({
    jitterMs,
    lossPercent: (100 * lost) / Math.max(1, received + lost),
    packetsReceived: received,
    packetsLost: lost,
  }));
}

describe('the call quality word', () => {
  it('is Good only when loss, jitter and round trip are all low', () => {
    expect(qualityWord({ lossPercent: 0, jitterMs: 2 })).toBe('Good');
    expect(qualityWord({ lossPercent: 0.9, jitterMs: 29, rttMs: 299 })).toBe('Good');
    expect(qualityWord({ lossPercent: 1, jitterMs: 2 })).toBe('Fair');
    expect(qualityWord({ lossPercent: 0, jitterMs: 30 })).toBe('Fair');
    expect(qualityWord({ lossPercent: 0, jitterMs: 2, rttMs: 300 })).toBe('Fair');
  });

  it('is Poor when any one of them is bad', () => {
    expect(qualityWord({ lossPercent: 5, jitterMs: 60, rttMs: 600 })).toBe('Fair');
    expect(qualityWord({ lossPercent: 5.1, jitterMs: 2 })).toBe('Poor');
    expect(qualityWord({ lossPercent: 0, jitterMs: 61 })).toBe('Poor');
    expect(qualityWord({ lossPercent: 0, jitterMs: 2, rttMs: 601 })).toBe('Poor');
  });

  it('waits until media has flowed for two seconds; silence on hold gives no word', () => {
    expect(callQualityWord([])).toBeNull();
    expect(callQualityWord(samples(1, 50, 0, 1))).toBeNull();
    expect(callQualityWord([...samples(3, 0, 0, 0), ...samples(1, 50, 0, 1)])).toBeNull();
    expect(callQualityWord(samples(2, 50, 0, 1))).toBe('Good');
    expect(callQualityWord([...samples(2, 50, 0, 1), ...samples(5, 0, 0, 0)])).toBeNull();
  });

  it('looks at the last five seconds: loss over them, the latest jitter, the round trip given', () => {
    // 2 of 250 packets lost in the window (0.8 %): Good; an older burst outside it does not count.
    const history = [...samples(3, 25, 25, 1), ...samples(3, 50, 0, 4), ...samples(2, 49, 1, 5)];
    expect(recentQuality(history)).toEqual({ lossPercent: 0.8, jitterMs: 5 });
    expect(callQualityWord(history)).toBe('Good');
    expect(callQualityWord(history, 450)).toBe('Fair');
    expect(callQualityWord([...samples(4, 50, 0, 2), ...samples(1, 40, 10, 2)])).toBe('Fair');
    expect(callQualityWord(samples(5, 45, 5, 2))).toBe('Poor');
  });
});
