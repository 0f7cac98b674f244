/**
 * `turn`: the call's media goes through a TURN relay (RFC 8656), for networks STUN cannot fix
 * (behind a symmetric NAT a mapping holds only toward the STUN server). RTP and RTCP each get
 * an allocation on their own socket, so RTCP is relayed too; the fallback strategy (`stun`, or
 * `none` without STUN) maps the same sockets meanwhile, and carries the call when the relay fails
 * within its bound. The SIP socket's Contact is the fallback's: TURN relays media, not SIP.
 */
import { describeError } from '../engine/engine-error.js';
import type { MediaAddress, RelayStatus, TransportAddress } from '../../src-shared/domain.js';
import type { MediaTransport } from '../net/media-transport.js';
import { relayTransport } from '../net/relay-transport.js';
import { TurnClient } from '../net/turn-client.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import {
  bindMediaPair,
  closePair,
  DirectMedia,
  localMediaAddress,
  type RtpEndpoints,
} from './media-pair.js';
import type {
  NatEnvironment,
  NatMedia,
  NatMediaState,
  NatStrategy,
  OpenMediaOptions,
  RelaySettings,
} from './nat-strategy.js';
import { mapMediaPair } from './stun-strategy.js';
import { noneStrategy } from './none-strategy.js';
import { stunStrategy } from './stun-strategy.js';

/** Longest a call waits for the relay before it goes out direct. */
export const RELAY_TIMEOUT_MS = 2000;

export function turnStrategy(environment: NatEnvironment): NatStrategy {
  const { settings } = environment;
  const stunUsable = settings.stunEnabled && settings.stunServers.length > 0;
  const fallback = stunUsable ? stunStrategy(environment) : noneStrategy(environment);
  return {
    id: 'turn',
    mapsContact: fallback.mapsContact,
    discoverContact: (endpoint) => fallback.discoverContact(endpoint),
    async openMedia(options: OpenMediaOptions = {}): Promise<NatMedia> {
      const endpoints = await bindMediaPair(environment, options);
      const spec = settings.turn;
      const direct = stunUsable
        ? mapMediaPair(environment, endpoints)
        : Promise.resolve({
            address: localMediaAddress(environment, endpoints),
            rtcpAddress: null,
          });
      if (!spec) {
        const mapped = await direct;
        return new DirectMedia(fallback.id, endpoints, mapped.address, mapped.rtcpAddress);
      }
      const [mapped, rtpRelay, rtcpRelay] = await Promise.all([
        direct,
        allocate(endpoints.rtp, spec),
        allocate(endpoints.rtcp, spec),
      ]);
      if (!rtpRelay.client) {
        await rtcpRelay.client?.close();
        const status: RelayStatus = {
          ...rtpRelay.status,
          error: `${rtpRelay.status.error ?? 'the relay failed'}; this call uses its ${mapped.address.source === 'stun' ? 'STUN' : 'local'} address instead`,
        };
        options.onRelay?.(status);
        return new DirectMedia(fallback.id, endpoints, mapped.address, mapped.rtcpAddress, status);
      }
      options.onRelay?.(rtpRelay.status);
      return new RelayedMedia(
        endpoints,
        rtpRelay.client,
        rtpRelay.status,
        rtcpRelay.client,
        rtcpRelay.client ? rtcpRelay.status.relayed : mapped.rtcpAddress,
        options.onRelay,
      );
    },
  };
}

interface RelayAttempt {
  client: TurnClient | null;
  status: RelayStatus;
}

/** One allocation, bounded: a dead relay costs the call at most RELAY_TIMEOUT_MS. */
async function allocate(endpoint: UdpEndpoint, spec: RelaySettings): Promise<RelayAttempt> {
  const client = new TurnClient(endpoint, spec, { allocateTimeoutMs: RELAY_TIMEOUT_MS });
  try {
    const allocation = await client.allocate();
    return {
      client,
      status: {
        server: spec.server,
        state: 'allocated',
        relayed: allocation.relayed,
        rttMs: allocation.rttMs,
        error: null,
      },
    };
  } catch (error) {
    await client.close();
    return {
      client: null,
      status: {
        server: spec.server,
        state: 'failed',
        relayed: null,
        rttMs: null,
        error: `TURN ${spec.server}: ${describeError(error)}`,
      },
    };
  }
}

/** Media through the relay: peers know only the relayed addresses. */
class RelayedMedia implements NatMedia {
  readonly strategy = 'turn' as const;
  readonly address: MediaAddress;
  readonly rtp: MediaTransport;
  readonly rtcp: MediaTransport;
  private closed = false;
  private channelPeer: string | null = null;

  constructor(
    private readonly endpoints: RtpEndpoints,
    private readonly rtpRelay: TurnClient,
    private readonly status: RelayStatus,
    private readonly rtcpRelay: TurnClient | null,
    readonly rtcpAddress: TransportAddress | null,
    private readonly onRelay: ((status: RelayStatus) => void) | undefined,
  ) {
    const relayed = status.relayed as TransportAddress;
    this.address = { connection: relayed.address, audioPort: relayed.port, source: 'turn' };
    this.rtp = relayTransport(rtpRelay, endpoints.rtp);
    this.rtcp = rtcpRelay ? relayTransport(rtcpRelay, endpoints.rtcp) : endpoints.rtcp;
  }

  get sockets(): RtpEndpoints {
    return this.endpoints;
  }

  get state(): NatMediaState {
    return this.closed ? 'closed' : 'open';
  }

  relay(): RelayStatus {
    return this.closed ? { ...this.status, state: 'closed' } : this.status;
  }

  /** A channel to the remote's media address: 4 bytes of overhead per packet instead of 36. */
  connect(target: TransportAddress): void {
    const key = `${target.address}:${target.port}`;
    if (this.channelPeer === key || this.closed) return;
    this.channelPeer = key;
    this.rtpRelay.bindChannel(target).catch((error: unknown) => {
      this.onRelay?.({
        ...this.status,
        error: `TURN channel to ${key}: ${describeError(error)}`,
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onRelay?.({ ...this.status, state: 'closed' });
    // Deallocation goes out before the sockets close; it is bounded and never throws.
    await Promise.all([this.rtpRelay.close(), this.rtcpRelay?.close()]);
    await closePair(this.endpoints);
  }
}
