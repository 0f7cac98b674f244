import { describe, expect, it } from 'vitest';
import type { CallInfo } from '../../../src-shared/domain.js';
import { callEndWords, type EndedCall } from '../../../src-shared/call-end-words.js';

type End = NonNullable<CallInfo['end']>;

function ended(end: End, options: { answered?: boolean; incoming?: boolean } = {}): EndedCall {
  return {
    direction: options.incoming ? 'incoming' : 'outgoing',
    answeredAt: options.answered ? '2026-12-01T10:00:00.000Z' : null,
    end,
  };
}

describe('the end of a call in plain words, as the ended-call screen shows it', () => {
  it('names what the far end or the provider answered', () => {
    expect(callEndWords(ended({ code: 'busy', message: 'The line is busy', sipStatus: 486 }))).toBe(
      'Busy',
    );
    expect(
      callEndWords(ended({ code: 'not-found', message: 'No such number', sipStatus: 404 })),
    ).toBe('Number not found');
    expect(
      callEndWords(ended({ code: 'declined', message: 'The call was declined', sipStatus: 603 })),
    ).toBe('Declined');
    expect(
      callEndWords(ended({ code: 'unavailable', message: 'Not reachable', sipStatus: 480 })),
    ).toBe('No answer');
    expect(callEndWords(ended({ code: 'timeout', message: 'Nobody answered' }))).toBe('No answer');
  });

  it('says who hung up, and tells a cancelled call from a declined one', () => {
    const local: End = { code: 'hangup-local', message: 'You hung up' };
    expect(callEndWords(ended(local, { answered: true }))).toBe('You hung up');
    expect(callEndWords(ended(local))).toBe('Cancelled');
    expect(callEndWords(ended(local, { incoming: true }))).toBe('You declined');
    expect(
      callEndWords(ended({ code: 'hangup-remote', message: 'They hung up' }, { answered: true })),
    ).toBe('They hung up');
    expect(
      callEndWords(ended({ code: 'cancelled', message: 'Caller gave up' }, { incoming: true })),
    ).toBe('Missed call');
  });

  it('calls a call that got no answer at all, or a 5xx, a network problem', () => {
    expect(callEndWords(ended({ code: 'failed', message: 'No response' }))).toBe('Network problem');
    expect(
      callEndWords(ended({ code: 'unavailable', message: 'Provider down', sipStatus: 503 })),
    ).toBe('Network problem');
    expect(callEndWords(ended({ code: 'failed', message: 'Odd', sipStatus: 499 }))).toBe(
      'Call failed',
    );
  });

  it('has no words for a call that has not ended', () => {
    expect(callEndWords({ direction: 'outgoing', answeredAt: null, end: null })).toBeNull();
  });
});
