import type { MediaAddress, RelayStatus, RtpStats } from '../../src-shared/domain.js';
import type { NatMedia, NatStrategy } from '../nat/index.js';
import { RtpSession, type AudioSource } from '../media/rtp-session.js';
import {
  answerDirection,
  buildAudioSdp,
  parseAudioSdp,
  type MediaDirection,
  type ParsedAudioSdp,
} from '../media/sdp.js';
import type { CallMediaPort } from '../sip/call-media-port.js';
import { EngineFailure } from './engine-error.js';

export type AudioCodecName = 'PCMU' | 'PCMA';

export interface CallMediaOptions {
  /** The NAT strategy that opens this call's sockets, as the engine's policy picked it. */
  nat: NatStrategy;
  /** Advertise the RTCP socket's public address (RFC 3605) and offer rtcp-mux (RFC 5761). */
  advertiseRtcp: boolean;
  /** Codecs we offer, in order of preference. */
  codecs: AudioCodecName[];
  telephoneEventPt: number;
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
  }) => void;
}

const STATIC_PAYLOAD_TYPES: Record<AudioCodecName, number> = { PCMU: 0, PCMA: 8 };

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

  constructor(private readonly options: CallMediaOptions) {}

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
      telephoneEventPt,
      direction,
      ...(rtcp ? { rtcp } : {}),
      ...(rtcpMux ? { rtcpMux } : {}),
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
    if (!parsed.codec) {
      throw new EngineFailure('no-common-codec', 'the other side offers none of PCMU or PCMA');
    }
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
    if (!this.session) {
      this.session = new RtpSession(media.rtp, {
        codec: codecName,
        payloadType: remote.codec.payloadType ?? STATIC_PAYLOAD_TYPES[codecName],
        telephoneEventPt: remote.telephoneEventPt,
        rtcpEndpoint: media.rtcp,
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
    this.options.onNegotiated?.({
      local: media.address,
      remote: { connection: remote.connection, audioPort: remote.audioPort },
      codec: codecName,
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
    return this.session?.stats() ?? null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session?.stop();
    // Releasing the relay goes out before the sockets close; it is bounded and never throws.
    void this.media?.close();
  }
}
