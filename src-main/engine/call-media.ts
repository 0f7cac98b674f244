import type {
  MediaAddress,
  RelayStatus,
  RtpStats,
  TransportAddress,
} from '../../src-shared/domain.js';
import { relayTransport } from '../net/relay-transport.js';
import { TurnClient, type TurnServerSpec } from '../net/turn-client.js';
import { discoverMapping } from '../net/stun-discovery.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import { allocateRtpEndpoints } from '../media/rtp-port-allocator.js';
import { RtpSession, type AudioSource, type RemoteRtcp } from '../media/rtp-session.js';
import {
  answerDirection,
  buildAudioSdp,
  parseAudioSdp,
  type MediaDirection,
  type ParsedAudioSdp,
} from '../media/sdp.js';
import type { CallMediaPort } from '../sip/call-media-port.js';

export type AudioCodecName = 'PCMU' | 'PCMA';

export interface CallMediaOptions {
  stunServers: string[];
  stunDeadlineMs: number;
  stunRtoMs: number;
  localAddress: string;
  bindAddress: string;
  /** Codecs we offer, in order of preference. */
  codecs: AudioCodecName[];
  telephoneEventPt: number;
  /** RFC 6263 keepalive interval on the RTP socket while no audio is sent; 0 for none. */
  keepaliveMs?: number;
  /** Called once RTP may flow: the audio to send for this call. */
  audioSource: () => AudioSource;
  onAudio?: (frame: Int16Array) => void;
  onDtmf?: (digit: string) => void;
  /** The TURN relay this call's media goes through, as the engine's policy decided; or null. */
  relay: TurnServerSpec | null;
  /** Learns how the relay fared: allocated, or failed and why (the call then goes direct). */
  onRelay?: (status: RelayStatus) => void;
  /** Learns the address and codec decided for the call, for its CallInfo. */
  onNegotiated?: (info: {
    local: MediaAddress;
    remote: MediaAddress | null;
    codec: string;
  }) => void;
}

/** Longest a call waits for the relay before it goes out direct (the TURN issue's bound). */
const RELAY_TIMEOUT_MS = 2000;

const STATIC_PAYLOAD_TYPES: Record<AudioCodecName, number> = { PCMU: 0, PCMA: 8 };

/**
 * One call's media: its RTP socket (discovering its own public mapping with STUN, so the SDP
 * carries the port the provider must send to), the SDP offer/answer, and the RTP session.
 */
export class CallMedia implements CallMediaPort {
  private endpoints: { rtp: UdpEndpoint; rtcp: UdpEndpoint } | null = null;
  private preparing: Promise<MediaAddress> | null = null;
  private local: MediaAddress | null = null;
  private remote: ParsedAudioSdp | null = null;
  /** RFC 3264 offer/answer: whose offer is outstanding, if anyone's. */
  private awaitingAnswer = false;
  private remoteOfferPending = false;
  private session: RtpSession | null = null;
  private turn: TurnClient | null = null;
  private channelPeer: string | null = null;
  private readonly sessionId = String(Math.floor(Math.random() * 1e9));
  private sessionVersion = 0;
  private muted = false;
  private closed = false;
  /** Counts of an RTP session that a reopen replaced. */
  private carriedStats: RtpStats | null = null;
  private sessionRelayed = false;

  constructor(private readonly options: CallMediaOptions) {}

  prepare(): Promise<MediaAddress> {
    this.preparing ??= this.bindAndDiscover();
    return this.preparing;
  }

  private async bindAndDiscover(): Promise<MediaAddress> {
    const endpoints = await allocateRtpEndpoints({ address: this.options.bindAddress });
    if (this.closed) {
      await Promise.all([endpoints.rtp.close(), endpoints.rtcp.close()]);
      throw new Error('call ended before its media was ready');
    }
    this.endpoints = endpoints;
    const localPort = endpoints.rtp.bound.port;
    let address: MediaAddress = {
      connection: this.options.localAddress,
      audioPort: localPort,
      source: 'local',
    };
    // STUN and TURN run side by side on the socket: the relay is tried, the mapping is the fallback.
    const [discovery, relayed] = await Promise.all([
      this.options.stunServers.length > 0
        ? // One answer is all a call needs; a dead server must not hold the INVITE back.
          discoverMapping(endpoints.rtp, this.options.stunServers, {
            deadlineMs: this.options.stunDeadlineMs,
            graceAfterFirstMs: 0,
            rtoMs: this.options.stunRtoMs,
            localAddress: this.options.localAddress,
          })
        : null,
      this.allocateRelay(endpoints.rtp),
    ]);
    if (discovery?.mapped) {
      address = {
        connection: discovery.mapped.address,
        audioPort: discovery.mapped.port,
        source: 'stun',
      };
    }
    if (relayed) {
      address = { connection: relayed.address, audioPort: relayed.port, source: 'turn' };
    } else if (this.options.relay) {
      this.options.onRelay?.({
        ...this.relayStatus,
        error: `${this.relayStatus.error ?? 'the relay failed'}; this call uses its ${address.source === 'stun' ? 'STUN' : 'local'} address instead`,
      });
    }
    this.local = address;
    return address;
  }

  /**
   * After a network change: learns the RTP socket's mapping again from `localAddress`, the
   * address traffic leaves from now, so that the next offer (a re-INVITE) carries the address
   * the far end can reach; every offer bumps the SDP version (RFC 3264 §8). Sockets bound to an
   * address the machine no longer has move to `localAddress`, with an RTP session of their own
   * (its counters start afresh). A relayed call keeps its relay address.
   */
  async renew(localAddress: string): Promise<MediaAddress> {
    const current = await this.prepare();
    if (!this.endpoints || this.closed || current.source === 'turn') return current;
    const bound = this.endpoints.rtp.bound.address;
    if (bound !== '0.0.0.0' && bound !== localAddress) await this.rebind(localAddress);
    const rtp = this.endpoints.rtp;
    if (this.closed) return current;
    let address: MediaAddress = {
      connection: localAddress,
      audioPort: rtp.bound.port,
      source: 'local',
    };
    if (this.options.stunServers.length > 0) {
      const discovery = await discoverMapping(rtp, this.options.stunServers, {
        deadlineMs: this.options.stunDeadlineMs,
        graceAfterFirstMs: 0,
        rtoMs: this.options.stunRtoMs,
        localAddress,
      });
      if (discovery.mapped) {
        address = {
          connection: discovery.mapped.address,
          audioPort: discovery.mapped.port,
          source: 'stun',
        };
      }
    }
    this.local = address;
    this.preparing = Promise.resolve(address);
    return address;
  }

  private async rebind(address: string): Promise<void> {
    const next = await allocateRtpEndpoints({ address });
    const previous = this.endpoints;
    this.endpoints = next;
    // A session sends from the socket it was made with: a new one on the new socket, sending at
    // once to the far end, so that the router maps it before the far end's RTP can arrive at
    // the new address (and push our packets onto another public port than the SDP's).
    this.session?.stop();
    this.session = null;
    if (previous) await Promise.all([previous.rtp.close(), previous.rtcp.close()]);
    if (this.closed) {
      await Promise.all([next.rtp.close(), next.rtcp.close()]);
      return;
    }
    this.startMedia();
  }

  private relayStatus: RelayStatus = {
    server: '',
    state: 'closed',
    relayed: null,
    rttMs: null,
    error: null,
  };

  /** Allocates on the TURN server (bounded: a dead relay costs at most its timeout). */
  private async allocateRelay(
    endpoint: UdpEndpoint,
    spec = this.options.relay,
  ): Promise<TransportAddress | null> {
    if (!spec) return null;
    const turn = new TurnClient(endpoint, spec, { allocateTimeoutMs: RELAY_TIMEOUT_MS });
    try {
      const allocation = await turn.allocate();
      if (this.closed) {
        await turn.close();
        return null;
      }
      this.turn = turn;
      this.relayStatus = {
        server: spec.server,
        state: 'allocated',
        relayed: allocation.relayed,
        rttMs: allocation.rttMs,
        error: null,
      };
      this.options.onRelay?.(this.relayStatus);
      return allocation.relayed;
    } catch (error) {
      await turn.close();
      this.relayStatus = {
        server: spec.server,
        state: 'failed',
        relayed: null,
        rttMs: null,
        error: `TURN ${spec.server}: ${error instanceof Error ? error.message : String(error)}`,
      };
      return null;
    }
  }

  /**
   * Reopens the media with another NAT strategy mid-call, for a rescue of one-way audio: `stun`
   * asks the STUN servers again from the RTP socket (the router may have moved its mapping),
   * `turn` allocates on `relay` and moves the RTP session onto it. Returns the address the next
   * offer carries, or null when the strategy failed (the media then stays as it was).
   */
  async reopen(
    strategy: 'stun' | 'turn',
    relay: TurnServerSpec | null,
  ): Promise<MediaAddress | null> {
    const endpoints = this.endpoints;
    if (!endpoints || this.closed || this.turn) return null;
    let address: MediaAddress | null = null;
    if (strategy === 'stun' && this.options.stunServers.length > 0) {
      const discovery = await discoverMapping(endpoints.rtp, this.options.stunServers, {
        deadlineMs: this.options.stunDeadlineMs,
        graceAfterFirstMs: 0,
        rtoMs: this.options.stunRtoMs,
        localAddress: this.options.localAddress,
      });
      if (discovery.mapped) {
        address = {
          connection: discovery.mapped.address,
          audioPort: discovery.mapped.port,
          source: 'stun',
        };
      }
    } else if (strategy === 'turn' && relay) {
      const relayed = await this.allocateRelay(endpoints.rtp, relay);
      if (relayed) {
        address = { connection: relayed.address, audioPort: relayed.port, source: 'turn' };
      } else {
        this.options.onRelay?.(this.relayStatus);
      }
    }
    if (!address || this.closed) return null;
    this.local = address;
    this.preparing = Promise.resolve(address);
    return address;
  }

  /** The far end's latest RTCP and our SSRC, for the one-way audio watch. */
  remoteRtcp(): { report: RemoteRtcp | null; ourSsrc: number } | null {
    return this.session
      ? { report: this.session.lastRemoteRtcp, ourSsrc: this.session.ssrc }
      : null;
  }

  async localDescription({ hold }: { hold: boolean }): Promise<string> {
    const local = await this.prepare();
    this.sessionVersion++;
    const answering = this.remoteOfferPending;
    const remote = this.remote;
    const codecs =
      answering && remote?.codec ? [remote.codec.name as AudioCodecName] : this.options.codecs;
    // An answer carries telephone-event only if the offer did (RFC 4733 §2.5.1); null omits it.
    const telephoneEventPt = answering
      ? (remote?.telephoneEventPt ?? null)
      : this.options.telephoneEventPt;
    const remoteHolds = remote?.direction === 'sendonly' || remote?.direction === 'inactive';
    // An answer mirrors the offer (RFC 3264 §6.1); an offer of ours says only whether we hold.
    const direction: MediaDirection =
      answering && remote
        ? answerDirection(remote.direction, hold)
        : hold
          ? remoteHolds
            ? 'inactive'
            : 'sendonly'
          : 'sendrecv';
    if (answering) {
      this.remoteOfferPending = false;
      this.startMedia();
    } else {
      this.awaitingAnswer = true;
    }
    this.session?.setDirection(direction);
    return buildAudioSdp({
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      username: 'natter',
      connection: local.connection,
      audioPort: local.audioPort,
      codecs,
      telephoneEventPt,
      direction,
    });
  }

  applyRemoteDescription(sdp: string): void {
    const parsed = parseAudioSdp(sdp);
    if (!parsed.ok) throw new Error(`unusable SDP from the other side: ${parsed.reason}`);
    if (!parsed.codec) throw new Error('the other side offers none of PCMU or PCMA');
    this.remote = parsed;
    if (this.awaitingAnswer) {
      this.awaitingAnswer = false;
      this.startMedia();
    } else {
      this.remoteOfferPending = true;
    }
  }

  private startMedia(): void {
    const remote = this.remote;
    if (!this.endpoints || !remote?.codec || this.closed) return;
    const target: TransportAddress = { address: remote.connection, port: remote.audioPort };
    const codecName = remote.codec.name as AudioCodecName;
    if (this.session && this.session.codec !== codecName) {
      this.session.stop();
      this.session = null;
    }
    if (this.session && this.turn && !this.sessionRelayed) {
      // Reopened onto the relay mid-call: the session moves there with the answer, counts kept.
      this.carriedStats = this.stats();
      this.session.stop();
      this.session = null;
    }
    if (this.turn) this.bindRelayChannel(this.turn, target);
    if (!this.session) {
      this.sessionRelayed = this.turn !== null;
      const transport = this.turn
        ? relayTransport(this.turn, this.endpoints.rtp)
        : this.endpoints.rtp;
      this.session = new RtpSession(transport, {
        codec: codecName,
        payloadType: remote.codec.payloadType ?? STATIC_PAYLOAD_TYPES[codecName],
        telephoneEventPt: remote.telephoneEventPt,
        rtcpEndpoint: this.endpoints.rtcp,
        ...(this.options.keepaliveMs === undefined
          ? {}
          : { keepaliveMs: this.options.keepaliveMs }),
      });
      if (this.options.onAudio) this.session.onAudio(this.options.onAudio);
      if (this.options.onDtmf) this.session.onDtmf(this.options.onDtmf);
      this.session.setRemote(target);
      const source = this.options.audioSource();
      this.session.start(() => (this.muted ? null : source()));
    } else {
      this.session.setRemote(target);
    }
    if (this.local) {
      this.options.onNegotiated?.({
        local: this.local,
        remote: { connection: remote.connection, audioPort: remote.audioPort },
        codec: codecName,
      });
    }
  }

  /** A channel to the remote's media address: 4 bytes of overhead per packet instead of 36. */
  private bindRelayChannel(turn: TurnClient, target: TransportAddress): void {
    const key = `${target.address}:${target.port}`;
    if (this.channelPeer === key) return;
    this.channelPeer = key;
    turn.bindChannel(target).catch((error: unknown) => {
      this.options.onRelay?.({
        ...this.relayStatus,
        error: `TURN channel to ${key}: ${error instanceof Error ? error.message : String(error)}`,
      });
    });
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
  }

  sendDtmf(digits: string): boolean {
    if (!this.session || this.remote?.telephoneEventPt === null) return false;
    return this.session.sendDtmf(digits);
  }

  stats(): RtpStats | null {
    const current = this.session?.stats() ?? null;
    const carried = this.carriedStats;
    if (!carried || !current) return current ?? carried;
    return {
      ...current,
      packetsSent: carried.packetsSent + current.packetsSent,
      bytesSent: carried.bytesSent + current.bytesSent,
      packetsReceived: carried.packetsReceived + current.packetsReceived,
      bytesReceived: carried.bytesReceived + current.bytesReceived,
      packetsLost: carried.packetsLost + current.packetsLost,
      firstSentAt: carried.firstSentAt ?? current.firstSentAt,
      firstReceivedAt: carried.firstReceivedAt ?? current.firstReceivedAt,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session?.stop();
    // Deallocation goes out before the socket closes; it is bounded and never throws.
    const turn = this.turn;
    this.turn = null;
    const closing = turn ? turn.close() : Promise.resolve();
    const endpoints = this.endpoints;
    if (endpoints) {
      void closing.finally(() => void endpoints.rtp.close());
      void endpoints.rtcp.close();
    }
    if (turn) this.options.onRelay?.({ ...this.relayStatus, state: 'closed' });
  }
}
