import { describe, expect, it } from 'vitest';
import { callOutcomeOf, type HistoryEntry } from '../../../src-shared/call-history.js';
import {
  dayLabel,
  durationText,
  filterHistory,
  groupByDay,
  isMissed,
  missedSince,
  recentWhenText,
  resultWords,
  timeText,
} from '../../../src-renderer/src/history/history-model.js';

const localIso = (y: number, m: number, d: number, h = 10, min = 0) =>
  new Date(y, m - 1, d, h, min).toISOString();

/** An entry as the store writes it: the outcome worked out from the facts, as for a real call. */
function entry(patch: Partial<Omit<HistoryEntry, 'outcome'>>): HistoryEntry {
  const facts = {
    id: 'c1',
    number: '15145550100',
    name: null,
    direction: 'incoming' as const,
    startedAt: localIso(2026, 12, 1),
    answeredAt: null,
    endedAt: null,
    durationSeconds: null,
    result: 'Missed call: the caller hung up',
    code: 'cancelled' as const,
    sipStatus: null,
    ...patch,
  };
  const outcome = callOutcomeOf({
    direction: facts.direction,
    answered: facts.durationSeconds !== null,
    code: facts.code,
    sipStatus: facts.sipStatus,
  });
  return { ...facts, outcome };
}

describe('history: missed calls', () => {
  it.each([
    ['caller hung up before we answered', entry({}), true],
    ['nobody answered and the engine ended it', entry({ code: 'timeout' }), true],
    ['refused while busy or in do not disturb', entry({ code: 'busy' }), true],
    ['ended with no reason recorded', entry({ code: null }), true],
    ['declined by the user', entry({ code: 'rejected' }), false],
    ['hung up by the user while ringing', entry({ code: 'hangup-local' }), false],
    ['answered', entry({ durationSeconds: 12, code: 'hangup-remote' }), false],
    ['answered and over in under a second', entry({ durationSeconds: 0 }), false],
    ['outgoing, unanswered', entry({ direction: 'outgoing', code: 'timeout' }), false],
  ] as const)('%s → missed %s', (_name, call, missed) => {
    expect(isMissed(call)).toBe(missed);
  });
});

describe('history: result in words', () => {
  it.each([
    [entry({}), 'Missed'],
    [entry({ code: 'rejected' }), 'Declined'],
    [entry({ durationSeconds: 65, code: 'hangup-local' }), 'Answered'],
    [entry({ direction: 'outgoing', durationSeconds: 3, code: 'hangup-remote' }), 'Answered'],
    [entry({ direction: 'outgoing', code: 'busy' }), 'Busy'],
    [entry({ direction: 'outgoing', code: 'not-found' }), 'Number not found'],
    [entry({ direction: 'outgoing', code: 'declined' }), 'Declined'],
    [entry({ direction: 'outgoing', code: 'timeout' }), 'No answer'],
    [entry({ direction: 'outgoing', code: 'hangup-local' }), 'Cancelled'],
    [entry({ direction: 'outgoing', code: 'not-acceptable' }), 'Failed'],
    [entry({ direction: 'outgoing', code: 'failed' }), 'Failed'],
    [entry({ direction: 'outgoing', code: null }), 'Failed'],
  ] as const)('%o → %s', (call, words) => {
    expect(resultWords(call)).toBe(words);
  });
});

describe('history: duration', () => {
  it.each([
    [null, ''],
    [0, '0 s'],
    [45, '45 s'],
    [65, '1 min 05 s'],
    [3599, '59 min 59 s'],
    [3720, '1 h 02 min'],
  ] as const)('%s s → "%s"', (seconds, text) => {
    expect(durationText(seconds)).toBe(text);
  });
});

describe('history: days and times', () => {
  const now = new Date(2026, 11, 1, 15, 0);

  it('names today, yesterday, then the weekday and date, with the year only when not this one', () => {
    expect(dayLabel(new Date(2026, 11, 1, 0, 5), now, 'en-US')).toBe('Today');
    expect(dayLabel(new Date(2026, 10, 30, 23, 59), now, 'en-US')).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 10, 27, 9), now, 'en-US')).toBe('Friday, November 27');
    expect(dayLabel(new Date(2025, 11, 31, 9), now, 'en-US')).toBe('Wednesday, December 31, 2025');
  });

  it('groups by local day, newest day and newest call first, whatever the stored order', () => {
    const days = groupByDay(
      [
        entry({ id: 'y1', startedAt: localIso(2026, 11, 30, 9) }),
        entry({ id: 't1', startedAt: localIso(2026, 12, 1, 8) }),
        entry({ id: 'bad', startedAt: 'not a date' }),
        entry({ id: 't2', startedAt: localIso(2026, 12, 1, 14) }),
        entry({ id: 'y2', startedAt: localIso(2026, 11, 30, 18) }),
      ],
      now,
      'en-US',
    );
    expect(days.map((day) => [day.label, day.entries.map((call) => call.id)])).toEqual([
      ['Today', ['t2', 't1']],
      ['Yesterday', ['y2', 'y1']],
      ['Earlier', ['bad']],
    ]);
    expect(days[0]?.key).toBe('2026-12-01');
  });

  it("says when a recent call was: today's time, Yesterday, else its date", () => {
    const today = new Date(2026, 11, 1, 15, 0);
    const at = (y: number, m: number, d: number, h: number, min = 0) =>
      entry({ startedAt: localIso(y, m, d, h, min) });
    expect(recentWhenText(at(2026, 12, 1, 8, 59), today, 'en-US')).toBe('8:59 AM');
    expect(recentWhenText(at(2026, 11, 30, 23, 5), today, 'en-US')).toBe('Yesterday');
    expect(recentWhenText(at(2026, 11, 27, 9), today, 'en-US')).toBe('Nov 27');
    expect(recentWhenText(at(2025, 12, 31, 9), today, 'en-US')).toBe('Dec 31, 2025');
    expect(recentWhenText(entry({ startedAt: 'garbage' }), today)).toBe('');
  });

  it('gives the time of day, and nothing for an unreadable date', () => {
    expect(timeText(entry({ startedAt: localIso(2026, 12, 1, 14, 7) }), 'en-GB')).toBe('14:07');
    expect(timeText(entry({ startedAt: 'garbage' }))).toBe('');
    expect(groupByDay([], now)).toEqual([]);
  });
});

describe('history: which calls are listed', () => {
  const missed = entry({ id: 'missed', number: '15145550177', name: 'Éloïse Roy' });
  const answered = entry({
    id: 'answered',
    number: '4443',
    direction: 'outgoing',
    answeredAt: localIso(2026, 12, 1, 10, 1),
    durationSeconds: 12,
    code: 'hangup-local',
  });
  const declined = entry({ id: 'declined', number: 'alice', code: 'rejected' });
  const all = [missed, answered, declined];
  const callerName = (e: HistoryEntry) => e.name;
  const ids = (entries: HistoryEntry[]) => entries.map((e) => e.id);

  it('lists every call, or only the missed ones (a declined call is not one to return)', () => {
    expect(ids(filterHistory(all, 'all', '', callerName))).toEqual([
      'missed',
      'answered',
      'declined',
    ]);
    expect(ids(filterHistory(all, 'missed', '', callerName))).toEqual(['missed']);
    expect(ids(filterHistory(all, 'missed', '   ', callerName))).toEqual(['missed']);
  });

  it('finds a name without its case or accents, and a SIP user by its letters', () => {
    expect(ids(filterHistory(all, 'all', 'eloise', callerName))).toEqual(['missed']);
    expect(ids(filterHistory(all, 'all', 'ROY', callerName))).toEqual(['missed']);
    expect(ids(filterHistory(all, 'all', 'ali', callerName))).toEqual(['declined']);
    expect(filterHistory(all, 'all', 'bob', callerName)).toEqual([]);
  });

  it('finds the name the address book gives a number, not only the one the caller sent', () => {
    const book = (e: HistoryEntry) => (e.number === '4443' ? 'Echo test' : e.name);
    expect(ids(filterHistory(all, 'all', 'echo', book))).toEqual(['answered']);
    expect(filterHistory(all, 'all', 'echo', callerName)).toEqual([]);
  });

  it('finds a number however it is written, and its digits anywhere in it', () => {
    expect(ids(filterHistory(all, 'all', '+1 (514) 555-0177', callerName))).toEqual(['missed']);
    expect(ids(filterHistory(all, 'all', '514-555', callerName))).toEqual(['missed']);
    expect(ids(filterHistory(all, 'all', '0177', callerName))).toEqual(['missed']);
    expect(ids(filterHistory(all, 'all', '444', callerName))).toEqual(['answered']);
    expect(filterHistory(all, 'all', '999', callerName)).toEqual([]);
  });

  it('narrows the missed calls by the search too', () => {
    expect(filterHistory(all, 'missed', '4443', callerName)).toEqual([]);
    expect(ids(filterHistory(all, 'missed', 'roy', callerName))).toEqual(['missed']);
  });
});

describe('missed calls not yet seen', () => {
  const at = (iso: string) => Date.parse(iso);
  const missed = (endedAt: string | null, startedAt = '2026-12-04T10:00:00Z') =>
    entry({ startedAt, endedAt });

  it('counts the missed calls that ended after History was last on screen', () => {
    const history = [
      missed('2026-12-04T10:05:00Z'),
      entry({
        answeredAt: '2026-12-04T10:05:30Z',
        endedAt: '2026-12-04T10:06:00Z',
        durationSeconds: 30,
        code: 'hangup-remote',
      }),
      missed('2026-12-04T09:00:00Z'),
    ];
    expect(missedSince(history, at('2026-12-04T10:00:00Z'))).toBe(1);
    expect(missedSince(history, at('2026-12-04T08:00:00Z'))).toBe(2);
    expect(missedSince(history, at('2026-12-04T11:00:00Z'))).toBe(0);
  });

  it('a call that began ringing before History was seen, and was missed after, counts', () => {
    const rangAcross = missed('2026-12-04T10:02:00Z', '2026-12-04T09:59:00Z');
    expect(missedSince([rangAcross], at('2026-12-04T10:00:00Z'))).toBe(1);
    // Without an end time, its start decides.
    expect(missedSince([missed(null, '2026-12-04T09:59:00Z')], at('2026-12-04T10:00:00Z'))).toBe(0);
  });
});
