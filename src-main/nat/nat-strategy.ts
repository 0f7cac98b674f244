/**
 * The one seam between the phone and the network's NAT: a strategy, chosen by id, yields the
 * address the SIP socket's Contact carries and opens each call's media (its public address, the
 * RTP and RTCP transports, a status and close). The engine and the doctor never name STUN or
 * TURN; they ask a strategy (baresip's `mnat` idea in our shape).
 */
import type {
  MediaAddress,
  NatStrategyId,
  NatType,
  RelayStatus,
  StunServerResult,
  TransportAddress,
} from '../../src-shared/domain.js';
import type { RtpEndpoints } from '../media/rtp-port-allocator.js';
import type { MediaTransport } from '../net/media-transport.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';

/**
 * The strategies the registry knows (one type with the one calls and rescues report, in
 * src-shared). `portmap` asks the router for a mapping (PCP, NAT-PMP).
 */
export type { NatStrategyId };

/** A TURN relay as the settings give it. */
export interface RelaySettings {
  /** `host:port` (3478 when the port is left out). */
  server: string;
  username: string;
  password: string;
}

/** The settings the strategies and the policy that picks them read. */
export interface NatSettings {
  /** STUN servers as `host[:port]`, asked in parallel. */
  stunServers: string[];
  /** Whether STUN may be used at all; off means "no NAT help" whatever the list holds. */
  stunEnabled: boolean;
  /** A call never waits longer than this for STUN. */
  stunDeadlineMs: number;
  /** STUN initial retransmission timeout (RFC 5389 §7.2.1). */
  stunRtoMs: number;
  turn: RelaySettings | null;
  /** Relay calls never, only behind a symmetric NAT, or always. */
  turnPolicy: 'never' | 'symmetric' | 'always';
  /** One strategy for everything (the doctor's test calls), or `auto`: the policy decides. */
  natStrategy: NatStrategyId | 'auto';
}

/** Where a strategy runs: its settings and the machine's side of the network. */
export interface NatEnvironment {
  settings: NatSettings;
  /** The local address traffic to the provider leaves from (to tell "no NAT" from a NAT). */
  localAddress: string;
  /** The address media sockets bind to; `0.0.0.0` for all interfaces. */
  bindAddress: string;
  /** Where a strategy tells, in words for the user, what it did or could not do. */
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** What a strategy learned about one socket's public side. */
export interface ContactMapping {
  /** The public address of the socket, or null when the strategy learned none. */
  mapped: TransportAddress | null;
  natType: NatType;
  /** Each STUN server's answer, when STUN was asked. */
  servers: StunServerResult[];
}

/**
 * A call's media as a strategy opened it.
 *
 * ```
 *  opening ──> open ──> closed
 *     │                   ▲
 *     └───────────────────┘   (the call ended first, or nothing could be bound)
 * ```
 */
export type NatMediaState = 'opening' | 'open' | 'closed';

export interface NatMedia {
  /** The strategy that carries the media: `turn` falls back to `stun` when the relay fails. */
  readonly strategy: NatStrategyId;
  /** Where the other side sends RTP: the SDP's `c=` and `m=` (source `local`/`stun`/`turn`). */
  readonly address: MediaAddress;
  /**
   * Where the other side sends RTCP, for `a=rtcp` (RFC 3605): the public mapping of the RTCP
   * socket (or its relay), or null when only the local port is known.
   */
  readonly rtcpAddress: TransportAddress | null;
  readonly rtp: MediaTransport;
  readonly rtcp: MediaTransport;
  /** The RTP/RTCP socket pair underneath, which a reopen on the same sockets is given. */
  readonly sockets: RtpEndpoints;
  readonly state: NatMediaState;
  /** The relay this media goes through, or why it could not; null without a relay. */
  relay(): RelayStatus | null;
  /** The remote's media addresses, once known: a relay binds its channels toward them. */
  connect(rtp: TransportAddress, rtcp: TransportAddress | null): void;
  /** Releases the relay (bounded) and closes the sockets; never throws. */
  close(): Promise<void>;
}

export interface OpenMediaOptions {
  /** Learns the relay's status as it changes: allocated, failed (and why), closed. */
  onRelay?: (status: RelayStatus) => void;
  /**
   * Opens on this pair instead of binding one: a call that reopens its media mid-call (a rescue
   * of one-way audio, a network change) keeps its sockets and the router's mappings of them. The
   * media opened before on the pair is then dropped, not closed: the pair outlives it.
   */
  sockets?: RtpEndpoints;
}

export interface NatStrategy {
  readonly id: NatStrategyId;
  /**
   * Whether the Contact may carry a public address this strategy learns. Without NAT help the
   * Contact stays local, even if the registrar reports another address: the user's choice, and
   * what the doctor's "call without NAT help" tests.
   */
  readonly mapsContact: boolean;
  /** Learns the public side of the SIP socket (asked from that very socket); never throws. */
  discoverContact(endpoint: UdpEndpoint): Promise<ContactMapping>;
  /**
   * Binds a call's RTP/RTCP pair (or takes `options.sockets`) and makes it reachable from
   * outside; throws EngineFailure.
   */
  openMedia(options?: OpenMediaOptions): Promise<NatMedia>;
  /** Gives back what the strategy holds for the SIP socket (a router's mapping); never throws. */
  release?(): Promise<void>;
}

/** Builds a strategy for an environment; each module registers one under its id. */
export type NatStrategyFactory = (environment: NatEnvironment) => NatStrategy;
