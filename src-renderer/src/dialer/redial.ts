import type { HistoryEntry } from '../../../src-shared/call-history.js';

/**
 * The number Call brings back on an empty dialer, as on a desk phone or MicroSIP: the newest
 * call the user placed, whatever came in since. Null when no call was placed yet.
 */
export function lastDialled(history: readonly HistoryEntry[]): string | null {
  // History is kept newest first.
  const placed = history.find((entry) => entry.direction === 'outgoing' && entry.number !== '');
  return placed?.number ?? null;
}
