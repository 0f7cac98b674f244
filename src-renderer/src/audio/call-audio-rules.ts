/** Which call owns the devices and which tone plays: pure rules, tested without a sound card. */
import type { CallInfo } from '../../../src-shared/domain.js';

export type TonePattern = 'ring' | 'ringback';

/**
 * The tone the state calls for, if any: pure, so the rules are tested without a sound card. A
 * waiting call (one ringing while the user talks on another) never rings over the conversation:
 * main mixes the short call-waiting tone into that call's audio instead.
 */
export function toneFor(calls: readonly CallInfo[]): TonePattern | null {
  if (calls.some((call) => call.state === 'incoming' && call.waiting !== true)) return 'ring';
  if (calls.some((call) => call.state === 'connected' || call.state === 'early-media')) return null;
  if (calls.some((call) => call.direction === 'outgoing' && call.state === 'ringing')) {
    return 'ringback';
  }
  return null;
}

/** The call whose audio the devices carry: the newest one with media flowing. */
export function audioCallOf(calls: readonly CallInfo[]): CallInfo | null {
  const live = calls.filter((call) => call.state === 'connected' || call.state === 'early-media');
  return live[live.length - 1] ?? null;
}
