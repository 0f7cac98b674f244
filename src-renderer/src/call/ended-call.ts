/**
 * Which ended call the call screen keeps showing: the end of a call stays on screen for a few
 * seconds with its reason, as a desk phone's display does, before the dialer returns.
 */
import { isWithheldNumber } from '../../../src-shared/dial-string.js';
import type { CallInfo } from '../../../src-shared/domain.js';

/** Long enough to read two words and a number; short enough not to be in the way. */
export const ENDED_SCREEN_MS = 4000;

/**
 * An incoming call the engine answered by itself, 486 (do not disturb, or a call already
 * waiting) or 302 (do not disturb forwarding it): it never rang here, so History lists it as
 * missed but no screen announces its end.
 */
export function refusedUnrung(call: CallInfo): boolean {
  if (call.direction !== 'incoming' || call.answeredAt !== null) return false;
  return call.end?.code === 'busy' || call.end?.sipStatus === 302;
}

/**
 * The call whose end to show at `now`: the latest to end within {@link ENDED_SCREEN_MS}, unless
 * it was dismissed, never rang ({@link refusedUnrung}), or another call is still in progress
 * (that one is shown instead).
 */
export function endedCallToShow(
  calls: readonly CallInfo[],
  now: number,
  dismissed: ReadonlySet<string>,
): CallInfo | null {
  if (calls.some((call) => call.state !== 'ended')) return null;
  let latest: { call: CallInfo; endedAt: number } | null = null;
  for (const call of calls) {
    if (call.state !== 'ended' || !call.endedAt || dismissed.has(call.id)) continue;
    if (refusedUnrung(call)) continue;
    const endedAt = Date.parse(call.endedAt);
    if (!Number.isFinite(endedAt) || now - endedAt >= ENDED_SCREEN_MS) continue;
    if (!latest || endedAt > latest.endedAt) latest = { call, endedAt };
  }
  return latest?.call ?? null;
}

/** Milliseconds until `call`'s end stops being shown (0 when it already has). */
export function endedScreenLeftMs(call: CallInfo, now: number): number {
  if (!call.endedAt) return 0;
  return Math.max(0, Date.parse(call.endedAt) + ENDED_SCREEN_MS - now);
}

/**
 * Whether the ended screen offers to call the other side again, and in what words: "Call again"
 * after a call placed (the line was busy, nobody answered, it dropped), "Call back" after one that
 * came in. Not for a caller who withheld their number, nor for a call handed on by a transfer.
 */
export function callAgainLabel(call: CallInfo): string | null {
  if (isWithheldNumber(call.remote) || call.end?.code === 'transferred') return null;
  return call.direction === 'outgoing' ? 'Call again' : 'Call back';
}
