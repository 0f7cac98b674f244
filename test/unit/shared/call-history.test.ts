import { describe, expect, it } from 'vitest';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import { reasonForInviteStatus } from '../../../src-main/sip/sip-status.js';
import {
  CALL_OUTCOME_WORDS,
  callOutcomeSchema,
  historyEntryOf,
  historyEntrySchema,
} from '../../../src-shared/call-history.js';
import type { CallInfo } from '../../../src-shared/domain.js';

function call(direction: CallInfo['direction'], end: CallInfo['end'], answered = false): CallInfo {
  return {
    id: 'c1',
    direction,
    remote: '15145550100',
    remoteDisplayName: 'Alice Tremblay',
    state: 'ended',
    startedAt: '2026-11-24T10:00:00.000Z',
    answeredAt: answered ? '2026-11-24T10:00:04.000Z' : null,
    endedAt: '2026-11-24T10:02:10.400Z',
    end,
    codec: 'PCMU',
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
  };
}

/** The end an outgoing call gets from a final response, as the engine maps it. */
const refusedWith = (status: number) => ({ ...reasonForInviteStatus(status), sipStatus: status });

describe('a history entry', () => {
  it('carries what the History page shows: times, direction, duration, result, who', () => {
    const entry = historyEntryOf(
      call('incoming', { code: 'hangup-remote', message: 'The other side hung up' }, true),
    );
    expect(historyEntrySchema.parse(entry)).toEqual({
      id: 'c1',
      number: '15145550100',
      name: 'Alice Tremblay',
      direction: 'incoming',
      startedAt: '2026-11-24T10:00:00.000Z',
      answeredAt: '2026-11-24T10:00:04.000Z',
      endedAt: '2026-11-24T10:02:10.400Z',
      durationSeconds: 126,
      outcome: 'answered',
      result: 'The other side hung up',
      code: 'hangup-remote',
      sipStatus: null,
    });
  });

  it.each([
    [
      'the caller gave up',
      { code: 'cancelled', message: 'Missed call: the caller hung up' },
      'missed',
    ],
    ['refused while busy or on do not disturb', { code: 'busy', message: 'Busy' }, 'missed'],
    ['the caller timed out', { code: 'timeout', message: 'No answer' }, 'missed'],
    ['the user declined it', { code: 'rejected', message: 'You declined the call' }, 'declined'],
    [
      'the user hung up while it rang',
      { code: 'hangup-local', message: 'You hung up' },
      'declined',
    ],
  ] as const)('incoming and never answered, %s: %s', (_, end, outcome) => {
    const entry = historyEntryOf(call('incoming', end));
    expect(entry.outcome).toBe(outcome);
    expect(entry.durationSeconds).toBeNull();
  });

  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [603, 'declined'],
    [404, 'not-found'],
    [480, 'no-answer'],
    [408, 'no-answer'],
    [503, 'failed'],
    [488, 'failed'],
    [403, 'failed'],
    // A 487 reaches us only when we did not cancel: the far end gave up ringing.
    [487, 'no-answer'],
  ] as const)('outgoing and refused with %i: %s', (status, outcome) => {
    const entry = historyEntryOf(call('outgoing', refusedWith(status)));
    expect(entry).toMatchObject({ outcome, sipStatus: status, durationSeconds: null });
  });

  it('outgoing and hung up by the user before an answer: cancelled', () => {
    const entry = historyEntryOf(
      call('outgoing', { code: 'hangup-local', message: 'You hung up' }),
    );
    expect(entry.outcome).toBe('cancelled');
  });

  it('an answered call is answered however it ended', () => {
    const entry = historyEntryOf(
      call('outgoing', { code: 'hangup-local', message: 'You hung up' }, true),
    );
    expect(entry.outcome).toBe('answered');
  });

  it('has plain words for every outcome', () => {
    for (const outcome of callOutcomeSchema.options) {
      expect(CALL_OUTCOME_WORDS[outcome]).toMatch(/^[A-Z][a-z ]+$/);
    }
  });
});
