/**
 * The settings page's "Test" of one STUN server: a Binding request from a fresh socket, and what
 * that server said (the public address it saw and the round trip) or, in words, why it said
 * nothing. A fresh socket keeps the test away from the SIP socket, whose traffic and mapping it
 * must not disturb; the answer still tells whether the server works from this network.
 */
import { describeError } from '../engine/engine-error.js';
import type { TransportAddress } from '../../src-shared/domain.js';
import { StunClient } from '../net/stun-client.js';
import {
  parseStunServer,
  resolveStunServer,
  type StunServerSpec,
} from '../net/stun-server-spec.js';
import { UdpEndpoint } from '../net/udp-endpoint.js';
import { formatSeconds } from '../engine/sip-options-probe.js';

export interface StunServerTestResult {
  server: string;
  mapped: TransportAddress | null;
  rttMs: number | null;
  error: string | null;
}

export interface StunServerTestOptions {
  /** How long to wait for the answer once the name resolved (default 1500 ms, as discovery). */
  timeoutMs?: number;
  /** Bound on the name lookup (default: `timeoutMs`). */
  dnsTimeoutMs?: number;
  /** First retransmission interval (RFC 5389 RTO, default 500 ms). */
  rtoMs?: number;
  /** Local address to bind; all interfaces by default. */
  localAddress?: string;
}

/** Tests one server; resolves within the DNS bound plus `timeoutMs` and never throws. */
export async function testStunServer(
  server: string,
  options: StunServerTestOptions = {},
): Promise<StunServerTestResult> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const dnsTimeoutMs = options.dnsTimeoutMs ?? timeoutMs;
  const failed = (error: string): StunServerTestResult => ({
    server,
    mapped: null,
    rttMs: null,
    error,
  });

  let spec: StunServerSpec;
  try {
    spec = parseStunServer(server);
  } catch (error) {
    return failed(describeError(error));
  }
  let address: TransportAddress;
  try {
    address = await resolveStunServer(spec, dnsTimeoutMs);
  } catch (error) {
    const timedOut = error instanceof Error && error.message.includes('timed out');
    return failed(
      `cannot resolve host ${spec.host}${timedOut ? ` within ${formatSeconds(dnsTimeoutMs)}` : ''}`,
    );
  }

  let endpoint: UdpEndpoint;
  try {
    endpoint = await UdpEndpoint.bind({ address: options.localAddress });
  } catch (error) {
    return failed(`cannot open a UDP socket: ${describeError(error)}`);
  }
  const stopListeningForErrors = endpoint.onError(() => undefined);
  const client = new StunClient(
    endpoint,
    options.rtoMs === undefined ? {} : { rtoMs: options.rtoMs },
  );
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const outcome = await client.binding(address, { signal: controller.signal });
    if (outcome.ok) {
      return {
        server,
        mapped: outcome.mapped,
        rttMs: Math.round(outcome.rttMs * 100) / 100,
        error: null,
      };
    }
    switch (outcome.error.code) {
      case 'aborted':
      case 'timeout':
        return failed(`no answer within ${formatSeconds(timeoutMs)}`);
      case 'error-response':
        return failed(`the server refused: ${outcome.error.message}`);
      default:
        return failed(outcome.error.message);
    }
  } finally {
    clearTimeout(timer);
    client.close();
    await endpoint.close();
    stopListeningForErrors();
  }
}
