import { describe, expect, it } from 'vitest';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import { endReasonWords, type EndedCall } from '../../../src-renderer/src/call/end-reason.js';
import {
  ENDED_SCREEN_MS,
  endedCallToShow,
  endedScreenLeftMs,
} from '../../../src-renderer/src/call/ended-call.js';
import { keyAction, type PressedKey } from '../../../src-renderer/src/call/call-keys.js';
import {
  callQualityWord,
  qualityWord,
  recentQuality,
} from '../../../src-renderer/src/call/quality-word.js';
import type { QualitySample } from '../../../src-renderer/src/call/quality-history.js';

type End = NonNullable<CallInfo['end']>;

function ended(end: End, options: { answered?: boolean; incoming?: boolean } = {}): EndedCall {
  return {
    direction: options.incoming ? 'incoming' : 'outgoing',
    answeredAt: options.answered ? '2026-12-01T10:00:00.000Z' : null,
    end,
  };
}

describe('the end of a call in plain words', () => {
  it('names what the far end or the provider answered', () => {
    expect(
      endReasonWords(ended({ code: 'busy', message: 'The line is busy', sipStatus: 486 })),
    ).toBe('Busy');
    expect(
      endReasonWords(ended({ code: 'not-found', message: 'No such number', sipStatus: 404 })),
    ).toBe('Number not found');
    expect(
      endReasonWords(ended({ code: 'declined', message: 'The call was declined', sipStatus: 603 })),
    ).toBe('Declined');
    expect(
      endReasonWords(ended({ code: 'unavailable', message: 'Not reachable', sipStatus: 480 })),
    ).toBe('No answer');
    expect(endReasonWords(ended({ code: 'timeout', message: 'Nobody answered' }))).toBe(
      'No answer',
    );
  });

  it('says who hung up, and tells a cancelled call from a declined one', () => {
    const local: End = { code: 'hangup-local', message: 'You hung up' };
    expect(endReasonWords(ended(local, { answered: true }))).toBe('You hung up');
    expect(endReasonWords(ended(local))).toBe('Cancelled');
    expect(endReasonWords(ended(local, { incoming: true }))).toBe('You declined');
    expect(
      endReasonWords(ended({ code: 'hangup-remote', message: 'They hung up' }, { answered: true })),
    ).toBe('They hung up');
    expect(
      endReasonWords(ended({ code: 'cancelled', message: 'Caller gave up' }, { incoming: true })),
    ).toBe('Missed call');
  });

  it('calls a call that got no answer at all, or a 5xx, a network problem', () => {
    expect(endReasonWords(ended({ code: 'failed', message: 'No response' }))).toBe(
      'Network problem',
    );
    expect(
      endReasonWords(ended({ code: 'unavailable', message: 'Provider down', sipStatus: 503 })),
    ).toBe('Network problem');
    expect(endReasonWords(ended({ code: 'failed', message: 'Odd', sipStatus: 499 }))).toBe(
      'Call failed',
    );
  });

  it('has no words for a call that has not ended', () => {
    expect(endReasonWords({ direction: 'outgoing', answeredAt: null, end: null })).toBeNull();
  });
});

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

  it('never shows calls that ended long ago (a reloaded page) or without an end time', () => {
    expect(endedCallToShow([call('a', 'ended', END - 60_000)], END, none)).toBeNull();
    expect(endedCallToShow([call('a', 'ended', null)], END, none)).toBeNull();
  });
});

describe('the phone keyboard', () => {
  const body = { tagName: 'BODY' };
  const press = (key: string, target: PressedKey['target'] = body, ctrlKey = false) => ({
    key,
    ctrlKey,
    metaKey: false,
    altKey: false,
    target,
  });

  it('types digits into the dialer from anywhere on the page, but not from another field', () => {
    expect(keyAction(press('7'), 'dialer')).toEqual({ kind: 'type', digit: '7' });
    expect(keyAction(press('#', { tagName: 'BUTTON' }), 'dialer')).toEqual({
      kind: 'type',
      digit: '#',
    });
    expect(keyAction(press('+'), 'dialer')).toEqual({ kind: 'type', digit: '+' });
    expect(keyAction(press('7', { tagName: 'INPUT' }), 'dialer')).toBeNull();
    expect(keyAction(press('7', { tagName: 'DIV', isContentEditable: true }), 'dialer')).toBeNull();
    expect(keyAction(press('a'), 'dialer')).toBeNull();
    expect(keyAction(press('Backspace'), 'dialer')).toEqual({ kind: 'erase' });
    expect(keyAction(press('Backspace', { tagName: 'INPUT' }), 'dialer')).toBeNull();
  });

  it('calls with Enter, and answers an incoming call with it, unless a button has the focus', () => {
    expect(keyAction(press('Enter'), 'dialer')).toEqual({ kind: 'dial' });
    expect(keyAction(press('Enter'), 'incoming')).toEqual({ kind: 'answer' });
    // Enter on a focused button presses that button (Decline, a recent call), nothing more.
    expect(keyAction(press('Enter', { tagName: 'BUTTON' }), 'incoming')).toBeNull();
    expect(keyAction(press('Enter', { tagName: 'button' }), 'dialer')).toBeNull();
    // In the number field the form's own submit dials: no second call.
    expect(keyAction(press('Enter', { tagName: 'INPUT' }), 'dialer')).toBeNull();
    expect(keyAction(press('Enter'), 'call')).toBeNull();
  });

  it('hangs up, cancels, declines or dismisses with Esc, wherever the focus is', () => {
    const onButton = { tagName: 'BUTTON' };
    expect(keyAction(press('Escape', onButton), 'call')).toEqual({ kind: 'hangup' });
    expect(keyAction(press('Escape'), 'outgoing')).toEqual({ kind: 'hangup' });
    expect(keyAction(press('Escape', onButton), 'incoming')).toEqual({ kind: 'decline' });
    expect(keyAction(press('Escape'), 'ended')).toEqual({ kind: 'dismiss' });
    expect(keyAction(press('Escape'), 'dialer')).toBeNull();
  });

  it('mutes with Ctrl+M during a call only; Cmd+M and Alt+M are left to the system', () => {
    expect(keyAction(press('m', body, true), 'call')).toEqual({ kind: 'toggle-mute' });
    expect(keyAction(press('M', { tagName: 'BUTTON' }, true), 'call')).toEqual({
      kind: 'toggle-mute',
    });
    expect(keyAction(press('m', body, true), 'outgoing')).toBeNull();
    expect(keyAction(press('m', body, true), 'dialer')).toBeNull();
    expect(keyAction({ ...press('m'), metaKey: true }, 'call')).toBeNull();
    expect(keyAction({ ...press('m'), altKey: true }, 'call')).toBeNull();
    expect(keyAction(press('m'), 'call')).toBeNull();
  });

  it('sends keypad tones for digits during a call, not before it is answered', () => {
    expect(keyAction(press('5'), 'call')).toEqual({ kind: 'dtmf', digit: '5' });
    expect(keyAction(press('*'), 'call')).toEqual({ kind: 'dtmf', digit: '*' });
    expect(keyAction(press('+'), 'call')).toBeNull();
    expect(keyAction(press('5', { tagName: 'SELECT' }), 'call')).toBeNull();
    expect(keyAction(press('5'), 'outgoing')).toBeNull();
    expect(keyAction(press('5', body, true), 'call')).toBeNull();
  });
});

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
