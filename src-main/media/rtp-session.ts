import { randomBytes } from 'node:crypto';
import type { RtpStats, TransportAddress } from '../../src-shared/domain.js';
import { AUDIO_SAMPLE_RATE } from '../../src-shared/audio-format.js';
import type { MediaTransport } from '../net/media-transport.js';
import { DtmfReceiver, DtmfSender, type DtmfSenderOptions } from './dtmf.js';
import { InbandDtmf } from './inband-dtmf.js';
import { JitterBuffer, type JitterBufferOptions, type JitterBufferStats } from './jitter-buffer.js';
import { systemClock, type MediaClock } from './media-clock.js';
import {
  buildRtcpCompound,
  compactNtp,
  isRtcpSecondByte,
  ntpTimestamp,
  parseRtcp,
  type RtcpCompound,
  type ReportBlock,
  type RtcpReport,
} from './rtcp.js';
import { parseRtp, serializeRtp, type RtpPacket } from './rtp-packet.js';
import { RtpReception } from './rtp-reception.js';
import { StreamClockLearner } from './stream-clock.js';
import { RtpSourceValidation } from './rtp-source-validation.js';
import type { MediaDirection } from './sdp.js';
import {
  createVoiceCodec,
  RTP_CLOCK_RATE,
  type VoiceCodec,
  type VoiceCodecName,
} from './voice-codec.js';

/** The audio to send: one 20 ms link frame (16 kHz) per call, or null to send nothing now. */
export type AudioSource = () => Int16Array | null;

/** What the session needs of a socket: a UDP endpoint, or a TURN relay over one. */
export type RtpTransport = MediaTransport;

export interface RtpSessionOptions {
  codec: VoiceCodecName;
  /** Payload type of the codec, as negotiated (0 PCMU, 8 PCMA, 9 G.722 unless remapped). */
  payloadType: number;
  /** RFC 4733 telephone-event payload type, or null when the remote did not accept it. */
  telephoneEventPt: number | null;
  /** Our SSRC; random by default (RFC 3550 §8.1). */
  ssrc?: number;
  /** Packet interval; 20 ms. */
  ptimeMs?: number;
  /** Time source; the system's monotonic clock and timers by default. */
  clock?: MediaClock;
  /** The companion RTCP socket (RTP port + 1); without it no RTCP is sent. */
  rtcpEndpoint?: RtpTransport;
  /** Mean RTCP report interval; 5 s (RFC 3550 §6.2 minimum). */
  rtcpIntervalMs?: number;
  /** SDES CNAME; random per session by default (RFC 7022), so it reveals nothing. */
  cname?: string;
  /**
   * Longest silence on the RTP socket while no audio is sent (hold, mute, recvonly) before an
   * RFC 6263 keepalive goes out; 15 s by default, 0 for none.
   */
  keepaliveMs?: number;
  /** Consecutive packets from a new source before sending follows it; 3. */
  latchAfterPackets?: number;
  /** How long after the remote's address is set sending may still follow another source; 10 s. */
  latchWindowMs?: number;
  jitterBuffer?: JitterBufferOptions;
  dtmf?: Omit<DtmfSenderOptions, 'ptimeMs' | 'clockRate'>;
}

/** Datagrams dropped on receipt, by reason. */
export interface RtpDropCounters {
  /** Not parseable as RTP (RFC 3550 §5.1). */
  malformed: number;
  /** A payload type not negotiated for this call. */
  unknownPayloadType: number;
  /** Another SSRC than the remote's, from its address while the remote's own stream is live. */
  foreignSsrc: number;
  /** From an address other than the remote's media source (RTP or RTCP). */
  foreignSource: number;
  /** Held on probation (RFC 3550 A.1) and given up: the stream never became valid. */
  unvalidated: number;
  /** A sequence jump not (yet) confirmed by the next packet (RFC 3550 A.1). */
  sequence: number;
  /** RTCP that failed the RFC 3550 A.2 checks. */
  rtcp: number;
}

/** The last RTCP compound packet received, with what could be derived from it. */
export interface RemoteRtcp {
  receivedAt: string;
  from: TransportAddress;
  compound: RtcpCompound;
  /** Round-trip time from a report block about our stream (RFC 3550 §6.4.1), when it has one. */
  rttMs: number | null;
}

const CLOCK_RATE = RTP_CLOCK_RATE;
/** ICE's Tr default (RFC 8445 §11), which RFC 6263 keepalives follow. */
const DEFAULT_KEEPALIVE_MS = 15_000;
/** Addresses that name no host: a datagram "to" one of them goes to the sender's own machine. */
const UNSPECIFIED_ADDRESSES = new Set(['0.0.0.0', '::']);
/** Intervals a stalled event loop may owe before the sender skips them instead of bursting. */
const MAX_CATCH_UP_TICKS = 3;
/** Long enough for a call's first packets from behind the remote's NAT, short enough to close. */
const DEFAULT_LATCH_WINDOW_MS = 10_000;
/** Silence after which the remote's stream counts as ended: ten 20 ms packets missing. */
const STREAM_QUIET_MS = 200;

interface ArrivedPacket {
  packet: RtpPacket;
  from: TransportAddress;
  isAudio: boolean;
}

/**
 * The RTP side of one call on its socket (RFC 3550): a paced G.711 or G.722 sender, a receiver with a
 * jitter buffer, RFC 4733 DTMF both ways, minimal RTCP, and the statistics that prove (or
 * disprove) one-way audio.
 *
 * Symmetric RTP: every packet leaves from the socket packets arrive on. When the remote's
 * packets come from another address than its SDP gave (a NAT on its side, a provider that
 * answers to the source, "comedia"), sending follows them after a few consistent packets early
 * in the call, as Asterisk's strict symmetric RTP does; once the remote's source is known,
 * nothing from elsewhere is heard and a second stream is not taken while the remote's is live
 * (see {@link RtpSourceValidation}).
 *
 * Pacing: ticks are scheduled against the start time on a monotonic clock, not chained by
 * intervals, so timer lateness never accumulates into drift; a stall longer than a few intervals
 * is skipped (timestamps still advance) instead of being sent as a burst.
 */
export class RtpSession {
  readonly codec: VoiceCodecName;
  readonly ssrc: number;
  /** The codec's coding state, both directions, and its conversion to the link's rate. */
  private readonly voice: VoiceCodec;
  /** Samples of one packet's audio at the codec's own rate (320 for G.722, 160 for G.711). */
  private readonly codecFrameSamples: number;
  private readonly options: RtpSessionOptions;
  private readonly clock: MediaClock;
  private readonly samplesPerPacket: number;
  private readonly ptimeMs: number;
  private readonly rtcpIntervalMs: number;
  private readonly cname: string;
  private readonly keepaliveMs: number;
  private readonly keepalivePayloadType: number;
  /** When the socket last sent RTP of any kind; -Infinity before the first packet. */
  private lastRtpSentAt = Number.NEGATIVE_INFINITY;
  private keepalivesSent = 0;
  private readonly rtcpEndpoint: RtpTransport | undefined;
  private readonly detach: Array<() => void> = [];

  private sdpRemote: TransportAddress | null = null;
  private readonly sourceValidation: RtpSourceValidation<ArrivedPacket>;
  private explicitRtcp: TransportAddress | null = null;
  /** RTCP goes on the RTP port to the RTP target (RFC 5761), as both sides agreed. */
  private rtcpMux = false;
  private direction: MediaDirection = 'sendrecv';

  private source: AudioSource | null = null;
  private running = false;
  private stopped = false;
  private cancelTick: (() => void) | null = null;
  private cancelRtcp: (() => void) | null = null;
  private startedAt = 0;
  private ticks = 0;
  private lastTickAt = 0;
  private sequence: number;
  /** Timestamp of the next interval to send. */
  private timestamp: number;
  /** The next audio packet begins a talkspurt (RFC 3551 §4.1: marker bit). */
  private talkspurt = true;

  private readonly dtmfSender: DtmfSender;
  /** Digits sent as tones in the audio, in place of the source's frames while they last. */
  private readonly inbandDtmf: InbandDtmf;
  private readonly dtmfReceiver = new DtmfReceiver();
  private readonly jitterBuffer: JitterBuffer;
  private playoutCarry: Int16Array = new Int16Array(0);

  private readonly reception = new RtpReception(CLOCK_RATE, STREAM_QUIET_MS);
  private readonly streamClock = new StreamClockLearner(CLOCK_RATE);
  private readonly sent = { packets: 0, bytes: 0, firstAt: null as string | null };
  private receivedBytes = 0;
  private firstReceivedAt: string | null = null;
  private lastSource: TransportAddress | null = null;
  private readonly drops: Omit<RtpDropCounters, 'unvalidated'> = {
    malformed: 0,
    unknownPayloadType: 0,
    foreignSsrc: 0,
    foreignSource: 0,
    sequence: 0,
    rtcp: 0,
  };
  private lastSrFromRemote: { compact: number; atMs: number } | null = null;
  private remoteReport: RemoteRtcp | null = null;
  /** The latest round trip measured; a report without a block about us does not erase it. */
  private latestRttMs: number | null = null;
  /** Packets sent as of the previous two reports (RFC 3550 §6.4: SR only if we sent since). */
  private packetsAtReports: [number, number] = [0, 0];
  /**
   * Sends that failed: on a closed socket, or through a relay that was not ready. A socket's own
   * send failures are not reported (dgram gives none without a callback); the far end counts them.
   */
  sendErrors = 0;
  /** Packets not sent because the far end's SDP named no address (`c=0.0.0.0`). */
  unaddressedSends = 0;

  private readonly audioListeners = new Set<(frame: Int16Array) => void>();
  private readonly dtmfListeners = new Set<(digit: string) => void>();
  private readonly errorListeners = new Set<(error: unknown) => void>();

  constructor(
    private readonly endpoint: RtpTransport,
    options: RtpSessionOptions,
  ) {
    this.codec = options.codec;
    this.options = options;
    this.ssrc = (options.ssrc ?? randomBytes(4).readUInt32BE(0)) >>> 0;
    this.clock = options.clock ?? systemClock;
    this.ptimeMs = options.ptimeMs ?? 20;
    this.samplesPerPacket = (CLOCK_RATE * this.ptimeMs) / 1000;
    this.voice = createVoiceCodec(options.codec);
    this.codecFrameSamples = (this.voice.sampleRate * this.ptimeMs) / 1000;
    this.rtcpIntervalMs = options.rtcpIntervalMs ?? 5000;
    this.cname = options.cname ?? `natter-${randomBytes(6).toString('hex')}`;
    this.sourceValidation = new RtpSourceValidation({
      latchAfterPackets: Math.max(1, options.latchAfterPackets ?? 3),
      latchWindowMs: options.latchWindowMs ?? DEFAULT_LATCH_WINDOW_MS,
      ssrcQuietMs: STREAM_QUIET_MS,
    });
    this.rtcpEndpoint = options.rtcpEndpoint;
    this.keepaliveMs = Math.max(0, options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS);
    this.keepalivePayloadType = unusedDynamicPayloadType([
      options.payloadType,
      options.telephoneEventPt,
    ]);
    // Random initial values make known-plaintext attacks on encrypted streams harder and keep
    // a restarted session distinguishable from the old one (RFC 3550 §5.1).
    this.sequence = randomBytes(2).readUInt16BE(0);
    this.timestamp = randomBytes(4).readUInt32BE(0);
    this.dtmfSender = new DtmfSender({
      ...options.dtmf,
      ptimeMs: this.ptimeMs,
      clockRate: CLOCK_RATE,
    });
    this.inbandDtmf = new InbandDtmf({
      sampleRate: AUDIO_SAMPLE_RATE,
      frameSamples: (AUDIO_SAMPLE_RATE * this.ptimeMs) / 1000,
    });
    this.jitterBuffer = new JitterBuffer({
      frameSamples: this.codecFrameSamples,
      ...options.jitterBuffer,
    });
    this.detach.push(endpoint.on('rtp', (datagram, from) => this.receive(datagram, from)));
    if (this.rtcpEndpoint) {
      this.detach.push(
        this.rtcpEndpoint.on('rtp', (datagram, from) => this.receiveRtcp(datagram, from, true)),
      );
    }
  }

  /**
   * Where to send, from the remote's SDP; `rtcp` from its `a=rtcp` (RFC 3605), RTP port + 1
   * otherwise. A re-INVITE that repeats the same address keeps a latched source, so hold and
   * resume do not fall back to an address that never worked.
   */
  setRemote(address: TransportAddress, rtcp?: TransportAddress): void {
    this.sdpRemote = { address: address.address, port: address.port };
    if (this.sourceValidation.setRemote(address, this.clock.now())) this.lastSrFromRemote = null;
    if (rtcp) this.explicitRtcp = { address: rtcp.address, port: rtcp.port };
  }

  /**
   * Our direction, as our SDP states it (RFC 3264 §5.1): RTP is sent in sendrecv and sendonly
   * (holding a call with sendonly still sends, e.g. music on hold), not in recvonly or inactive.
   * RTCP continues in every direction.
   */
  setDirection(direction: MediaDirection): void {
    this.direction = direction;
    if (!this.sends()) {
      this.dtmfSender.clear();
      this.inbandDtmf.clear();
    }
  }

  onAudio(listener: (frame: Int16Array) => void): () => void {
    this.audioListeners.add(listener);
    return () => this.audioListeners.delete(listener);
  }

  onDtmf(listener: (digit: string) => void): () => void {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  /** Errors thrown by the audio source or by listeners; they never stop the media clock. */
  onError(listener: (error: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Starts the packet clock: sending from `source` and playout to the audio listeners. */
  start(source: AudioSource): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.source = source;
    // The ticks after the first keep to the clock's shared grid where it has one: the second
    // packet then follows the first by 10–30 ms instead of 20, once, and every call in the
    // process is sent in the same wake-up. Timestamps advance by one frame per packet anyway.
    const grid = this.clock.nextGridInstant?.(this.ptimeMs, this.ptimeMs / 2);
    this.startedAt = grid === undefined ? this.clock.now() : grid - this.ptimeMs;
    this.ticks = 0;
    // The first packet goes out at once: it opens our NAT mapping toward the remote before the
    // remote's own RTP arrives. A strict provider that starts sending first creates a conntrack
    // entry on a Linux router that forces our later packets onto another public port than the
    // one STUN reported and the SDP carries.
    this.scheduleTick();
    this.tick();
    if (this.rtcpEndpoint) {
      // The same for RTCP: a first report at once opens the RTCP socket's mapping toward the
      // remote's RTCP port, before the remote's own reports can claim that router port.
      this.sendRtcp(false);
      this.scheduleRtcp();
    }
  }

  /**
   * Queues RFC 4733 telephone-events. Audio pauses while each event is sent. False when the
   * remote did not negotiate telephone-event or no character was a DTMF digit.
   */
  sendDtmf(digits: string): boolean {
    if (this.options.telephoneEventPt === null || this.stopped) return false;
    return this.dtmfSender.enqueue(digits).length > 0;
  }

  /**
   * Queues digits as tones in the audio (Q.23 pairs), sent in place of the source's audio while
   * they last, muted or not. False when stopped or no character was a DTMF digit.
   */
  sendDtmfInAudio(digits: string): boolean {
    if (this.stopped) return false;
    return this.inbandDtmf.enqueue(digits).length > 0;
  }

  /** Stops every timer and lets go of the sockets; says goodbye in RTCP (RFC 3550 §6.6). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTick?.();
    this.cancelRtcp?.();
    this.cancelTick = null;
    this.cancelRtcp = null;
    if (this.running) this.sendRtcp(true);
    this.running = false;
    for (const undo of this.detach.splice(0)) undo();
  }

  /**
   * Counters both ways. Bytes are payload octets, as RTCP counts them (RFC 3550 §6.4.1); loss
   * is expected minus received from the extended highest sequence number (A.3), summed over
   * the remote's sources and never negative; jitter is the A.8 estimate in milliseconds;
   * `remoteSource` is where the remote's last accepted packet came from.
   */
  stats(): RtpStats {
    return {
      packetsSent: this.sent.packets,
      bytesSent: this.sent.bytes,
      packetsReceived: this.reception.packetsReceived,
      bytesReceived: this.receivedBytes,
      packetsLost: this.reception.totalLost,
      jitterMs: Math.round(this.reception.jitterMs * 100) / 100,
      firstSentAt: this.sent.firstAt,
      firstReceivedAt: this.firstReceivedAt,
      remoteSource: this.lastSource,
      ...(this.latestRttMs !== null ? { rttMs: this.latestRttMs } : {}),
    };
  }

  /** Where RTP currently goes: the SDP address, or the source latched onto. */
  get sendTarget(): TransportAddress | null {
    return this.sourceValidation.target;
  }

  /** Whether sending follows a source other than the SDP address. */
  get isLatched(): boolean {
    return this.sourceValidation.latched;
  }

  get dropCounters(): Readonly<RtpDropCounters> {
    return { ...this.drops, unvalidated: this.sourceValidation.discardedHeld };
  }

  /** Total datagrams dropped on receipt. */
  get dropped(): number {
    return Object.values(this.dropCounters).reduce((sum, count) => sum + count, 0);
  }

  get jitterBufferStats(): Readonly<JitterBufferStats> {
    return { ...this.jitterBuffer.stats };
  }

  /** The last RTCP packet from the remote, or null. */
  get lastRemoteRtcp(): RemoteRtcp | null {
    return this.remoteReport;
  }

  private sends(): boolean {
    return this.direction === 'sendrecv' || this.direction === 'sendonly';
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.ticks++;
    const due = this.startedAt + this.ticks * this.ptimeMs;
    this.cancelTick = this.clock.setTimer(() => this.onTimer(), due - this.clock.now());
  }

  private onTimer(): void {
    this.cancelTick = null;
    if (this.stopped) return;
    const behind = Math.floor(
      (this.clock.now() - (this.startedAt + this.ticks * this.ptimeMs)) / this.ptimeMs,
    );
    if (behind > MAX_CATCH_UP_TICKS) this.skip(behind);
    // Arm the next timer before doing this interval's work: Node measures a timer's delay from
    // the event loop's cached time, so work done first would make the next tick fire early.
    this.scheduleTick();
    this.tick();
  }

  /** Skips intervals lost to a stall: their time passes on the wire and in playout. */
  private skip(intervals: number): void {
    this.ticks += intervals;
    this.timestamp = (this.timestamp + intervals * this.samplesPerPacket) >>> 0;
    this.talkspurt = true;
    for (let i = 0; i < intervals; i++) this.nextPlayoutFrame();
  }

  private tick(): void {
    const timestamp = this.timestamp;
    this.timestamp = (timestamp + this.samplesPerPacket) >>> 0;
    this.lastTickAt = this.clock.now();
    // Pulled every interval, sent or not, so a real-time source never backs up.
    const pulled = this.pullSource();
    const frame = this.inbandDtmf.next() ?? pulled;
    const eventPt = this.options.telephoneEventPt;
    const event = eventPt === null ? null : this.dtmfSender.next(timestamp);
    let sentAudio = false;
    if (this.sends()) {
      if (event && eventPt !== null) {
        this.transmit(eventPt, event.marker, event.timestamp, event.payload);
      } else if (frame) {
        this.transmit(
          this.options.payloadType,
          this.talkspurt,
          timestamp,
          this.voice.encode(frame),
        );
        sentAudio = true;
      }
    }
    this.talkspurt = !sentAudio;
    this.keepAliveIfSilent(timestamp);
    const played = this.nextPlayoutFrame();
    if (played) this.emit(this.audioListeners, played);
  }

  /**
   * RFC 6263 keepalive: while no audio goes out, the router forgets the RTP mapping after its
   * UDP timeout, and the remote's audio after a resume is dropped (or lands on a new public port
   * the SDP does not name). Of the mechanisms RFC 6263 §4 lists, this uses §4.6, an RTP packet
   * of a payload type not negotiated, with no payload: the one it recommends without rtcp-mux;
   * every RTP receiver drops an unknown payload type (RFC 3550 §5.1), our own included. §4.1
   * (an empty datagram) confuses some stacks, §4.2 (comfort noise) needs CN negotiated, which we
   * do not offer, §4.4 (STUN) needs ICE at the far end, and §4.5 (a bad version) may be dropped
   * by a firewall before it refreshes anything. RTCP keeps its own mapping: reports go out in
   * every direction, at most 7.5 s apart.
   */
  private keepAliveIfSilent(timestamp: number): void {
    if (this.keepaliveMs === 0 || this.clock.now() - this.lastRtpSentAt < this.keepaliveMs) return;
    const target = this.sourceValidation.target;
    if (!target || this.stopped) return;
    const packet = serializeRtp({
      marker: false,
      payloadType: this.keepalivePayloadType,
      sequenceNumber: this.sequence,
      timestamp,
      ssrc: this.ssrc,
      payload: new Uint8Array(0),
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.lastRtpSentAt = this.clock.now();
    this.keepalivesSent++;
    this.sendOn(this.endpoint, packet, target);
  }

  /** RFC 6263 keepalives sent so far; they are not counted as audio in {@link stats}. */
  get keepalives(): number {
    return this.keepalivesSent;
  }

  private pullSource(): Int16Array | null {
    if (!this.source) return null;
    try {
      return this.source();
    } catch (error) {
      this.reportError(error);
      return null;
    }
  }

  /** One interval of playout, at the link's rate. */
  private nextPlayoutFrame(): Int16Array | null {
    const frame = this.nextCodecFrame();
    return frame && this.voice.toLink(frame);
  }

  /**
   * One interval of playout at the codec's rate. Frames of another duration than ours (a remote
   * ignoring our ptime) are re-cut, so playout keeps real time whatever the remote's packet size.
   */
  private nextCodecFrame(): Int16Array | null {
    const need = this.codecFrameSamples;
    if (this.playoutCarry.length === 0) {
      const frame = this.jitterBuffer.pop();
      if (!frame || frame.length === need) return frame;
      this.playoutCarry = frame;
    }
    while (this.playoutCarry.length < need) {
      const frame = this.jitterBuffer.pop();
      if (!frame) return null;
      const joined = new Int16Array(this.playoutCarry.length + frame.length);
      joined.set(this.playoutCarry);
      joined.set(frame, this.playoutCarry.length);
      this.playoutCarry = joined;
    }
    const out = this.playoutCarry.slice(0, need);
    this.playoutCarry = this.playoutCarry.slice(need);
    return out;
  }

  private transmit(
    payloadType: number,
    marker: boolean,
    timestamp: number,
    payload: Uint8Array,
  ): void {
    const target = this.sourceValidation.target;
    if (!target || this.stopped) return;
    const packet = serializeRtp({
      marker,
      payloadType,
      sequenceNumber: this.sequence,
      timestamp,
      ssrc: this.ssrc,
      payload,
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.lastRtpSentAt = this.clock.now();
    this.sendOn(this.endpoint, packet, target);
    this.sent.packets++;
    this.sent.bytes += payload.length;
    this.sent.firstAt ??= new Date().toISOString();
  }

  private receive(datagram: Buffer, from: TransportAddress): void {
    if (this.stopped) return;
    if (isRtcpSecondByte(datagram[1] ?? 0)) {
      // RTCP multiplexed on the RTP port (RFC 5761 §4), as some peers send it.
      this.receiveRtcp(datagram, from, false);
      return;
    }
    const packet = parseRtp(datagram);
    if (!packet) {
      this.drops.malformed++;
      return;
    }
    const eventPt = this.options.telephoneEventPt;
    const isAudio = packet.payloadType === this.options.payloadType;
    const isEvent = eventPt !== null && packet.payloadType === eventPt;
    if (!isAudio && !isEvent) {
      this.drops.unknownPayloadType++;
      return;
    }
    const verdict = this.sourceValidation.admit(
      packet.ssrc,
      packet.sequenceNumber,
      from,
      this.clock.now(),
      { packet, from, isAudio },
    );
    if (verdict.kind === 'hold') return;
    if (verdict.kind !== 'accept') {
      this.drops[verdict.kind]++;
      return;
    }
    if (verdict.newSource) {
      this.reception.newSource();
      this.jitterBuffer.reset();
      this.lastSrFromRemote = null;
    }
    for (const held of verdict.release) this.play(held);
    this.play({ packet, from, isAudio });
  }

  /** One packet of the remote's valid stream: counted, then played or read as an event. */
  private play({ packet, from, isAudio }: ArrivedPacket): void {
    const verdict = this.reception.update(
      packet.sequenceNumber,
      packet.timestamp,
      this.clock.now(),
      isAudio,
    );
    if (verdict === 'rejected') {
      this.drops.sequence++;
      return;
    }
    if (verdict === 'restarted') this.jitterBuffer.reset();
    this.receivedBytes += packet.payload.length;
    this.firstReceivedAt ??= new Date().toISOString();
    this.lastSource = from;
    if (!isAudio) {
      const digit = this.dtmfReceiver.receive(packet.timestamp, packet.payload, packet.marker);
      if (digit !== null) this.emit(this.dtmfListeners, digit);
      return;
    }
    const audio = this.voice.decode(packet.payload);
    const learned = this.streamClock.observe(
      packet.sequenceNumber,
      packet.timestamp,
      (audio.length * 1000) / this.voice.sampleRate,
    );
    if (learned !== null) this.reception.setClockRate(learned);
    this.jitterBuffer.push(packet.sequenceNumber, audio);
  }

  private receiveRtcp(datagram: Buffer, from: TransportAddress, onRtcpSocket: boolean): void {
    if (this.stopped) return;
    const compound = parseRtcp(datagram);
    if (!compound) {
      this.drops.rtcp++;
      return;
    }
    // Muxed RTCP shares the RTP source's port; on its own socket it shares only the host.
    const fromSource = onRtcpSocket
      ? this.sourceValidation.acceptsRtcpFrom(from)
      : this.sendTarget !== null && sameAddress(from, this.sendTarget);
    if (!fromSource) {
      this.drops.foreignSource++;
      return;
    }
    const remoteSsrc = this.sourceValidation.ssrc;
    const fromRemote = compound.reports.some((report) => report.ssrc === remoteSsrc);
    let rttMs: number | null = null;
    for (const report of compound.reports) {
      if (report.ssrc === remoteSsrc && report.sender) {
        this.lastSrFromRemote = {
          compact: compactNtp(report.sender.ntpSeconds, report.sender.ntpFraction),
          atMs: this.clock.now(),
        };
      }
      const aboutUs = report.blocks.find((block) => block.ssrc === this.ssrc);
      if (aboutUs && aboutUs.lastSr !== 0)
        rttMs = roundTripMs(aboutUs.lastSr, aboutUs.delaySinceLastSr);
    }
    if (rttMs !== null) this.latestRttMs = rttMs;
    // Symmetric RTCP: once the remote's own reports arrive, answer to where they come from.
    if (onRtcpSocket && fromRemote) this.sourceValidation.noteRtcpSource(from);
    this.remoteReport = {
      receivedAt: new Date().toISOString(),
      from: { address: from.address, port: from.port },
      compound,
      rttMs,
    };
  }

  /** RFC 3550 §6.2: randomised around the mean (0.5–1.5×) so that reports do not synchronise. */
  private scheduleRtcp(): void {
    if (this.stopped) return;
    const delay = this.rtcpIntervalMs * (0.5 + Math.random());
    this.cancelRtcp = this.clock.setTimer(
      () => {
        this.cancelRtcp = null;
        this.sendRtcp(false);
        this.scheduleRtcp();
      },
      delay,
      { background: true },
    );
  }

  private rtcpTarget(): TransportAddress | null {
    const rtcpSource = this.sourceValidation.rtcpSource;
    if (rtcpSource) return rtcpSource;
    if (this.explicitRtcp) return this.explicitRtcp;
    if (!this.sdpRemote) return null;
    // RFC 3550 §11: RTCP on the next port above RTP, when nothing says otherwise.
    return { address: this.sdpRemote.address, port: this.sdpRemote.port + 1 };
  }

  /** Multiplexes RTCP on the RTP port (RFC 5761), once the offer/answer agreed on it. */
  setRtcpMux(mux: boolean): void {
    this.rtcpMux = mux;
  }

  private sendRtcp(bye: boolean): void {
    const endpoint = this.rtcpMux ? this.endpoint : this.rtcpEndpoint;
    const target = this.rtcpMux ? this.sendTarget : this.rtcpTarget();
    if (!endpoint || !target) return;
    const now = this.clock.now();
    const blocks: ReportBlock[] = [];
    const remoteSsrc = this.sourceValidation.ssrc;
    if (remoteSsrc !== null && this.reception.packetsReceived > 0) {
      const lastSr = this.lastSrFromRemote;
      // DLSR is in 1/65536 s (RFC 3550 §6.4.1).
      const delay = lastSr ? Math.round(((now - lastSr.atMs) / 1000) * 65536) : 0;
      blocks.push(this.reception.reportBlock(remoteSsrc, lastSr?.compact ?? 0, delay));
    }
    const sentRecently = this.sent.packets > this.packetsAtReports[0];
    this.packetsAtReports = [this.packetsAtReports[1], this.sent.packets];
    let report: RtcpReport = { type: 'rr', ssrc: this.ssrc, blocks };
    if (sentRecently) {
      const ntp = ntpTimestamp(Date.now());
      // The RTP timestamp of this very instant: the current interval's plus the time since.
      const elapsed = Math.round(((now - this.lastTickAt) * CLOCK_RATE) / 1000);
      const rtpTimestamp = (this.timestamp - this.samplesPerPacket + elapsed) >>> 0;
      report = {
        type: 'sr',
        ssrc: this.ssrc,
        sender: {
          ntpSeconds: ntp.seconds,
          ntpFraction: ntp.fraction,
          rtpTimestamp,
          packetCount: this.sent.packets,
          octetCount: this.sent.bytes,
        },
        blocks,
      };
    }
    this.sendOn(endpoint, buildRtcpCompound(report, { cname: this.cname, bye }), target);
  }

  /** Without waiting for the send where the transport allows it (a socket), else counted late. */
  private sendOn(transport: RtpTransport, packet: Uint8Array, target: TransportAddress): void {
    // `c=0.0.0.0` (RFC 2543's hold, RFC 3264 §8.4) names no one; the kernel would deliver
    // datagrams sent there to this machine's own services, on whatever port the SDP named.
    if (UNSPECIFIED_ADDRESSES.has(target.address)) {
      this.unaddressedSends++;
      return;
    }
    if (transport.post) {
      if (!transport.post(packet, target)) this.sendErrors++;
      return;
    }
    transport.send(packet, target).catch(() => {
      this.sendErrors++;
    });
  }

  private emit<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  private reportError(error: unknown): void {
    for (const listener of this.errorListeners) {
      try {
        listener(error);
      } catch {
        // An error listener that fails has nowhere left to report to.
      }
    }
  }
}

/** The highest dynamic payload type (RFC 3551 §6: 96–127) that the call does not use. */
function unusedDynamicPayloadType(used: Array<number | null>): number {
  let candidate = 127;
  while (used.includes(candidate)) candidate--;
  return candidate;
}

function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

/** RTT = arrival − LSR − DLSR, all in compact NTP units of 1/65536 s (RFC 3550 §6.4.1). */
function roundTripMs(lastSr: number, delaySinceLastSr: number): number | null {
  const now = ntpTimestamp(Date.now());
  const units = (compactNtp(now.seconds, now.fraction) - lastSr - delaySinceLastSr) >>> 0;
  // A negative result wraps to a huge one: clocks or reports that do not add up.
  if (units > 65536 * 60) return null;
  return Math.round((units / 65536) * 1000 * 10) / 10;
}
