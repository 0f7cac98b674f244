import type { RelayStatus } from '../../../src-shared/domain.js';

/** One line on the relay as the engine last found it: what a person needs to trust it. */
export function describeRelay(relay: RelayStatus | null | undefined): string {
  if (!relay) return 'Not checked yet';
  if (relay.state === 'failed') return `Not working: ${relay.error ?? 'no allocation'}`;
  const address = relay.relayed ? `${relay.relayed.address}:${relay.relayed.port}` : 'unknown';
  const rtt = relay.rttMs === null ? '' : `, round trip ${Math.round(relay.rttMs)} ms`;
  return `Working: relayed address ${address}${rtt}`;
}
