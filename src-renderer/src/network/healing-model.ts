/**
 * What Natter healed by itself, and when, for the Network tab: a network change it reconnected
 * from, a registrar it moved away from, a call whose one-way audio it rescued. And, per call in
 * progress, which way its audio goes.
 */
import type {
  CallInfo,
  MediaAddress,
  NatStatus,
  NatStrategyId,
  Registration,
} from '../../../src-shared/domain.js';
import { describeRescue } from '../call/rescue-words.js';
import { networkChangeOutcome } from './nat-words.js';
import { partyNameOf } from '../../../src-shared/number-display.js';

export interface HealingEvent {
  /** Milliseconds since the epoch, for ordering and the time shown. */
  atMs: number;
  text: string;
}

/** Newest first. Times that do not parse are left out rather than shown as "Invalid Date". */
export function healingEvents(
  nat: NatStatus | null,
  registration: Registration,
  calls: readonly CallInfo[],
): HealingEvent[] {
  const events: HealingEvent[] = [];
  const change = nat?.networkChange;
  if (change) {
    events.push({
      atMs: Date.parse(change.at),
      // What changed is in the panel's "Network change" row; here only that it healed.
      text: `Network changed: ${networkChangeOutcome(change)}`,
    });
  }
  const failover = registration.failover;
  if (failover) {
    events.push({
      atMs: Date.parse(failover.at),
      text: `${failover.from} stopped answering: registered on ${failover.to}`,
    });
  }
  for (const call of calls) {
    if (!call.rescue || !call.answeredAt) continue;
    events.push({
      atMs: Date.parse(call.answeredAt) + call.rescue.at * 1000,
      text: `Call with ${partyNameOf(call.remoteDisplayName, call.remote)}: ${describeRescue(call.rescue)}`,
    });
  }
  return events.filter((event) => Number.isFinite(event.atMs)).sort((a, b) => b.atMs - a.atMs);
}

const PATH_WORDS: Record<NatStrategyId | 'local', string> = {
  local: 'direct, from this computer’s own address',
  none: 'direct, from this computer’s own address',
  stun: 'direct, to the public address STUN found',
  turn: 'through the TURN relay',
  portmap: 'direct, through a port the router opened',
};

/** Which way a call's audio goes, in words: the NAT strategy its media uses. */
export function callPathWords(media: MediaAddress | null): string {
  const source = media?.source;
  if (!source) return 'not connected yet';
  return PATH_WORDS[source as keyof typeof PATH_WORDS] ?? 'direct';
}
