import { randomBytes } from 'node:crypto';
import type { RtpStats, TransportAddress } from '../../src-shared/domain.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import { DtmfReceiver, planDtmf, type DtmfPacketPlan } from './dtmf.js';
import { decodeG711, encodeG711, type G711Law } from './g711.js';
import { FRAME_SAMPLES, JitterBuffer } from './jitter-buffer.js';
import { buildRtcpReport, ntpTimestamp, parseRtcp, type RtcpReport } from './rtcp.js';
import { parseRtp, serializeRtp } from './rtp-packet.js';
import type { MediaDirection } from './sdp.js';

/** The audio to send: one 20 ms frame per call, or null to send nothing this tick. */
export type AudioSource = () => Int16Array | null;

export interface RtpSessionOptions {
  codec: G711Law;
  payloadType: number;
  telephoneEventPt: number | null;
  ssrc?: number;
  ptimeMs?: number;
  /** The companion RTCP socket (RTP port + 1). */
  rtcpEndpoint?: UdpEndpoint;
  cname?: string;
  /** Packets from a new source before sending follows it (symmetric RTP latching). */
  latchAfterPackets?: number;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
}

const RTCP_INTERVAL_MS = 5000;
const CLOCK_RATE = 8000;

/**
 * The RTP side of one call on its own socket (RFC 3550): a paced G.711 sender, a receiver with a
 * jitter buffer, RFC 4733 DTMF both ways, minimal RTCP and the statistics that prove (or
 * disprove) one-way audio. Symmetric RTP: every packet leaves from the socket packets arrive on,
 * and when the remote's packets come from another address than its SDP said (a NAT on its side,
 * or a provider that relays), sending follows them after a few consistent packets.
 */
export class RtpSession {
  readonly codec: G711Law;
  private readonly options: Required<Omit<RtpSessionOptions, 'rtcpEndpoint'>> & {
    rtcpEndpoint: UdpEndpoint | undefined;
  };
  private remote: TransportAddress | null = null;
  private sdpRemote: TransportAddress | null = null;
  private candidate: { source: TransportAddress; count: number } | null = null;
  private direction: MediaDirection = 'sendrecv';
  private source: AudioSource | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private rtcpTimer: ReturnType<typeof setInterval> | null = null;
  private startedAt = 0;
  private ticks = 0;
  private sequence: number;
  private timestamp: number;
  private dtmfQueue: DtmfPacketPlan[] = [];
  private dtmfTimestamp = 0;
  private readonly jitterBuffer = new JitterBuffer();
  private readonly dtmfReceiver = new DtmfReceiver();
  private readonly audioListeners = new Set<(frame: Int16Array) => void>();
  private readonly dtmfListeners = new Set<(digit: string) => void>();
  private readonly detach: Array<() => void> = [];
  private stopped = false;

  private sent = { packets: 0, bytes: 0, firstAt: null as Date | null };
  private received = {
    packets: 0,
    bytes: 0,
    firstAt: null as Date | null,
    ssrc: null as number | null,
    baseSequence: 0,
    cycles: 0,
    maxSequence: 0,
    jitter: 0,
    lastTransit: null as number | null,
    source: null as TransportAddress | null,
  };
  /** Datagrams dropped: malformed, unknown payload type, or a stranger's SSRC. */
  dropped = 0;
  lastRemoteReport: RtcpReport | null = null;
  /** Send-time of each packet (ms, monotonic), for pacing measurements. */
  onPacketSent: ((atMs: number) => void) | null = null;

  constructor(
    private readonly endpoint: UdpEndpoint,
    options: RtpSessionOptions,
  ) {
    this.codec = options.codec;
    this.options = {
      ssrc: randomBytes(4).readUInt32BE(0),
      ptimeMs: 20,
      cname: `natter-${randomBytes(4).toString('hex')}`,
      latchAfterPackets: 3,
      now: () => performance.now(),
      ...options,
      rtcpEndpoint: options.rtcpEndpoint,
    };
    this.sequence = randomBytes(2).readUInt16BE(0);
    this.timestamp = randomBytes(4).readUInt32BE(0);
    this.detach.push(endpoint.on('rtp', (datagram, from) => this.receive(datagram, from)));
    if (options.rtcpEndpoint) {
      this.detach.push(options.rtcpEndpoint.on('rtp', (datagram) => this.receiveRtcp(datagram)));
    }
  }

  setRemote(address: TransportAddress): void {
    this.sdpRemote = address;
    this.remote = address;
    this.candidate = null;
  }

  setDirection(direction: MediaDirection): void {
    this.direction = direction;
  }

  onAudio(listener: (frame: Int16Array) => void): () => void {
    this.audioListeners.add(listener);
    return () => this.audioListeners.delete(listener);
  }

  onDtmf(listener: (digit: string) => void): () => void {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  /** Starts the 20 ms clock: sending from `source`, and playout of received audio. */
  start(source: AudioSource): void {
    if (this.timer || this.stopped) return;
    this.source = source;
    this.startedAt = this.options.now();
    this.ticks = 0;
    // The first packet goes out at once: it opens our NAT mapping toward the remote before the
    // remote's own RTP arrives. A strict provider that starts sending first creates a conntrack
    // entry on a Linux router that forces our later packets onto another public port than the
    // one STUN reported and the SDP carries.
    this.tick();
    this.schedule();
    if (this.options.rtcpEndpoint) {
      this.rtcpTimer = setInterval(() => this.sendRtcp(), RTCP_INTERVAL_MS);
      this.rtcpTimer.unref?.();
    }
  }

  /** Queues RFC 4733 events; audio packets pause while they are sent. */
  sendDtmf(digits: string): void {
    this.dtmfQueue.push(...planDtmf(digits));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.rtcpTimer) clearInterval(this.rtcpTimer);
    this.timer = null;
    this.rtcpTimer = null;
    for (const undo of this.detach.splice(0)) undo();
  }

  /**
   * Each tick is scheduled against the start time, not the previous tick, so timer lateness
   * never accumulates into drift (setInterval would).
   */
  private schedule(): void {
    if (this.stopped) return;
    this.ticks++;
    const due = this.startedAt + this.ticks * this.options.ptimeMs;
    const delay = Math.max(0, due - this.options.now());
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, delay);
  }

  private tick(): void {
    const samples = (CLOCK_RATE * this.options.ptimeMs) / 1000;
    const sending = this.direction === 'sendrecv' || this.direction === 'sendonly';
    const dtmf = this.dtmfQueue.shift();
    if (dtmf && this.options.telephoneEventPt !== null) {
      if (dtmf.startsEvent) this.dtmfTimestamp = this.timestamp;
      if (!dtmf.gap && sending) {
        this.transmit(this.options.telephoneEventPt, dtmf.marker, this.dtmfTimestamp, dtmf.payload);
      }
    } else if (sending) {
      const frame = this.source?.() ?? null;
      if (frame)
        this.transmit(
          this.options.payloadType,
          false,
          this.timestamp,
          encodeG711(frame, this.codec),
        );
    }
    this.timestamp = (this.timestamp + samples) >>> 0;
    if (this.received.packets > 0 && this.audioListeners.size > 0) {
      const frame = this.jitterBuffer.pop();
      if (frame) for (const listener of this.audioListeners) listener(frame);
    }
  }

  private transmit(
    payloadType: number,
    marker: boolean,
    timestamp: number,
    payload: Uint8Array,
  ): void {
    if (!this.remote || this.stopped) return;
    const packet = serializeRtp({
      marker,
      payloadType,
      sequenceNumber: this.sequence,
      timestamp,
      ssrc: this.options.ssrc,
      payload,
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.endpoint.send(packet, this.remote).catch(() => {
      // A send error (e.g. ICMP unreachable) is a lost packet; stats tell the story.
    });
    this.sent.packets++;
    this.sent.bytes += payload.length;
    this.sent.firstAt ??= new Date();
    this.onPacketSent?.(this.options.now());
  }

  private receive(datagram: Buffer, from: TransportAddress): void {
    const second = datagram[1] ?? 0;
    if (second >= 192 && second <= 223) {
      // RTCP multiplexed on the RTP port (RFC 5761 §4).
      this.receiveRtcp(datagram);
      return;
    }
    const packet = parseRtp(datagram);
    if (!packet) {
      this.dropped++;
      return;
    }
    const isAudio = packet.payloadType === this.options.payloadType;
    const isDtmf = packet.payloadType === this.options.telephoneEventPt;
    if (!isAudio && !isDtmf) {
      this.dropped++;
      return;
    }
    if (
      this.received.ssrc !== null &&
      packet.ssrc !== this.received.ssrc &&
      !this.sameAsRemote(from)
    ) {
      this.dropped++;
      return;
    }
    this.latch(from);
    this.account(packet.sequenceNumber, packet.timestamp, packet.payload.length, packet.ssrc, from);
    if (isDtmf) {
      const digit = this.dtmfReceiver.receive(packet.timestamp, packet.payload);
      if (digit) for (const listener of this.dtmfListeners) listener(digit);
      return;
    }
    this.jitterBuffer.push(packet.sequenceNumber, decodeG711(packet.payload, this.codec));
  }

  private sameAsRemote(from: TransportAddress): boolean {
    return (
      this.remote !== null && this.remote.address === from.address && this.remote.port === from.port
    );
  }

  private latch(from: TransportAddress): void {
    if (this.sameAsRemote(from)) {
      this.candidate = null;
      return;
    }
    const candidate = this.candidate;
    if (
      candidate &&
      candidate.source.address === from.address &&
      candidate.source.port === from.port
    ) {
      candidate.count++;
    } else {
      this.candidate = { source: from, count: 1 };
    }
    if ((this.candidate?.count ?? 0) >= this.options.latchAfterPackets) {
      this.remote = from;
      this.candidate = null;
    }
  }

  private account(
    sequence: number,
    timestamp: number,
    bytes: number,
    ssrc: number,
    from: TransportAddress,
  ): void {
    const r = this.received;
    const arrival = (this.options.now() / 1000) * CLOCK_RATE;
    if (r.packets === 0 || r.ssrc !== ssrc) {
      r.ssrc = ssrc;
      r.baseSequence = sequence;
      r.maxSequence = sequence;
      r.cycles = 0;
      r.lastTransit = null;
      r.firstAt ??= new Date();
    } else {
      const delta = (sequence - r.maxSequence) & 0xffff;
      if (delta > 0 && delta < 0x8000) {
        if (sequence < r.maxSequence) r.cycles += 0x10000;
        r.maxSequence = sequence;
      }
    }
    // RFC 3550 A.8 interarrival jitter, in timestamp units.
    const transit = arrival - timestamp;
    if (r.lastTransit !== null) {
      let d = Math.abs(transit - r.lastTransit);
      if (d > 0x7fffffff) d = 0;
      r.jitter += (d - r.jitter) / 16;
    }
    r.lastTransit = transit;
    r.packets++;
    r.bytes += bytes;
    r.source = from;
  }

  private receiveRtcp(datagram: Buffer): void {
    const reports = parseRtcp(datagram);
    if (reports.length === 0) {
      this.dropped++;
      return;
    }
    this.lastRemoteReport = reports[reports.length - 1] ?? null;
  }

  private sendRtcp(): void {
    const rtcp = this.options.rtcpEndpoint;
    const target = this.remote;
    if (!rtcp || !target || this.stopped) return;
    const r = this.received;
    const extendedMax = r.cycles + r.maxSequence;
    const expected = r.packets > 0 ? extendedMax - r.baseSequence + 1 : 0;
    const blocks =
      r.ssrc === null
        ? []
        : [
            {
              ssrc: r.ssrc,
              fractionLost: 0,
              cumulativeLost: Math.max(0, expected - r.packets),
              extendedHighestSequence: extendedMax,
              jitter: Math.round(r.jitter),
              lastSr: 0,
              delaySinceLastSr: 0,
            },
          ];
    const ntp = ntpTimestamp();
    const report: RtcpReport =
      this.sent.packets > 0
        ? {
            type: 'sr',
            ssrc: this.options.ssrc,
            ntpMsw: ntp.msw,
            ntpLsw: ntp.lsw,
            rtpTimestamp: this.timestamp,
            packetCount: this.sent.packets,
            octetCount: this.sent.bytes,
            blocks,
          }
        : { type: 'rr', ssrc: this.options.ssrc, blocks };
    const packet = buildRtcpReport(report, this.options.cname);
    rtcp.send(packet, { address: target.address, port: target.port + 1 }).catch(() => undefined);
  }

  stats(): RtpStats {
    const r = this.received;
    const expected = r.packets > 0 ? r.cycles + r.maxSequence - r.baseSequence + 1 : 0;
    return {
      packetsSent: this.sent.packets,
      bytesSent: this.sent.bytes,
      packetsReceived: r.packets,
      bytesReceived: r.bytes,
      packetsLost: Math.max(0, expected - r.packets),
      jitterMs: Math.round((r.jitter / CLOCK_RATE) * 1000 * 100) / 100,
      firstSentAt: this.sent.firstAt?.toISOString() ?? null,
      firstReceivedAt: r.firstAt?.toISOString() ?? null,
      remoteSource: r.source,
    };
  }

  /** Frames in the jitter buffer (diagnostics). */
  get bufferedFrames(): number {
    return this.jitterBuffer.depth;
  }

  static readonly FRAME_SAMPLES = FRAME_SAMPLES;
}
