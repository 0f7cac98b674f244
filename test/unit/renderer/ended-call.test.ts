import { describe, expect, it } from 'vitest';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import {
  callAgainLabel,
  ENDED_SCREEN_MS,
  endedCallToShow,
  endedScreenLeftMs,
} from '../../../src-renderer/src/call/ended-call.js';

function call(id: string, state: CallInfo['state'], endedAt: number | null): CallInfo {
  return {
    id,
    direction: 'outgoing',
    remote: '4443',
    remoteDisplayName: null,
    state,
    startedAt: '2026-12-01T09:59:00.000Z',
    answeredAt: null,
    endedAt: endedAt === null ? null : new Date(endedAt).toISOString(),
    end: state === 'ended' ? { code: 'busy', message: 'The line is busy', sipStatus: 486 } : null,
    codec: null,
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
  };
}

describe('the ended-call screen', () => {
  const END = Date.parse('2026-12-01T10:00:00.000Z');
  const none = new Set<string>();

  it('shows the end of the latest call for a few seconds, then lets the dialer return', () => {
    const calls = [call('old', 'ended', END - 1000), call('new', 'ended', END)];
    expect(endedCallToShow(calls, END + 10, none)?.id).toBe('new');
    expect(endedCallToShow(calls, END + ENDED_SCREEN_MS - 1, none)?.id).toBe('new');
    expect(endedCallToShow(calls, END + ENDED_SCREEN_MS, none)).toBeNull();
    expect(endedScreenLeftMs(calls[1]!, END + 1000)).toBe(ENDED_SCREEN_MS - 1000);
    expect(endedScreenLeftMs(calls[1]!, END + ENDED_SCREEN_MS + 5)).toBe(0);
  });

  it('goes away at once when dismissed, or when another call is in progress', () => {
    const calls = [call('done', 'ended', END)];
    expect(endedCallToShow(calls, END + 10, new Set(['done']))).toBeNull();
    expect(endedCallToShow([...calls, call('next', 'incoming', null)], END + 10, none)).toBeNull();
  });

  it('never announces a call the engine refused without ringing (do not disturb, one waiting)', () => {
    const refused: CallInfo = {
      ...call('dnd', 'ended', END),
      direction: 'incoming',
      end: { code: 'busy', message: 'Refused while Do not disturb was on', sipStatus: 486 },
    };
    expect(endedCallToShow([refused], END + 10, none)).toBeNull();
    // The user's own call that ended just before still shows its end.
    const own = call('own', 'ended', END - 100);
    expect(endedCallToShow([own, refused], END + 10, none)?.id).toBe('own');
  });

  it('never shows calls that ended long ago (a reloaded page) or without an end time', () => {
    expect(endedCallToShow([call('a', 'ended', END - 60_000)], END, none)).toBeNull();
    expect(endedCallToShow([call('a', 'ended', null)], END, none)).toBeNull();
  });
});

describe('the ended screen’s offer to call again', () => {
  const ended = call('c1', 'ended', Date.parse('2026-12-01T10:00:00.000Z'));

  it('calls again after a call placed, and back after one that came in', () => {
    expect(callAgainLabel(ended)).toBe('Call again');
    expect(callAgainLabel({ ...ended, direction: 'incoming', remote: '15145550177' })).toBe(
      'Call back',
    );
  });

  it('is not offered for a caller who withheld their number, nor after a transfer', () => {
    expect(callAgainLabel({ ...ended, direction: 'incoming', remote: 'anonymous' })).toBeNull();
    expect(
      callAgainLabel({ ...ended, end: { code: 'transferred', message: 'Transferred to 201' } }),
    ).toBeNull();
  });
});
