/**
 * When a new list of calls changes nothing the screens around a call show, kept apart from the
 * store (React and the DOM) so it runs in tests.
 */
import type { CallInfo } from '../../../src-shared/domain.js';

/**
 * The calls as the screens around a call see them: the same calls in the same states, whatever
 * their statistics, which main sends once a second per call and only the call screen's figures
 * show (read at its tick, call/second-tick.ts).
 */
export function sameCallsApartFromStats(
  previous: readonly CallInfo[],
  next: readonly CallInfo[],
): boolean {
  if (previous === next) return true;
  if (previous.length !== next.length) return false;
  return previous.every((call, index) => {
    const other = next[index];
    if (other === undefined) return false;
    if (call === other) return true;
    return JSON.stringify({ ...call, stats: null }) === JSON.stringify({ ...other, stats: null });
  });
}
