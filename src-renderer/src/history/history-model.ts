/**
 * What the History page says about each stored call, computed from the stored entry alone: its
 * day, time, direction, duration and result in words, and whether it was missed.
 */
import {
  CALL_OUTCOME_WORDS,
  type HistoryEntry,
  type HistoryShown,
} from '../../../src-shared/call-history.js';
import { foldedText, numberHoldsDigits, searchTextOf } from '../../../src-shared/contacts.js';

/** Calls of one local calendar day, newest first, under a heading a person reads at a glance. */
export interface HistoryDay {
  /** `YYYY-MM-DD` in local time: stable across renders, for keys. */
  key: string;
  label: string;
  entries: HistoryEntry[];
}

/** Incoming, never answered, and not turned down by the user: the call a person wants to return. */
export function isMissed(entry: HistoryEntry): boolean {
  return entry.outcome === 'missed';
}

/**
 * Missed calls that ended after `seenAt` (ms since the epoch), when History was last on screen:
 * the count the History tab carries until it is looked at again.
 */
export function missedSince(history: readonly HistoryEntry[], seenAt: number): number {
  return history.filter(
    (entry) => isMissed(entry) && Date.parse(entry.endedAt ?? entry.startedAt) > seenAt,
  ).length;
}

/** The result as one or two words: Answered, Missed, Declined, Busy, No answer… */
export function resultWords(entry: HistoryEntry): string {
  // A transferred call was answered, then handed on: the engine's words name to whom.
  if (entry.code === 'transferred' && entry.result) return entry.result;
  return CALL_OUTCOME_WORDS[entry.outcome];
}

export function directionWords(entry: HistoryEntry): string {
  return entry.direction === 'incoming' ? 'Incoming' : 'Outgoing';
}

/** `45 s`, `3 min 05 s`, `1 h 02 min`; empty for a call that never connected. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function timeText(entry: HistoryEntry, locale?: string): string {
  const started = new Date(entry.startedAt);
  if (Number.isNaN(started.getTime())) return '';
  // 'numeric', not '2-digit': "8:59 PM" as the Network page and the system clock write it.
  return started.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/**
 * When a call in the dialer's short list started, as a phone's recent calls say it: the time for
 * today's, "Yesterday", else the date, so yesterday's missed call does not pass for today's.
 */
export function recentWhenText(entry: HistoryEntry, now: Date, locale?: string): string {
  const started = new Date(entry.startedAt);
  if (Number.isNaN(started.getTime())) return '';
  const daysAgo = daysBefore(started, now);
  if (daysAgo === 0) return timeText(entry, locale);
  if (daysAgo === 1) return 'Yesterday';
  return started.toLocaleDateString(locale, {
    day: 'numeric',
    month: 'short',
    ...(started.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

const dayKey = (date: Date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

/** Local calendar days from `date` to `now`: 0 today, 1 yesterday. */
function daysBefore(date: Date, now: Date): number {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const day = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  return Math.round((today.getTime() - day.getTime()) / 86_400_000);
}

/** Today, Yesterday, or the weekday and date (with the year when it is not this year). */
export function dayLabel(date: Date, now: Date, locale?: string): string {
  const daysAgo = daysBefore(date, now);
  if (daysAgo === 0) return 'Today';
  if (daysAgo === 1) return 'Yesterday';
  return date.toLocaleDateString(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/**
 * Groups calls by the local day they started on, newest day first and newest call first within
 * a day. An entry with an unreadable date goes under "Earlier" at the end rather than vanish.
 */
export function groupByDay(
  entries: readonly HistoryEntry[],
  now: Date,
  locale?: string,
): HistoryDay[] {
  const dated = entries
    .map((entry) => ({ entry, at: Date.parse(entry.startedAt) }))
    .sort((a, b) => (Number.isNaN(a.at) ? 1 : Number.isNaN(b.at) ? -1 : b.at - a.at));
  const days: HistoryDay[] = [];
  for (const { entry, at } of dated) {
    const date = new Date(at);
    const key = Number.isNaN(at) ? 'earlier' : dayKey(date);
    let day = days.at(-1);
    if (!day || day.key !== key) {
      day = {
        key,
        label: Number.isNaN(at) ? 'Earlier' : dayLabel(date, now, locale),
        entries: [],
      };
      days.push(day);
    }
    day.entries.push(entry);
  }
  return days;
}

/**
 * The calls to list: all or the missed ones, narrowed to those whose name (the contact's, else
 * the caller's, as `nameOf` gives it) or number holds what was searched, found as the dialer
 * finds contacts: letters without case or accents, digits however the number was written.
 */
export function filterHistory(
  entries: readonly HistoryEntry[],
  shown: HistoryShown,
  query: string,
  nameOf: (entry: HistoryEntry) => string | null,
): HistoryEntry[] {
  const search = searchTextOf(query);
  return entries.filter((entry) => {
    if (shown === 'missed' && !isMissed(entry)) return false;
    if (search.text === '') return true;
    if (search.digits !== '') return numberHoldsDigits(entry.number, search);
    const name = nameOf(entry);
    return (
      (name !== null && foldedText(name).includes(search.text)) ||
      foldedText(entry.number).includes(search.text)
    );
  });
}
