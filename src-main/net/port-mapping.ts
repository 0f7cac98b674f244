/**
 * Asks the home router to forward a UDP port to this computer, with PCP (RFC 6887) or NAT-PMP
 * (RFC 6886), and keeps the mapping alive until it is closed. With a mapping granted, the public
 * address and port of a socket are known exactly and hold without keepalives, even behind a
 * symmetric NAT.
 *
 * Both protocols are written here rather than taken from a library: the one maintained
 * candidate (`@achingbrain/nat-port-mapper` 4.0.5) speaks NAT-PMP and UPnP but not PCP, binds
 * the fixed client port 5350 for every request, sends once without retransmission or deadline,
 * takes an answer from any sender, throws inside its socket handler on a short datagram (which
 * would take the process down), and confuses its lifetime units (milliseconds written into the
 * seconds field); it also brings 36 packages. The two protocols are small binary exchanges.
 * UPnP IGD (SSDP discovery plus SOAP over HTTP) is not implemented.
 *
 * ```
 *  requestMapping ──► granted ──(half the lifetime)──► renewing ──► granted (renewals + 1)
 *        │                                                │  └─ refused / expired ──► lost
 *        └─► PortMappingError (caller tries its next NAT strategy)      close() ──► deleted
 * ```
 */
import type { TransportAddress } from '../../src-shared/domain.js';
import { clampNetworkSeconds } from './network-durations.js';
import { defaultGateway } from './port-mapping/default-gateway.js';
import { whyNotPublic } from './port-mapping/external-address-check.js';
import {
  createMethodDriver,
  type MappingMethodDriver,
  type MethodGrant,
  type PortMappingMethod,
} from './port-mapping/mapping-methods.js';
import { PORT_CONTROL_SERVER_PORT } from './port-mapping/wire-values.js';

export type { PortMappingMethod } from './port-mapping/mapping-methods.js';

export interface PortMappingRequest {
  /** The local UDP port whose traffic the router should forward. */
  localPort: number;
  protocol: 'udp';
  /** Asked of the router, which may grant another lifetime; 7200 s (RFC 6886 §3.3) by default. */
  lifetimeSeconds?: number;
  /** The router to ask; the default route's gateway by default. */
  gateway?: string;
  /** Protocols to try, in order; PCP then NAT-PMP by default. */
  methods?: readonly PortMappingMethod[];
  /** Bound on the whole request, every protocol tried included; 1500 ms by default. */
  timeoutMs?: number;
  /** This computer's public address as STUN saw it: a router naming another is not trusted. */
  stunAddress?: string;
  /** The router's port-control port; 5351 except in tests. */
  serverPort?: number;
}

export type PortMappingFailureCode =
  /** No default gateway: nobody to ask. */
  | 'no-gateway'
  /** Nothing answers port-mapping requests on the router (ICMP port unreachable). */
  | 'unavailable'
  /** The router did not answer in time. */
  | 'timeout'
  /** The router answered, and said no. */
  | 'refused'
  /** The router granted a mapping on an address that cannot be this computer's public one. */
  | 'untrusted'
  /** The request itself was not valid (a port out of range, a lifetime of 0). */
  | 'invalid-request';

/** Why no mapping was obtained: a stable code and one plain sentence for the user. */
export class PortMappingError extends Error {
  override readonly name = 'PortMappingError';

  constructor(
    readonly code: PortMappingFailureCode,
    message: string,
  ) {
    super(message);
  }
}

export interface PortMappingLoss {
  /** `refused`: the router declined a renewal; `expired`: no renewal answered in time. */
  code: 'refused' | 'expired';
  message: string;
}

/** A mapping the router granted, renewed in the background until {@link PortMapping.close}. */
export interface PortMapping {
  readonly localPort: number;
  readonly gateway: string;
  readonly method: PortMappingMethod;
  /** The public address and port the router forwards to `localPort`. */
  readonly external: TransportAddress;
  /** The lifetime the router granted last, in seconds. */
  readonly lifetimeSeconds: number;
  /** Renewals the router has granted so far. */
  readonly renewals: number;
  /** False once lost or closed. */
  readonly active: boolean;
  /** Called once when the mapping cannot be kept; the caller should fall back. */
  onLost(listener: (loss: PortMappingLoss) => void): () => void;
  /** Called when a renewal moved the mapping to another external address or port. */
  onChanged(listener: (external: TransportAddress) => void): () => void;
  /** Deletes the mapping on the router (lifetime 0); true when the router confirmed it. */
  close(): Promise<boolean>;
}

const DEFAULTS = {
  lifetimeSeconds: 7200,
  methods: ['pcp', 'nat-pmp'] as readonly PortMappingMethod[],
  timeoutMs: 1500,
  serverPort: PORT_CONTROL_SERVER_PORT,
};

/** Asks the router for a mapping; throws {@link PortMappingError} when none is granted. */
export async function requestMapping(request: PortMappingRequest): Promise<PortMapping> {
  const options = { ...DEFAULTS, ...withoutUndefined(request) };
  const started = Date.now();
  if (!Number.isInteger(options.localPort) || options.localPort < 1 || options.localPort > 65535) {
    throw new PortMappingError('invalid-request', `Port ${options.localPort} cannot be mapped.`);
  }
  const lifetime = options.lifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 0xffffffff) {
    throw new PortMappingError('invalid-request', 'A mapping needs a lifetime of at least 1 s.');
  }
  if (options.methods.length === 0) {
    throw new PortMappingError('invalid-request', 'No port-mapping protocol was allowed.');
  }
  const gateway = options.gateway ?? (await defaultGateway());
  if (!gateway) {
    throw new PortMappingError('no-gateway', 'There is no router to ask for a port mapping.');
  }
  const deadline = started + options.timeoutMs;
  const target = {
    gateway,
    serverPort: options.serverPort,
    protocol: options.protocol,
    internalPort: options.localPort,
  };
  let timedOut = false;
  for (const [index, method] of options.methods.entries()) {
    // Each protocol gets its share of what is left, so a silent router still lets the last one try.
    const left = options.methods.length - index;
    const share = Math.max(0, deadline - Date.now()) / left;
    const driver = createMethodDriver(method, target);
    const outcome = await driver.map(lifetime, null, Date.now() + share);
    switch (outcome.kind) {
      case 'granted':
        return trustedMapping(driver, outcome.grant, options, gateway);
      case 'refused':
        throw new PortMappingError(
          'refused',
          `The router at ${gateway} ${outcome.words} (${methodName(method)}).`,
        );
      case 'unreachable':
        throw new PortMappingError(
          'unavailable',
          `The router at ${gateway} does not offer port mapping: ${outcome.detail}.`,
        );
      case 'timeout':
        timedOut = true;
        break;
      case 'unsupported':
        break;
    }
  }
  const tried = options.methods.map(methodName).join(', ');
  throw timedOut
    ? new PortMappingError(
        'timeout',
        `The router at ${gateway} did not answer port-mapping requests (${tried}) within ${seconds(options.timeoutMs)}.`,
      )
    : new PortMappingError(
        'unavailable',
        `The router at ${gateway} speaks none of the port-mapping protocols tried (${tried}).`,
      );
}

function trustedMapping(
  driver: MappingMethodDriver,
  grant: MethodGrant,
  options: typeof DEFAULTS & PortMappingRequest,
  gateway: string,
): PortMapping {
  const distrust = distrustOf(grant, options.stunAddress);
  if (distrust) {
    // The mapping exists on the router even though it is of no use: remove it, without waiting.
    void driver.map(0, null, Date.now() + options.timeoutMs);
    throw new PortMappingError('untrusted', `The router at ${gateway} ${distrust}`);
  }
  return new ActivePortMapping(driver, grant, options, gateway);
}

function distrustOf(grant: MethodGrant, stunAddress: string | undefined): string | null {
  const { address, port } = grant.external;
  if (grant.lifetimeSeconds === 0 || port === 0) {
    return 'answered yes but granted no mapping.';
  }
  const notPublic = whyNotPublic(address);
  if (notPublic) {
    return `offered a mapping on ${address}, ${notPublic}, which the internet cannot reach.`;
  }
  if (stunAddress !== undefined && stunAddress !== address) {
    return `offered a mapping on ${address}, but STUN sees this computer as ${stunAddress} (another NAT in between).`;
  }
  return null;
}

/** Renews at half the granted lifetime (RFC 6886 §3.3, RFC 6887 §11.2.1). */
class ActivePortMapping implements PortMapping {
  readonly localPort: number;
  readonly method: PortMappingMethod;
  external: TransportAddress;
  lifetimeSeconds = 0;
  renewals = 0;
  active = true;
  private expiresAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | null = null;
  private readonly lostListeners = new Set<(loss: PortMappingLoss) => void>();
  private readonly changedListeners = new Set<(external: TransportAddress) => void>();

  constructor(
    private readonly driver: MappingMethodDriver,
    grant: MethodGrant,
    private readonly options: typeof DEFAULTS & PortMappingRequest,
    readonly gateway: string,
  ) {
    this.localPort = options.localPort;
    this.method = driver.method;
    this.external = grant.external;
    this.hold(grant.lifetimeSeconds);
  }

  onLost(listener: (loss: PortMappingLoss) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  onChanged(listener: (external: TransportAddress) => void): () => void {
    this.changedListeners.add(listener);
    return () => this.changedListeners.delete(listener);
  }

  async close(): Promise<boolean> {
    if (!this.active) return false;
    this.active = false;
    clearTimeout(this.timer);
    await this.renewing;
    const outcome = await this.driver.map(0, null, Date.now() + this.options.timeoutMs);
    return outcome.kind === 'granted';
  }

  /** Takes the lifetime the router granted (bounded before it is a timer) and renews at half. */
  private hold(grantedSeconds: number): void {
    this.lifetimeSeconds = clampNetworkSeconds('port-mapping-lifetime', grantedSeconds);
    this.expiresAt = Date.now() + this.lifetimeSeconds * 1000;
    this.schedule((this.lifetimeSeconds * 1000) / 2);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.renewing = this.renew().finally(() => (this.renewing = null));
    }, delayMs);
    // A pending renewal alone does not keep a command-line run alive.
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const outcome = await this.driver.map(
      this.options.lifetimeSeconds,
      this.external,
      Date.now() + this.options.timeoutMs,
    );
    if (!this.active) return;
    if (outcome.kind === 'granted') {
      const distrust = distrustOf(outcome.grant, undefined);
      if (distrust) {
        this.lose('refused', `The router at ${this.gateway} ${distrust}`);
        return;
      }
      this.renewals += 1;
      this.hold(outcome.grant.lifetimeSeconds);
      const moved =
        outcome.grant.external.address !== this.external.address ||
        outcome.grant.external.port !== this.external.port;
      this.external = outcome.grant.external;
      if (moved) tellEach(this.changedListeners, this.external);
      return;
    }
    if (outcome.kind === 'refused' || outcome.kind === 'unsupported') {
      const words = outcome.kind === 'refused' ? outcome.words : 'no longer speaks this protocol';
      this.lose('refused', `The router at ${this.gateway} ${words}; the port mapping is gone.`);
      return;
    }
    // No answer: try again at half the time left, as long as an answer could still arrive in time.
    const left = this.expiresAt - Date.now();
    if (left > this.options.timeoutMs) {
      this.schedule(left / 2);
      return;
    }
    this.lose('expired', `The router at ${this.gateway} stopped renewing the port mapping.`);
  }

  private lose(code: PortMappingLoss['code'], message: string): void {
    this.active = false;
    clearTimeout(this.timer);
    tellEach(this.lostListeners, { code, message });
  }
}

/**
 * Tells every listener, each on its own: one that throws must neither keep the others from
 * hearing nor turn the renewal timer's work into a rejection nobody handles.
 */
function tellEach<Value>(listeners: Iterable<(value: Value) => void>, value: Value): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch {
      // The listener's own fault; the mapping's state is already what it says.
    }
  }
}

function methodName(method: PortMappingMethod): string {
  return method === 'pcp' ? 'PCP' : 'NAT-PMP';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
