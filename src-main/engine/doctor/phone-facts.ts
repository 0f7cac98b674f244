/**
 * What the doctor learns beyond its own steps: the registrar's view of the test phone's SIP
 * socket beside STUN's, and what the running phone healed by itself this session (one-way audio
 * it rescued, the last network change). Each becomes a sentence under the verdict; the
 * registrar's view can also change the verdict, because it is the one NAT test that looks from
 * voip.ms's side.
 */
import type {
  NatStatus,
  NatStrategyId,
  NetworkChange,
  TransportAddress,
} from '../../../src-shared/domain.js';

/** What the running phone did by itself before the check; the app passes it, the CLI has none. */
export interface PhoneFacts {
  rescues: ReadonlyArray<{ to: NatStrategyId; recovered: boolean }>;
  networkChange: NetworkChange | null;
}

const show = (address: TransportAddress) => `${address.address}:${address.port}`;

/**
 * True when voip.ms sees the SIP socket at another address or port than STUN does: the router
 * maps each destination apart (symmetric, at least for signalling), whatever STUN's own two
 * servers concluded.
 */
export function registrarDisagrees(nat: NatStatus | null | undefined): boolean {
  const { registrarSees, mapped } = nat ?? {};
  if (!registrarSees || !mapped) return false;
  return registrarSees.address !== mapped.address || registrarSees.port !== mapped.port;
}

export function phoneFactNotes(
  nat: NatStatus | null | undefined,
  facts: PhoneFacts | undefined,
): string[] {
  const notes: string[] = [];
  if (nat?.registrarSees && nat.mapped && registrarDisagrees(nat)) {
    notes.push(
      `voip.ms sees your phone at ${show(nat.registrarSees)}, STUN at ${show(nat.mapped)}: the router gives each destination its own port. Natter registers the address voip.ms sees, so calls still reach you.`,
    );
  }
  const relayRescues = facts?.rescues.filter((rescue) => rescue.to === 'turn') ?? [];
  const otherRescues = facts?.rescues.filter((rescue) => rescue.to !== 'turn') ?? [];
  if (relayRescues.length > 0) {
    const recovered = relayRescues.filter((rescue) => rescue.recovered).length;
    notes.push(
      `Earlier today ${count(relayRescues.length, 'call')} went one-way until moved to the relay${recovered < relayRescues.length ? ` (${recovered} came back)` : ''}: relaying every call (TURN "Always") avoids the gap.`,
    );
  }
  if (otherRescues.length > 0) {
    notes.push(
      `Earlier today ${count(otherRescues.length, 'call')} went one-way until Natter sent the router’s new address: the router forgets or moves mappings mid-call.`,
    );
  }
  const change = facts?.networkChange;
  if (change) {
    const at = new Date(change.at).toLocaleTimeString();
    notes.push(
      change.state === 'failed'
        ? `The network changed at ${at} and the phone has not registered from the new one yet: this check tests the network you are on now.`
        : `The network changed at ${at} (${change.detail}): this check tests the network you are on now.`,
    );
  }
  return notes;
}

function count(n: number, noun: string): string {
  return n === 1 ? `one ${noun}` : `${n} ${noun}s`;
}
