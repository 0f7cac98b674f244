import { describe, expect, it } from 'vitest';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import { callInfo } from '../../support/call-info.js';
import type { CallInfo, RtpStats } from '../../../src-shared/domain.js';
import { audioCallOf, toneFor } from '../../../src-renderer/src/audio/call-audio-rules.js';
import { appendQualitySample, meterShare } from '../../../src-renderer/src/call/quality-history.js';

function call(id: string, state: CallInfo['state'], direction: CallInfo['direction'] = 'outgoing') {
  return callInfo({
    id,
    direction,
    remote: '4443',
    state,
    startedAt: `2026-11-24T10:00:0${id.length}.000Z`,
  });
}

describe('what the devices do for each call state', () => {
  it('rings for an incoming call, but never over a conversation (a waiting call)', () => {
    expect(toneFor([call('a', 'incoming', 'incoming')])).toBe('ring');
    expect(toneFor([{ ...call('a', 'incoming', 'incoming'), waiting: false }])).toBe('ring');
    const waiting = { ...call('bb', 'incoming', 'incoming'), waiting: true };
    // The short call-waiting tone comes in the call's own audio, from main.
    expect(toneFor([call('a', 'connected'), waiting])).toBeNull();
    // The other call held by hand: the engine clears `waiting`, and it rings as any call.
    expect(toneFor([call('a', 'on-hold'), { ...waiting, waiting: false }])).toBe('ring');
  });

  it('plays ringback only while our call rings without early audio', () => {
    expect(toneFor([call('a', 'ringing')])).toBe('ringback');
    expect(toneFor([call('a', 'early-media')])).toBeNull();
    expect(toneFor([call('a', 'calling')])).toBeNull();
    expect(toneFor([call('a', 'ended')])).toBeNull();
    expect(toneFor([])).toBeNull();
  });

  it('opens the devices for the newest call with media flowing, not a held one', () => {
    expect(audioCallOf([call('a', 'connected'), call('bb', 'early-media')])?.id).toBe('bb');
    expect(audioCallOf([call('a', 'on-hold')])).toBeNull();
    expect(audioCallOf([call('a', 'ringing'), call('bb', 'ended')])).toBeNull();
  });
});

describe('call quality history', () => {
  const stats = (received: number, lost: number, jitterMs: number): RtpStats => ({
    ...EMPTY_RTP_STATS,
    packetsReceived: received,
    packetsLost: lost,
    jitterMs,
  });

  it('measures loss per interval, so a burst shows as a spike', () => {
    let samples = appendQualitySample([], stats(0, 0, 0), stats(50, 0, 1.5));
    samples = appendQualitySample(samples, stats(50, 0, 1.5), stats(90, 10, 4));
    samples = appendQualitySample(samples, stats(90, 10, 4), stats(140, 10, 2));
    expect(samples).toEqual([
      { jitterMs: 1.5, lossPercent: 0, packetsReceived: 50, packetsLost: 0 },
      { jitterMs: 4, lossPercent: 20, packetsReceived: 40, packetsLost: 10 },
      { jitterMs: 2, lossPercent: 0, packetsReceived: 50, packetsLost: 0 },
    ]);
  });

  it('keeps one minute and treats a silent interval as no loss', () => {
    let samples = appendQualitySample([], stats(0, 0, 0), stats(0, 0, 0));
    expect(samples).toEqual([{ jitterMs: 0, lossPercent: 0, packetsReceived: 0, packetsLost: 0 }]);
    for (let i = 0; i < 100; i++)
      samples = appendQualitySample(samples, stats(0, 0, 0), stats(0, 0, 1));
    expect(samples).toHaveLength(60);
  });
});

describe('level meter scale', () => {
  it('maps -60..0 dBFS onto the meter', () => {
    expect(meterShare(0)).toBe(0);
    expect(meterShare(1)).toBe(1);
    expect(meterShare(0.001)).toBeCloseTo(0, 5);
    expect(meterShare(0.1)).toBeCloseTo(2 / 3, 5);
    expect(meterShare(0.0001)).toBe(0);
  });
});
