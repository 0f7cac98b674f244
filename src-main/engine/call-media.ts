import type {
  CallEndCode,
  CallSrtp,
  MediaAddress,
  MediaEncryption,
  NatStrategyId,
  RelayStatus,
  RtpStats,
} from '../../src-shared/domain.js';
import type { NatMedia, NatStrategy, OpenMediaOptions } from '../nat/index.js';
import type { MediaTransport } from '../net/media-transport.js';
import { RtpSession, type AudioSource, type RemoteRtcp } from '../media/rtp-session.js';
import {
  answerDirection,
  answeredFormat,
  buildAudioSdp,
  chooseCodec,
  parseAudioSdp,
  type MediaDirection,
  type ParsedAudioSdp,
} from '../media/sdp.js';
import { SrtpNegotiation } from '../media/srtp-negotiation.js';
import { emptySrtpDrops, srtpTransport } from '../media/srtp-transport.js';
import type { CallMediaPort } from '../sip/call-media-port.js';
import { EngineFailure } from './engine-error.js';

import { VOICE_PAYLOAD_TYPES, type VoiceCodecName } from '../media/voice-codec.js';

export type AudioCodecName = VoiceCodecName;

export interface CallMediaOptions {
  /** The NAT strategy that opens this call's sockets, as the engine's policy picked it. */
  nat: NatStrategy;
  /**
   * A strategy by id for the network the phone is on now: what a rescue or a network change
   * reopens the media with.
   */
  strategyFor: (id: NatStrategyId) => NatStrategy;
  /** Advertise the RTCP socket's public address (RFC 3605) and offer rtcp-mux (RFC 5761). */
  advertiseRtcp: boolean;
  /** Codecs we offer, in order of preference. */
  codecs: AudioCodecName[];
  telephoneEventPt: number;
  /** RFC 6263 keepalive interval on the RTP socket while no audio is sent; 0 for none. */
  keepaliveMs?: number;
  /** SRTP (SDES) for this call; off by default. */
  mediaEncryption?: MediaEncryption;
  /** Called once RTP may flow: the audio to send for this call. */
  audioSource: () => AudioSource;
  onAudio?: (frame: Int16Array) => void;
  onDtmf?: (digit: string) => void;
  /** Learns how the relay fared: allocated, or failed and why (the call then goes direct). */
  onRelay?: (status: RelayStatus) => void;
  /** Learns the address and codec decided for the call, for its CallInfo. */
  onNegotiated?: (info: {
    local: MediaAddress;
    remote: MediaAddress | null;
    codec: string;
    srtp?: CallSrtp;
  }) => void;
}

const STATIC_PAYLOAD_TYPES: Readonly<Record<AudioCodecName, number>> = VOICE_PAYLOAD_TYPES;

/**
 * One call's media: the sockets its NAT strategy opened (with their public addresses, so the SDP
 * carries the ports the provider must send to), the SDP offer/answer, and the RTP session.
 */
export class CallMedia implements CallMediaPort {
  private media: NatMedia | null = null;
  private preparing: Promise<MediaAddress> | null = null;
  private remote: ParsedAudioSdp | null = null;
  /** RFC 3264 offer/answer: whose offer is outstanding, if anyone's. */
  private awaitingAnswer = false;
  private remoteOfferPending = false;
  private session: RtpSession | null = null;
  private readonly sessionId = String(Math.floor(Math.random() * 1e9));
  private sessionVersion = 0;
  private muted = false;
  private closed = false;
  /** Counts of an RTP session that a reopen replaced. */
  private carriedStats: RtpStats | null = null;
  /** What the RTP session sends and receives through: a reopen may move the media elsewhere. */
  private sessionTransports: { rtp: MediaTransport; rtcp: MediaTransport } | null = null;
  /** The call's SRTP, kept across re-INVITEs so keys and rollover counters continue. */
  private readonly srtp: SrtpNegotiation;
  /** SRTP packets that failed authentication or replay checks, dropped. */
  readonly srtpDrops = emptySrtpDrops();
  /**
   * Why the answer to our offer could not be taken (sip.js then ends the call with a BYE), for
   * the call's end reason.
   */
  refusal: [CallEndCode, string] | null = null;

  constructor(private readonly options: CallMediaOptions) {
    this.srtp = new SrtpNegotiation(options.mediaEncryption ?? 'off');
  }

  prepare(): Promise<MediaAddress> {
    this.preparing ??= this.open();
    return this.preparing;
  }

  private async open(): Promise<MediaAddress> {
    const onRelay = this.options.onRelay;
    const media = await this.options.nat.openMedia(onRelay ? { onRelay } : {});
    if (this.closed) {
      await media.close();
      throw new EngineFailure('call-ended', 'call ended before its media was ready');
    }
    this.media = media;
    return media.address;
  }

  /**
   * Reopens the media with another NAT strategy mid-call, for a rescue of one-way audio, on the
   * call's own sockets: `stun` asks the STUN servers again (the router may have moved its
   * mapping), `turn` allocates a relay, and the RTP session moves onto it with the answer.
   * Returns the address the next offer carries, or null when the strategy could not help (the
   * media then stays as it was).
   *
   * With `newPorts` the media moves to a new socket pair mapped anew, whose session sends at
   * once: for a router that keeps the old pair's public port for a flow of the far end's own. A
   * far end whose RTP reached that port before ours left (it answered and spoke at once) holds
   * the port's conntrack slot on a Linux router, so ours leaves by another port and its audio,
   * sent to the SDP's, is dropped, while a fresh STUN answer on the old pair names the old port.
   */
  async reopen(
    strategy: NatStrategyId,
    { newPorts = false }: { newPorts?: boolean } = {},
  ): Promise<MediaAddress | null> {
    const media = this.media;
    // A relayed call has nowhere further to go.
    if (!media || this.closed || media.strategy === 'turn') return null;
    let next: NatMedia;
    try {
      const sockets = newPorts ? this.openOptions() : this.openOptions(media);
      next = await this.options.strategyFor(strategy).openMedia(sockets);
    } catch {
      return null;
    }
    // A relay that failed leaves the fallback's mapping: no rescue (its failure was reported).
    const usable =
      !this.closed &&
      this.media === media &&
      next.strategy === strategy &&
      next.address.source !== 'local';
    if (!usable) {
      // Media opened on the call's own sockets is dropped, not closed: the pair outlives it.
      if (newPorts) await next.close();
      return null;
    }
    this.useMedia(next);
    if (newPorts) await this.moveSessionFrom(media);
    return next.address;
  }

  /**
   * After a network change: the media learns its public side again from the network it is on
   * now, through the call's own strategy, so that the next offer (a re-INVITE) carries the
   * address the far end can reach; every offer bumps the SDP version (RFC 3264 §8). Sockets
   * bound to an address the machine no longer has are replaced by a new pair, with an RTP
   * session of its own that sends at once. A relayed call keeps its relay address.
   */
  async renew(localAddress: string): Promise<MediaAddress> {
    const current = await this.prepare();
    const media = this.media;
    if (!media || this.closed || media.strategy === 'turn') return current;
    const bound = media.sockets.rtp.bound.address;
    const gone = bound !== '0.0.0.0' && bound !== localAddress;
    const strategy = this.options.strategyFor(media.strategy);
    const next = await strategy.openMedia(gone ? this.openOptions() : this.openOptions(media));
    if (this.closed || this.media !== media) {
      if (gone) await next.close();
      return current;
    }
    this.useMedia(next);
    if (gone) await this.moveSessionFrom(media);
    return next.address;
  }

  /**
   * A session sends from the socket it was made with: a new one on the new pair, its counts
   * carried on, sending at once to the far end, so that the router maps it before the far end's
   * RTP can arrive at the new address (and push our packets onto another public port than the
   * SDP's).
   */
  private async moveSessionFrom(old: NatMedia): Promise<void> {
    if (this.session) this.carriedStats = this.stats();
    this.session?.stop();
    this.session = null;
    this.sessionTransports = null;
    await old.close();
    this.startMedia();
  }

  /** What a reopen asks of a strategy: `media`'s sockets when it keeps them. */
  private openOptions(media?: NatMedia): OpenMediaOptions {
    const onRelay = this.options.onRelay;
    return { ...(onRelay ? { onRelay } : {}), ...(media ? { sockets: media.sockets } : {}) };
  }

  private useMedia(next: NatMedia): void {
    // The media before, on the same sockets, holds nothing else: it is dropped, not closed.
    this.media = next;
    this.preparing = Promise.resolve(next.address);
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
    const security = answering ? this.srtp.answer() : this.srtp.offer();
    if (answering) {
      this.remoteOfferPending = false;
      this.startMedia();
    } else {
      this.awaitingAnswer = true;
    }
    this.session?.setDirection(direction);
    const rtcp = this.advertisedRtcp(local);
    // RFC 5761 §5.1.1: an answer accepts rtcp-mux only if the offer asked for it.
    const rtcpMux = this.options.advertiseRtcp && (!answering || remote?.rtcpMux === true);
    return buildAudioSdp({
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      username: 'natter',
      connection: local.connection,
      audioPort: local.audioPort,
      codecs,
      // An answer writes the codec as the offer did: its payload type, its rtpmap rate.
      ...(answering && remote?.codec ? answeredFormat(remote.codec) : {}),
      telephoneEventPt,
      direction,
      ...(rtcp ? { rtcp } : {}),
      ...(rtcpMux ? { rtcpMux } : {}),
      profile: security.profile,
      crypto: security.crypto,
    });
  }

  /**
   * `a=rtcp` when our RTCP does not arrive at the RTP address's next port (RFC 3605): behind a
   * NAT that remaps ports, or through a relay, whose RTCP allocation has an address of its own.
   */
  private advertisedRtcp(local: MediaAddress): { address: string; port: number } | null {
    const rtcp = this.media?.rtcpAddress;
    if (!this.options.advertiseRtcp || !rtcp) return null;
    if (rtcp.address === local.connection && rtcp.port === local.audioPort + 1) return null;
    return { address: rtcp.address, port: rtcp.port };
  }

  applyRemoteDescription(sdp: string): void {
    const parsed = parseAudioSdp(sdp);
    if (!parsed.ok)
      throw new EngineFailure('bad-sdp', `unusable SDP from the other side: ${parsed.reason}`);
    // Our order of preference picks among an offer's codecs; an answer to ours names its own.
    const codec = this.awaitingAnswer
      ? parsed.codecs.find((candidate) => this.options.codecs.includes(candidate.name))
      : chooseCodec(parsed.codecs, this.options.codecs);
    if (!codec) {
      throw new EngineFailure(
        'no-common-codec',
        `the other side offers none of ${this.options.codecs.join(', ')}`,
      );
    }
    const refusal = this.awaitingAnswer
      ? this.srtp.acceptAnswer(parsed)
      : this.srtp.acceptOffer(parsed);
    if (refusal) {
      if (this.awaitingAnswer) this.refusal = ['not-encrypted', refusal];
      throw new EngineFailure('srtp', refusal);
    }
    this.remote = { ...parsed, codec };
    if (this.awaitingAnswer) {
      this.awaitingAnswer = false;
      this.startMedia();
    } else {
      this.remoteOfferPending = true;
    }
  }

  private startMedia(): void {
    const remote = this.remote;
    const media = this.media;
    if (!media || !remote?.codec || this.closed) return;
    const target = { address: remote.connection, port: remote.audioPort };
    const codecName = remote.codec.name as AudioCodecName;
    if (this.session && this.session.codec !== codecName) {
      this.session.stop();
      this.session = null;
    }
    const remoteRtcp =
      remote.rtcpPort === undefined
        ? null
        : { address: remote.rtcpAddress ?? remote.connection, port: remote.rtcpPort };
    media.connect(target, remoteRtcp);
    const transports = this.sessionTransports;
    if (this.session && (transports?.rtp !== media.rtp || transports.rtcp !== media.rtcp)) {
      // Reopened onto a relay mid-call: the session moves there with the answer, counts kept.
      this.carriedStats = this.stats();
      this.session.stop();
      this.session = null;
    }
    if (!this.session) {
      this.sessionTransports = { rtp: media.rtp, rtcp: media.rtcp };
      this.session = new RtpSession(this.secured(media.rtp), {
        codec: codecName,
        payloadType: remote.codec.payloadType ?? STATIC_PAYLOAD_TYPES[codecName],
        telephoneEventPt: remote.telephoneEventPt,
        rtcpEndpoint: this.secured(media.rtcp),
        ...(this.options.keepaliveMs === undefined
          ? {}
          : { keepaliveMs: this.options.keepaliveMs }),
      });
      if (this.options.onAudio) this.session.onAudio(this.options.onAudio);
      if (this.options.onDtmf) this.session.onDtmf(this.options.onDtmf);
      this.session.setRemote(target, remoteRtcp ?? undefined);
      const source = this.options.audioSource();
      this.session.start(() => (this.muted ? null : source()));
    } else {
      this.session.setRemote(target, remoteRtcp ?? undefined);
    }
    // Muxed when both sides said so: ours offered (or accepted) it, theirs carries it too.
    this.session.setRtcpMux(this.options.advertiseRtcp && remote.rtcpMux);
    const srtp = this.srtp.status();
    this.options.onNegotiated?.({
      local: media.address,
      remote: { connection: remote.connection, audioPort: remote.audioPort },
      codec: codecName,
      ...(srtp ? { srtp } : {}),
    });
  }

  /** A transport with the call's SRTP in between, unless encryption is off altogether. */
  private secured(transport: MediaTransport): MediaTransport {
    if (this.srtp.mode === 'off') return transport;
    return srtpTransport(transport, () => this.srtp.contexts(), this.srtpDrops);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
  }

  /** Whether the far end took RFC 4733 telephone-events, so digits can go in the RTP stream. */
  get carriesTelephoneEvents(): boolean {
    return this.session !== null && this.remote !== null && this.remote.telephoneEventPt !== null;
  }

  /** Digits as tones in the call's audio; false before the call has media or without a digit. */
  sendDtmfInAudio(digits: string): boolean {
    return this.session?.sendDtmfInAudio(digits) ?? false;
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
    // Releasing the relay goes out before the sockets close; it is bounded and never throws.
    void this.media?.close();
  }
}
