import { describe, expect, it } from 'vitest';
import {
  CALL_END_WORDS,
  callEndWords,
  type EndedCall,
} from '../../../src-shared/call-end-words.js';
import { callEndCodeSchema, type CallEndCode } from '../../../src-shared/domain.js';
import { reasonForInviteStatus } from '../../../src-main/sip/sip-status.js';

const ANSWERED = '2026-12-01T10:00:05.000Z';

function ended(
  code: CallEndCode,
  options: { sipStatus?: number; direction?: EndedCall['direction']; answered?: boolean } = {},
): EndedCall {
  return {
    direction: options.direction ?? 'outgoing',
    answeredAt: options.answered ? ANSWERED : null,
    end: {
      code,
      message: 'engine sentence',
      ...(options.sipStatus === undefined ? {} : { sipStatus: options.sipStatus }),
    },
  };
}

/** An outgoing call refused with `status`, ended as the engine ends it. */
function refusedWith(status: number): EndedCall {
  return ended(reasonForInviteStatus(status, 'Phrase').code, { sipStatus: status });
}

describe('why a call ended, in plain words', () => {
  it.each([
    [486, 'Busy'],
    [600, 'Busy'],
    [404, 'Number not found'],
    [484, 'Number not found'],
    [604, 'Number not found'],
    [603, 'Declined'],
    [408, 'No answer'],
    [480, 'No answer'],
    [487, 'No answer'],
    [500, 'Network problem'],
    [502, 'Network problem'],
    [503, 'Network problem'],
    [504, 'Network problem'],
    [401, 'Not allowed'],
    [403, 'Not allowed'],
    [407, 'Not allowed'],
    [488, 'No common audio format'],
    [606, 'No common audio format'],
    [420, 'Call failed'],
  ])('an outgoing call answered %i reads "%s"', (status, words) => {
    expect(callEndWords(refusedWith(status))).toBe(words);
  });

  it('says who hung up a call that was talking', () => {
    expect(callEndWords(ended('hangup-local', { answered: true }))).toBe('You hung up');
    expect(callEndWords(ended('hangup-remote', { answered: true }))).toBe('They hung up');
    expect(callEndWords(ended('hangup-local', { answered: true, direction: 'incoming' }))).toBe(
      'You hung up',
    );
  });

  it('tells a call given up before the answer from one declined', () => {
    expect(callEndWords(ended('hangup-local'))).toBe('Cancelled');
    expect(callEndWords(ended('hangup-local', { direction: 'incoming' }))).toBe('You declined');
    expect(callEndWords(ended('rejected', { direction: 'incoming' }))).toBe('You declined');
    expect(callEndWords(ended('cancelled', { direction: 'incoming' }))).toBe('Missed call');
    expect(callEndWords(ended('cancelled'))).toBe('Cancelled');
  });

  it('our own ring timeout is no answer', () => {
    expect(callEndWords(ended('timeout'))).toBe('No answer');
  });

  it('a call that got no final response at all is a network problem', () => {
    expect(callEndWords(ended('failed'))).toBe('Network problem');
    expect(callEndWords(ended('unavailable'))).toBe('Network problem');
  });

  it('the end code alone is enough where no status came with it', () => {
    expect(callEndWords(ended('busy'))).toBe('Busy');
    expect(callEndWords(ended('not-found'))).toBe('Number not found');
    expect(callEndWords(ended('declined'))).toBe('Declined');
    expect(callEndWords(ended('forbidden'))).toBe('Not allowed');
    expect(callEndWords(ended('auth-failed'))).toBe('Not allowed');
    expect(callEndWords(ended('not-acceptable'))).toBe('No common audio format');
    expect(callEndWords(ended('not-encrypted'))).toBe('Not encrypted');
  });

  it('has words for every end code, and none for a call still going', () => {
    for (const code of callEndCodeSchema.options) {
      for (const direction of ['incoming', 'outgoing'] as const) {
        expect(CALL_END_WORDS).toContain(callEndWords(ended(code, { direction })));
      }
    }
    expect(callEndWords({ direction: 'outgoing', answeredAt: null, end: null })).toBeNull();
  });
});
