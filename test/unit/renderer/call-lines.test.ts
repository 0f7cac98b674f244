import { describe, expect, it } from 'vitest';
import { callInfo } from '../../support/call-info.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import { callLinesOf } from '../../../src-renderer/src/call/call-lines.js';

let started = 0;
function call(id: string, state: CallInfo['state'], extra: Partial<CallInfo> = {}): CallInfo {
  started += 1;
  return callInfo({
    id,
    remote: `514555${id}`,
    state,
    startedAt: new Date(Date.UTC(2026, 10, 24, 10, 0, started)).toISOString(),
    waiting: false,
    ...extra,
  });
}

const ids = (lines: ReturnType<typeof callLinesOf>) => ({
  shown: lines.shown?.id ?? null,
  waiting: lines.waiting?.id ?? null,
  held: lines.held.map((held) => held.id),
});

describe('which call the call screen shows', () => {
  it('shows nothing without a call in progress', () => {
    expect(ids(callLinesOf([]))).toEqual({ shown: null, waiting: null, held: [] });
    expect(ids(callLinesOf([call('1', 'ended')]))).toEqual({
      shown: null,
      waiting: null,
      held: [],
    });
  });

  it('keeps the conversation on screen and puts a waiting call in a banner above it', () => {
    const calls = [call('1', 'connected'), call('2', 'incoming', { waiting: true })];
    expect(ids(callLinesOf(calls))).toEqual({ shown: '1', waiting: '2', held: [] });
  });

  it('with one call held, shows the connected one and lists the held one to switch to', () => {
    // Answered with "Answer and hold": the older call is held, the newer one talks.
    const answered = [call('1', 'on-hold'), call('2', 'connected')];
    expect(ids(callLinesOf(answered))).toEqual({ shown: '2', waiting: null, held: ['1'] });
    // Switched back: whichever is un-held leads, whatever its age.
    const switched = [call('1', 'connected'), call('2', 'on-hold')];
    expect(ids(callLinesOf(switched))).toEqual({ shown: '1', waiting: null, held: ['2'] });
  });

  it('ending the active call leaves the held one on screen, to resume', () => {
    const calls = [call('1', 'on-hold'), call('2', 'ended')];
    expect(ids(callLinesOf(calls))).toEqual({ shown: '1', waiting: null, held: [] });
  });

  it('a call ringing while the only other call is held rings as an ordinary call', () => {
    const calls = [call('1', 'on-hold'), call('2', 'incoming', { waiting: false })];
    expect(ids(callLinesOf(calls))).toEqual({ shown: '2', waiting: null, held: ['1'] });
  });

  it('a call placed while talking leads, the call it held waits on the side', () => {
    const calls = [
      call('1', 'on-hold'),
      call('2', 'ringing', { direction: 'outgoing' }),
      call('3', 'incoming', { waiting: true }),
    ];
    expect(ids(callLinesOf(calls))).toEqual({ shown: '2', waiting: '3', held: ['1'] });
  });

  it('a waiting call left alone between two engine events is shown ringing, not hidden', () => {
    const calls = [call('1', 'ended'), call('2', 'incoming', { waiting: true })];
    expect(ids(callLinesOf(calls))).toEqual({ shown: '2', waiting: null, held: [] });
  });
});
