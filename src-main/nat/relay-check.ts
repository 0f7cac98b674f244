/**
 * The NAT panel's and settings' check of the configured TURN relay: one allocation on a spare
 * socket (so no call's socket is disturbed), its relayed address and round trip, released at once.
 */
import { describeError } from '../engine/engine-error.js';
import type { RelayStatus } from '../../src-shared/domain.js';
import { TurnClient } from '../net/turn-client.js';
import { UdpEndpoint } from '../net/udp-endpoint.js';
import type { RelaySettings } from './nat-strategy.js';

export async function checkRelay(
  spec: RelaySettings,
  options: { bindAddress?: string; timeoutMs?: number } = {},
): Promise<RelayStatus> {
  let endpoint: UdpEndpoint;
  try {
    endpoint = await UdpEndpoint.bind({
      role: 'media',
      ...(options.bindAddress ? { address: options.bindAddress } : {}),
    });
  } catch (error) {
    return failed(spec, error);
  }
  const turn = new TurnClient(endpoint, spec, { allocateTimeoutMs: options.timeoutMs ?? 2000 });
  try {
    const allocation = await turn.allocate();
    return {
      server: spec.server,
      state: 'allocated',
      relayed: allocation.relayed,
      rttMs: allocation.rttMs,
      error: null,
    };
  } catch (error) {
    return failed(spec, error);
  } finally {
    await turn.close();
    await endpoint.close();
  }
}

function failed(spec: RelaySettings, error: unknown): RelayStatus {
  return {
    server: spec.server,
    state: 'failed',
    relayed: null,
    rttMs: null,
    error: describeError(error),
  };
}
