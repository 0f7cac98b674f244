/**
 * What the call screen says when the engine rescued one-way audio mid-call: what went wrong,
 * what was done, and whether it worked, in a person's words.
 */
import type { CallRescue, NatStrategyId } from '../../../src-shared/domain.js';

const MOVED_TO: Record<NatStrategyId, string> = {
  none: 'sent the direct address again',
  stun: 'sent the router’s new address',
  turn: 'switched to the relay',
  portmap: 'switched to a port the router opened for this call',
};

export function describeRescue(rescue: CallRescue): string {
  const action = MOVED_TO[rescue.to];
  return rescue.recovered
    ? `Audio was one-way; ${action} — audio is back.`
    : `Audio was one-way; ${action} and is waiting for audio…`;
}
