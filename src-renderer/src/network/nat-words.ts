/**
 * The engine's NAT facts in words a person reads: no "cone", "blocked" or "from stun" on screen.
 */
import type { AddressSource, NatStatus, NetworkChange } from '../../../src-shared/domain.js';
import { stunOff } from '../../../src-shared/nat-verdict.js';

/** What the router does to our traffic, in a few words for the path diagram. */
export function routerShort(nat: NatStatus | null): string {
  if (!nat) return 'not checked yet';
  if (stunOff(nat)) return 'not checked (STUN off)';
  switch (nat.natType) {
    case 'open':
      return 'no address change';
    case 'cone':
      return 'same port for all';
    case 'symmetric':
      return 'new port per destination';
    case 'blocked':
      return 'address unknown';
    case 'unknown':
      return 'address known';
  }
}

/** The same, as a sentence for the details list. */
export function routerLong(nat: NatStatus | null): string {
  if (!nat) return 'Not checked yet';
  if (stunOff(nat)) return 'Not checked: STUN is off';
  switch (nat.natType) {
    case 'open':
      return 'No router changes the address: this computer is reachable directly';
    case 'cone':
      return 'Keeps the same public port for every destination: calls work with STUN';
    case 'symmetric':
      return 'Gives each destination its own public port: calls may need a relay';
    case 'blocked':
      return 'Unknown: no STUN server answered';
    case 'unknown':
      return 'Public address known (only one STUN server answered)';
  }
}

export function addressSourceWords(source: AddressSource | null): string {
  switch (source) {
    case 'stun':
      return 'found by the STUN server';
    case 'registrar':
      return 'as voip.ms sees it';
    case 'local':
      return 'this computer’s own address';
    default:
      return '';
  }
}

/** When the last network change was and how healing it went, in a few words. */
export function networkChangeWords(change: NetworkChange): string {
  return `At ${new Date(change.at).toLocaleTimeString()}: ${networkChangeOutcome(change)}`;
}

/** How healing a network change went, without its time. */
export function networkChangeOutcome(change: NetworkChange): string {
  switch (change.state) {
    case 'reconnecting':
      return 'reconnecting…';
    case 'recovered':
      return change.recoveredInMs === null
        ? 'reconnected'
        : `reconnected in ${(change.recoveredInMs / 1000).toFixed(1)} s`;
    case 'failed':
      return 'not registered again from the new network';
  }
}
