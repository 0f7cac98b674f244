import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../src-shared/call-history.js';
import { lastDialled } from '../../../src-renderer/src/dialer/redial.js';

function entry(number: string, direction: HistoryEntry['direction']): HistoryEntry {
  return {
    id: `${direction}-${number}`,
    number,
    name: null,
    direction,
    startedAt: '2026-12-03T10:00:00.000Z',
    answeredAt: null,
    endedAt: '2026-12-03T10:00:05.000Z',
    durationSeconds: null,
    outcome: direction === 'incoming' ? 'missed' : 'busy',
    result: 'The line is busy',
    code: null,
    sipStatus: null,
  };
}

describe('the number Call brings back on an empty dialer', () => {
  it('is the newest call placed, not a call that came in since', () => {
    const history = [
      entry('15145550177', 'incoming'),
      entry('4443', 'outgoing'),
      entry('18005550100', 'outgoing'),
    ];
    expect(lastDialled(history)).toEqual({ number: '4443', accountId: undefined });
  });

  it('keeps the account the call went out on, for the redial to go out on it again', () => {
    const history = [
      { ...entry('15145550177', 'outgoing'), accountId: 'office' },
      entry('4443', 'outgoing'),
    ];
    expect(lastDialled(history)).toEqual({ number: '15145550177', accountId: 'office' });
  });

  it('is none before a call was placed', () => {
    expect(lastDialled([])).toBeNull();
    expect(lastDialled([entry('15145550177', 'incoming')])).toBeNull();
  });

  it('skips an outgoing entry with no number', () => {
    expect(lastDialled([entry('', 'outgoing'), entry('4443', 'outgoing')])?.number).toBe('4443');
  });
});
