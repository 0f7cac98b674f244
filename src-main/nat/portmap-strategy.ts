/**
 * `portmap`: the home router forwards a public port to each socket (PCP, RFC 6887, then NAT-PMP,
 * RFC 6886, through net/port-mapping). With a mapping granted, the SIP socket's Contact and the
 * call's SDP carry public ports known exactly, which hold without keepalives and take traffic
 * from any host: behind a symmetric NAT that offers mapping, audio goes both ways without TURN.
 *
 * A router that refuses, stays silent (a bounded wait) or names an address STUN contradicts gives
 * way to the next strategy (STUN, or TURN where the policy would relay), with the reason in words.
 *
 * ```
 *  untried ──granted──► mapped ──lost──► untried (asked again at the next check)
 *     │                   └──moved──► mapped (the Contact follows at the next check)
 *     └──refused/silent/untrusted──► failed ──(RETRY_AFTER_FAILURE_MS)──► untried
 * ```
 */
import type { NatType, TransportAddress } from '../../src-shared/domain.js';
import { describeError } from '../engine/engine-error.js';
import {
  PortMappingError,
  requestMapping as requestRouterMapping,
  type PortMapping,
  type PortMappingRequest,
} from '../net/port-mapping.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import { bindMediaPair, closePair, DirectMedia, type RtpEndpoints } from './media-pair.js';
import type {
  ContactMapping,
  NatEnvironment,
  NatMedia,
  NatStrategy,
  OpenMediaOptions,
} from './nat-strategy.js';

/** How long a router that granted no mapping is left alone before it is asked again. */
export const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

/** The longest a call or a registration waits for the router (the client's own bound). */
export const MAPPING_TIMEOUT_MS = 1500;

/**
 * What the router answered last. The engine builds a strategy per call, and the policy picks
 * `portmap` for a call only when the router granted the SIP socket its mapping, so the answer
 * outlives any one strategy.
 */
export class RouterVerdict {
  private state:
    | { kind: 'untried' }
    | { kind: 'granted'; stunAddress: string | null; natType: NatType }
    | { kind: 'failed'; at: number; words: string; natType: NatType } = { kind: 'untried' };

  constructor(private readonly now: () => number = Date.now) {}

  /** True when the router granted the last mapping asked of it. */
  get granted(): boolean {
    return this.state.kind === 'granted';
  }

  /** The router failed recently: asking again would only make the caller wait. */
  get failedRecently(): string | null {
    if (this.state.kind !== 'failed') return null;
    return this.now() - this.state.at < RETRY_AFTER_FAILURE_MS ? this.state.words : null;
  }

  /** This computer's public address as STUN saw it when the router was trusted. */
  get stunAddress(): string | null {
    return this.state.kind === 'granted' ? this.state.stunAddress : null;
  }

  /** The NAT type STUN reported beside the router's answer. */
  get natType(): NatType {
    return this.state.kind === 'untried' ? 'unknown' : this.state.natType;
  }

  recordGrant(stunAddress: string | null, natType: NatType): void {
    this.state = { kind: 'granted', stunAddress, natType };
  }

  recordFailure(words: string, natType: NatType = this.natType): void {
    this.state = { kind: 'failed', at: this.now(), words, natType };
  }

  forget(): void {
    this.state = { kind: 'untried' };
  }
}

/** The router's answers for this process. */
export const routerVerdict = new RouterVerdict();

export interface PortmapStrategyOptions {
  /** What carries a socket the router does not map, for the NAT type seen. */
  fallback: (natType: NatType) => NatStrategy;
  /** Asks the router; the real client by default. */
  requestMapping?: (request: PortMappingRequest) => Promise<PortMapping>;
  verdict?: RouterVerdict;
}

export function portmapStrategy(
  environment: NatEnvironment,
  options: PortmapStrategyOptions,
): NatStrategy {
  const request = options.requestMapping ?? requestRouterMapping;
  const verdict = options.verdict ?? routerVerdict;
  const log = (level: 'info' | 'warn', message: string) => environment.log?.(level, message);
  const askable = behindRouter(environment.localAddress);
  let contact: { mapping: PortMapping; localPort: number } | null = null;
  let contactFallback: NatStrategy | null = null;
  let skipTold = false;
  // A socket closed without release() still gives its mapping back (not awaited, so best effort).
  const watchedSockets = new WeakSet<UdpEndpoint>();

  /** Why the router is not asked now, or null to ask it. */
  const whyNotAsk = (): string | null => {
    if (!askable) return `${environment.localAddress} is not behind a home router`;
    return verdict.failedRecently;
  };

  const ask = async (localPort: number, stunAddress: string | null): Promise<PortMapping> => {
    return request({
      localPort,
      protocol: 'udp',
      timeoutMs: MAPPING_TIMEOUT_MS,
      ...(stunAddress ? { stunAddress } : {}),
    });
  };

  const releaseContact = async (): Promise<void> => {
    const held = contact;
    contact = null;
    if (held) await held.mapping.close().catch(() => false);
  };

  return {
    id: 'portmap',
    get mapsContact(): boolean {
      return contact !== null || (contactFallback?.mapsContact ?? true);
    },

    async discoverContact(endpoint: UdpEndpoint): Promise<ContactMapping> {
      contactFallback ??= options.fallback(verdict.natType);
      // STUN first, from the SIP socket itself: its answer is what a lying router is judged by.
      const seen = await contactFallback.discoverContact(endpoint);
      const localPort = endpoint.bound.port;
      if (contact && (!contact.mapping.active || contact.localPort !== localPort)) {
        await releaseContact();
      }
      if (!contact) {
        const skip = whyNotAsk();
        if (skip) {
          if (!skipTold) log('info', `the router is not asked for a port mapping: ${skip}`);
          skipTold = true;
          return seen;
        }
        const stunAddress = seen.mapped && seen.natType !== 'open' ? seen.mapped.address : null;
        try {
          const mapping = await ask(localPort, stunAddress);
          contact = { mapping, localPort };
          verdict.recordGrant(stunAddress, seen.natType);
          watch(mapping, 'the SIP socket', log, () => {
            // Asked again at the next check; the Contact meanwhile follows the fallback.
            verdict.forget();
          });
          if (!watchedSockets.has(endpoint)) {
            watchedSockets.add(endpoint);
            endpoint.onClose(() => void releaseContact());
          }
          log('info', `the router maps the SIP socket to ${show(mapping.external)}`);
        } catch (error) {
          const words = failureWords(error);
          verdict.recordFailure(words, seen.natType);
          log(
            levelOf(error, environment),
            `${words}; the Contact uses ${fallbackName(contactFallback.id)} instead`,
          );
          return seen;
        }
      }
      return { ...seen, mapped: contact.mapping.external };
    },

    async openMedia(openOptions: OpenMediaOptions = {}): Promise<NatMedia> {
      if (whyNotAsk()) return options.fallback(verdict.natType).openMedia(openOptions);
      const endpoints = await bindMediaPair(environment, openOptions);
      const stunAddress = verdict.stunAddress;
      const [rtp, rtcp] = await Promise.allSettled([
        ask(endpoints.rtp.bound.port, stunAddress),
        ask(endpoints.rtcp.bound.port, stunAddress),
      ]);
      if (rtp.status === 'rejected') {
        if (rtcp.status === 'fulfilled') await rtcp.value.close().catch(() => false);
        // A reopen's own sockets stay open: the fallback opens on them in turn.
        if (!openOptions.sockets) await closePair(endpoints);
        const words = failureWords(rtp.reason);
        verdict.recordFailure(words);
        const next = options.fallback(verdict.natType);
        log(
          levelOf(rtp.reason, environment),
          `${words}; this call's audio goes by ${fallbackName(next.id)} instead`,
        );
        return next.openMedia(openOptions);
      }
      const mappings = [rtp.value];
      if (rtcp.status === 'fulfilled') mappings.push(rtcp.value);
      else log('warn', `RTCP: ${failureWords(rtcp.reason)}; the call reports on RTP alone`);
      for (const mapping of mappings) {
        watch(mapping, `the call's ${mapping === rtp.value ? 'RTP' : 'RTCP'} socket`, log);
      }
      return new MappedMedia(
        endpoints,
        rtp.value,
        rtcp.status === 'fulfilled' ? rtcp.value.external : null,
        mappings,
      );
    },

    release: releaseContact,
  };
}

/** Media on the pair's own sockets at the router's ports; the mappings go when the call ends. */
class MappedMedia extends DirectMedia {
  constructor(
    endpoints: RtpEndpoints,
    rtp: PortMapping,
    rtcpAddress: TransportAddress | null,
    private readonly mappings: PortMapping[],
  ) {
    super(
      'portmap',
      endpoints,
      { connection: rtp.external.address, audioPort: rtp.external.port, source: 'portmap' },
      rtcpAddress,
    );
  }

  override async close(): Promise<void> {
    if (this.state === 'closed') return;
    // Each deletion is bounded by the client; the router forgets the rest at its lifetime.
    await Promise.all(this.mappings.map((mapping) => mapping.close().catch(() => false)));
    await super.close();
  }
}

/** Tells what happens to a mapping while it is held: lost, or moved to another port. */
function watch(
  mapping: PortMapping,
  what: string,
  log: (level: 'info' | 'warn', message: string) => void,
  onLost?: () => void,
): void {
  mapping.onLost((loss) => {
    log('warn', `${loss.message} (${what})`);
    onLost?.();
  });
  mapping.onChanged((external) => {
    log('warn', `the router moved the mapping of ${what} to ${show(external)}`);
  });
}

/**
 * A router without port mapping is the common case, not news, when the policy only tried it;
 * a refusal, silence or a lie is worth a warning, and so is any failure of a strategy asked for.
 */
function levelOf(error: unknown, environment: NatEnvironment): 'info' | 'warn' {
  if (environment.settings.natStrategy === 'portmap') return 'warn';
  const code = error instanceof PortMappingError ? error.code : null;
  return code === 'unavailable' || code === 'no-gateway' ? 'info' : 'warn';
}

function failureWords(error: unknown): string {
  if (error instanceof PortMappingError) return error.message.replace(/\.$/, '');
  return `the router could not be asked for a port mapping: ${describeError(error)}`;
}

function fallbackName(id: string): string {
  return id === 'none' ? 'its local address' : id.toUpperCase();
}

function show(address: TransportAddress): string {
  return `${address.address}:${address.port}`;
}

/**
 * Whether a router stands between this computer and the internet to be asked: only a private or
 * carrier-grade address (RFC 1918, RFC 6598) sits behind one; loopback and public addresses do
 * not, and asking would only cost the bounded wait.
 */
export function behindRouter(localAddress: string): boolean {
  const octets = localAddress.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    return false;
  }
  const [a = 0, b = 0] = octets;
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}
