import { describe, expect, it } from 'vitest';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import type { CallInfo, RtpStats } from '../../../src-shared/domain.js';
import {
  NO_AUDIO_AFTER_MS,
  noAudioArriving,
} from '../../../src-renderer/src/call/call-watchdog.js';

const ANSWERED = Date.parse('2026-11-24T10:00:00.000Z');

function call(state: CallInfo['state'], stats: Partial<RtpStats>, answered = true): CallInfo {
  return {
    id: 'c1',
    direction: 'outgoing',
    remote: '4443',
    remoteDisplayName: null,
    state,
    startedAt: '2026-11-24T09:59:58.000Z',
    answeredAt: answered ? new Date(ANSWERED).toISOString() : null,
    endedAt: null,
    end: null,
    codec: 'PCMU',
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: { ...EMPTY_RTP_STATS, ...stats },
  };
}

describe('the one-way-audio watchdog', () => {
  const sending = { packetsSent: 200 };

  it('speaks up once a connected call has sent for 4 s and received nothing', () => {
    expect(noAudioArriving(call('connected', sending), ANSWERED + NO_AUDIO_AFTER_MS)).toBe(true);
    expect(noAudioArriving(call('connected', sending), ANSWERED + 60_000)).toBe(true);
  });

  it('waits the first 4 s: the far end’s first packets may still be on their way', () => {
    expect(noAudioArriving(call('connected', sending), ANSWERED + NO_AUDIO_AFTER_MS - 1)).toBe(
      false,
    );
  });

  it('stays quiet once a single packet arrived', () => {
    const stats = { packetsSent: 200, packetsReceived: 1 };
    expect(noAudioArriving(call('connected', stats), ANSWERED + 10_000)).toBe(false);
  });

  it('stays quiet when we send nothing either: that is not one-way audio', () => {
    expect(noAudioArriving(call('connected', {}), ANSWERED + 10_000)).toBe(false);
  });

  it.each(['on-hold', 'ringing', 'early-media', 'calling', 'ended'] as const)(
    'stays quiet while the call is %s',
    (state) => {
      expect(noAudioArriving(call(state, sending), ANSWERED + 10_000)).toBe(false);
    },
  );

  it('stays quiet for a call that was never answered', () => {
    expect(noAudioArriving(call('connected', sending, false), ANSWERED + 10_000)).toBe(false);
  });
});
