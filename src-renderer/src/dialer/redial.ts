import type { HistoryEntry } from '../../../src-shared/call-history.js';

/** The call Call brings back on an empty dialer: its number, and the account it went out on. */
export interface LastDialled {
  number: string;
  /** Absent: the first account (as History stores it). */
  accountId: string | undefined;
}

/**
 * The call Call brings back on an empty dialer, as on a desk phone or MicroSIP: the newest call
 * the user placed, whatever came in since. Null when no call was placed yet.
 */
export function lastDialled(history: readonly HistoryEntry[]): LastDialled | null {
  // History is kept newest first.
  const placed = history.find((entry) => entry.direction === 'outgoing' && entry.number !== '');
  return placed ? { number: placed.number, accountId: placed.accountId } : null;
}
