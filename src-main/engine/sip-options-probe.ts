/**
 * "Which voip.ms server is nearest?": one SIP OPTIONS per server from a fresh UDP socket, all in
 * parallel, and the round trip of whatever answers. Any response counts (200, 404, 405, even a
 * provisional one): a server that answers at all is reachable, and its round trip is what the
 * user wants to compare. Bounded in time as a whole, so the settings page never waits long on a
 * dead or unresolvable host.
 */
import { randomBytes } from 'node:crypto';
import type { TransportAddress } from '../../src-shared/domain.js';
import { localAddressToward, UdpEndpoint } from '../net/udp-endpoint.js';
import { viewSipMessage } from '../sip/sip-message-view.js';
import { describeError, EngineFailure } from './engine-error.js';
import { parseServerSpec, resolveServer, type ServerSpec } from './server-address.js';

/** RFC 3261 §17.1.1.1: T1, the first retransmission interval, and T2, its ceiling. */
const T1_MS = 500;
const T2_MS = 4000;
const SIP_DEFAULT_PORT = 5060;

export interface SipProbeResult {
  /** The server as it was asked for (`host` or `host:port`). */
  server: string;
  /** Milliseconds from the latest transmission to the first response; null without one. */
  rttMs: number | null;
  /** Why there is no round trip, in words for the user; null when the server answered. */
  error: string | null;
}

export interface SipProbeOptions {
  /** Every probe ends within this bound, answered or not (default 3000 ms). */
  deadlineMs?: number;
  /** Timer E's first interval (default T1 = 500 ms); doubles up to T2 = 4 s. */
  t1Ms?: number;
  /** Local address to bind; all interfaces by default. */
  localAddress?: string;
}

export interface OptionsRequestParts {
  target: ServerSpec;
  /** The sent-by of our Via: the address the server should answer (rport lets it correct). */
  local: TransportAddress;
  branch: string;
  callId: string;
  fromTag: string;
}

/** A new branch, Call-ID and From tag: random enough that a stray answer cannot match. */
export function newProbeIdentifiers(): Pick<OptionsRequestParts, 'branch' | 'callId' | 'fromTag'> {
  return {
    // RFC 3261 §8.1.1.7: the magic cookie marks a branch unique across space and time.
    branch: `z9hG4bK${randomBytes(12).toString('hex')}`,
    callId: randomBytes(16).toString('hex'),
    fromTag: randomBytes(6).toString('hex'),
  };
}

/**
 * An out-of-dialog OPTIONS (RFC 3261 §11) with every header §8.1.1 requires. From is the
 * anonymous URI of §8.1.1.3: a probe has no reason to tell anybody who is asking.
 */
export function buildOptionsRequest(parts: OptionsRequestParts): string {
  const { target, local } = parts;
  const uri = `sip:${target.host}${target.port === SIP_DEFAULT_PORT ? '' : `:${target.port}`}`;
  return [
    `OPTIONS ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=${parts.branch};rport`,
    'Max-Forwards: 70',
    `From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=${parts.fromTag}`,
    `To: <${uri}>`,
    `Call-ID: ${parts.callId}`,
    'CSeq: 1 OPTIONS',
    'Accept: application/sdp',
    'User-Agent: Natter',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

interface PendingProbe {
  callId: string;
  sentAt: number[];
  answer: (rttMs: number) => void;
}

/**
 * Probes every server in parallel and resolves, one result per server in the order given, within
 * `deadlineMs` whatever the servers and the resolver do. Never throws: a malformed server, a name
 * that does not resolve and a socket that cannot be opened all end up as that result's `error`.
 */
export async function probeSipServers(
  servers: readonly string[],
  options: SipProbeOptions = {},
): Promise<SipProbeResult[]> {
  if (servers.length === 0) return [];
  const deadlineMs = options.deadlineMs ?? 3000;
  const t1Ms = options.t1Ms ?? T1_MS;
  const started = performance.now();
  const remainingMs = () => Math.max(0, deadlineMs - (performance.now() - started));
  const silence = `no answer within ${formatSeconds(deadlineMs)}`;

  let endpoint: UdpEndpoint;
  try {
    endpoint = await UdpEndpoint.bind({ role: 'sip', address: options.localAddress });
  } catch (error) {
    const reason = `cannot open a UDP socket: ${errorText(error)}`;
    return servers.map((server) => ({ server, rttMs: null, error: reason }));
  }
  // Send failures are reported per probe; an asynchronous socket error must not go unheard
  // (an EventEmitter 'error' with no listener would throw inside main).
  const stopListeningForErrors = endpoint.onError(() => undefined);

  // Keyed by branch; the Call-ID must match too. Neither is guessable, so a response that
  // matches both answers our request whichever address it came from: a multihomed server may
  // answer from another of its addresses, and the question is only whether it is there.
  const pending = new Map<string, PendingProbe>();
  endpoint.on('sip', (datagram) => {
    const view = viewSipMessage(datagram.toString('utf8'));
    if (view?.kind !== 'response' || view.method !== 'OPTIONS') return;
    const probe = pending.get(view.branch);
    if (!probe || probe.callId !== view.callId) return;
    // Karn's rule, as in the STUN client: the answer may belong to any copy, and the latest
    // send gives a lower bound rather than a round trip inflated by a lost request.
    const sentAt = probe.sentAt[probe.sentAt.length - 1] ?? performance.now();
    probe.answer(Math.max(0, performance.now() - sentAt));
  });

  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    deadlineTimer = setTimeout(resolve, deadlineMs);
  });

  const probeOne = async (server: string): Promise<SipProbeResult> => {
    let target: ServerSpec;
    let address: TransportAddress;
    try {
      target = parseServerSpec(server, SIP_DEFAULT_PORT);
      address = await resolveServer(target, Math.max(1, remainingMs()));
    } catch (error) {
      return { server, rttMs: null, error: describeSetupFailure(error, server, deadlineMs) };
    }
    if (remainingMs() === 0) return { server, rttMs: null, error: silence };
    const identifiers = newProbeIdentifiers();
    const local = {
      address: await viaAddress(endpoint, address, options.localAddress),
      port: endpoint.bound.port,
    };
    const request = buildOptionsRequest({ target, local, ...identifiers });

    let retransmitTimer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await new Promise<SipProbeResult>((resolve) => {
      const probe: PendingProbe = {
        callId: identifiers.callId,
        sentAt: [],
        answer: (rttMs) => resolve({ server, rttMs: Math.round(rttMs * 100) / 100, error: null }),
      };
      pending.set(identifiers.branch, probe);
      void deadline.then(() => resolve({ server, rttMs: null, error: silence }));
      let intervalMs = t1Ms;
      const transmit = () => {
        probe.sentAt.push(performance.now());
        endpoint.send(request, address).catch((error: unknown) => {
          resolve({ server, rttMs: null, error: `cannot send to ${server}: ${errorText(error)}` });
        });
        // Timer E (RFC 3261 §17.1.2.2): retransmit at T1, 2·T1, 4·T1, … capped at T2.
        retransmitTimer = setTimeout(transmit, intervalMs);
        intervalMs = Math.min(intervalMs * 2, T2_MS);
      };
      transmit();
    });
    clearTimeout(retransmitTimer);
    pending.delete(identifiers.branch);
    return outcome;
  };

  const results = await Promise.all(servers.map(probeOne));
  clearTimeout(deadlineTimer);
  await endpoint.close();
  stopListeningForErrors();
  return results;
}

/** The Via sent-by: the configured or bound address, else the source the kernel routes from. */
async function viaAddress(
  endpoint: UdpEndpoint,
  toward: TransportAddress,
  configured: string | undefined,
): Promise<string> {
  if (configured) return configured;
  if (endpoint.bound.address !== '0.0.0.0') return endpoint.bound.address;
  try {
    return await localAddressToward(toward.address, toward.port);
  } catch {
    // rport makes the server answer our source address anyway (RFC 3581).
    return endpoint.bound.address;
  }
}

function describeSetupFailure(error: unknown, server: string, deadlineMs: number): string {
  if (error instanceof EngineFailure) {
    const host = server.split(':')[0] ?? server;
    if (error.code === 'unknown-host') return `cannot resolve host ${host}`;
    if (error.code === 'dns-timeout') {
      return `cannot resolve host ${host} within ${formatSeconds(deadlineMs)}`;
    }
    return error.message;
  }
  return errorText(error);
}

function errorText(error: unknown): string {
  return describeError(error);
}

/** 3000 → "3 s", 1500 → "1.5 s": the bound as the user reads it. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
