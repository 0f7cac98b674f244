/**
 * The pieces every strategy's call media is made of: the RTP/RTCP socket pair, and a NatMedia
 * that sends straight from those sockets (what `none` and `stun` open, and what `turn` falls
 * back to when the relay fails).
 */
import type { MediaAddress, RelayStatus, TransportAddress } from '../../src-shared/domain.js';
import { allocateRtpEndpoints, type RtpEndpoints } from '../media/rtp-port-allocator.js';
import { describeError, EngineFailure } from '../engine/engine-error.js';
import type {
  NatEnvironment,
  NatMedia,
  NatMediaState,
  NatStrategyId,
  OpenMediaOptions,
} from './nat-strategy.js';

export type { RtpEndpoints };

/**
 * Binds an even RTP port and the RTCP port above it (RFC 3550 §11), or takes the pair a reopen
 * is given.
 */
export async function bindMediaPair(
  environment: NatEnvironment,
  options: OpenMediaOptions = {},
): Promise<RtpEndpoints> {
  if (options.sockets) return options.sockets;
  try {
    return await allocateRtpEndpoints({ address: environment.bindAddress });
  } catch (error) {
    throw new EngineFailure(
      'media-socket',
      `cannot open the call's audio sockets: ${describeError(error)}`,
    );
  }
}

/** The local address of a pair, as the SDP carries it when nothing better is known. */
export function localMediaAddress(
  environment: NatEnvironment,
  endpoints: RtpEndpoints,
): MediaAddress {
  return {
    connection: environment.localAddress,
    audioPort: endpoints.rtp.bound.port,
    source: 'local',
  };
}

/** Media sent and received on the pair's own sockets, at the addresses the strategy learned. */
export class DirectMedia implements NatMedia {
  private closed = false;

  constructor(
    readonly strategy: NatStrategyId,
    private readonly endpoints: RtpEndpoints,
    readonly address: MediaAddress,
    readonly rtcpAddress: TransportAddress | null,
    private readonly relayStatus: RelayStatus | null = null,
  ) {}

  get rtp() {
    return this.endpoints.rtp;
  }

  get rtcp() {
    return this.endpoints.rtcp;
  }

  get sockets(): RtpEndpoints {
    return this.endpoints;
  }

  get state(): NatMediaState {
    return this.closed ? 'closed' : 'open';
  }

  relay(): RelayStatus | null {
    return this.relayStatus;
  }

  connect(): void {
    // Nothing to set up: the sockets send wherever the session tells them.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closePair(this.endpoints);
  }
}

export async function closePair(endpoints: RtpEndpoints): Promise<void> {
  await Promise.all([endpoints.rtp.close(), endpoints.rtcp.close()]).catch(() => undefined);
}
