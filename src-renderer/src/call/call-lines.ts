/**
 * Which of several calls the call screen shows, as a two-line desk phone does: the call the user
 * talks on leads; a call ringing in meanwhile (call waiting) is a banner above it; calls on hold
 * are compact rows to switch to. Pure, so the rules are tested without a page.
 */
import type { CallInfo } from '../../../src-shared/domain.js';

export interface CallLines {
  /** The call the screen is about, or null when no call is in progress. */
  shown: CallInfo | null;
  /** A call ringing while the user talks on `shown`: answered by holding the current one. */
  waiting: CallInfo | null;
  /** Calls on hold other than `shown`, oldest first: each can be switched to. */
  held: CallInfo[];
}

const inProgress = (call: CallInfo) => call.state !== 'ended';
const isWaiting = (call: CallInfo) => call.state === 'incoming' && call.waiting === true;

/**
 * The lines of the call screen. The shown call is, in order: the newest call that is neither
 * ringing in nor on hold (the engine keeps at most one connected); else a call ringing in as an
 * ordinary call (nobody to disturb); else the newest call on hold, which the user can resume.
 */
export function callLinesOf(calls: readonly CallInfo[]): CallLines {
  const live = calls.filter(inProgress);
  const newest = (predicate: (call: CallInfo) => boolean) =>
    [...live].reverse().find(predicate) ?? null;
  const shown =
    newest((call) => call.state !== 'incoming' && call.state !== 'on-hold') ??
    newest((call) => call.state === 'incoming' && !isWaiting(call)) ??
    newest((call) => call.state === 'on-hold') ??
    // The engine says "waiting" only while another call talks; between its events, ring it.
    newest((call) => call.state === 'incoming');
  const waiting =
    live.find((call) => call !== shown && call.state === 'incoming' && call.waiting === true) ??
    null;
  const held = live.filter((call) => call !== shown && call.state === 'on-hold');
  return { shown, waiting, held };
}
