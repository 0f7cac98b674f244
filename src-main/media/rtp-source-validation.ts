/**
 * Which RTP source a call listens to, and so where its own RTP goes (RFC 3550 §8.2 and A.1,
 * symmetric RTP as RFC 4961 and RFC 7362 describe "latching"). A call's media port is open to
 * the whole internet; without this, any stranger who guesses it, or anyone who can put the
 * remote's address on a datagram, decides what the user hears and where our audio is sent.
 *
 * The rules:
 * - The source is learned while the call's media starts (and again when an offer/answer moves
 *   the remote elsewhere): packets from the SDP address are taken once their SSRC has sent
 *   {@link MIN_SEQUENTIAL} packets in sequence (RFC 3550 A.1 probation); packets from another
 *   address (the remote behind a NAT of its own, or a provider answering to the source) only
 *   after `latchAfterPackets` in sequence, only within `latchWindowMs` of the learning's start,
 *   and only while nothing at all has come from the SDP address: a remote that sends from where
 *   its SDP says needs no latching, so a stranger's stream cannot be taken for it. Until then
 *   packets are held, not played, and released once the source is valid.
 * - Once learned, the source's address is the only one heard. A latched address may still give
 *   way, once, to a valid stream from the SDP address during the window: signalling named that
 *   address, and a stranger's early stream must not win by racing the real one.
 * - A new SSRC from the source's address replaces the current one only after the current one
 *   has gone quiet for `ssrcQuietMs` and the new one has passed probation: a second stream
 *   forged into a live call is never taken, a remote that restarts its stream is.
 * - RTCP is believed only from the source's host (or the SDP host before the source is known);
 *   where our reports go follows the first report from there, and nothing after.
 *
 * What this cannot do without SRTP: tell the remote's first packets from a forger who sends
 * from the remote's very address before the remote's own stream has passed probation.
 */
import type { TransportAddress } from '../../src-shared/domain.js';

/** Packets in sequence before a new SSRC is believed (RFC 3550 A.1). */
export const MIN_SEQUENTIAL = 2;

export interface RtpSourceValidationOptions {
  /** Packets in sequence from an address other than the SDP's before sending follows it. */
  latchAfterPackets: number;
  /** How long after learning starts an address other than the SDP's may still be latched. */
  latchWindowMs: number;
  /** Silence of the current SSRC after which another from the same address may replace it. */
  ssrcQuietMs: number;
}

/** The verdict on one packet; `release` lists held packets to process before this one. */
export type SourceVerdict<T> =
  | { kind: 'accept'; release: T[]; newSource: boolean }
  | { kind: 'hold' }
  | { kind: 'foreignSource' }
  | { kind: 'foreignSsrc' };

interface Candidate<T> {
  address: TransportAddress;
  ssrc: number;
  nextSequence: number;
  held: T[];
}

interface Source {
  address: TransportAddress;
  ssrc: number;
  lastAt: number;
  fromSdp: boolean;
}

export class RtpSourceValidation<T> {
  private sdpRemote: TransportAddress | null = null;
  private source: Source | null = null;
  private learningSince = 0;
  /** Probation of a stream from the SDP address; strangers cannot disturb it. */
  private sdpCandidate: Candidate<T> | null = null;
  /** Probation of a stream from any other address, or of a new SSRC from the source's. */
  private otherCandidate: Candidate<T> | null = null;
  private rtcpTarget: TransportAddress | null = null;
  private sdpHeard = false;
  private discarded = 0;

  constructor(private readonly options: RtpSourceValidationOptions) {}

  /**
   * The remote's address from its SDP. Another address than before starts learning afresh at
   * `now`; the same one keeps what was learned, so hold and resume keep a latched source.
   * Returns whether learning restarted.
   */
  setRemote(address: TransportAddress, now: number): boolean {
    if (this.sdpRemote !== null && sameAddress(this.sdpRemote, address)) return false;
    this.sdpRemote = { address: address.address, port: address.port };
    this.source = null;
    this.rtcpTarget = null;
    this.discardCandidates();
    this.sdpHeard = false;
    this.learningSince = now;
    return true;
  }

  /** Where RTP goes: the learned source, or the SDP address until one is learned. */
  get target(): TransportAddress | null {
    return this.source?.address ?? this.sdpRemote;
  }

  /** Whether sending follows a source other than the SDP address. */
  get latched(): boolean {
    return this.source !== null && !this.source.fromSdp;
  }

  /** The SSRC whose packets are played, once one is valid. */
  get ssrc(): number | null {
    return this.source?.ssrc ?? null;
  }

  /** Held packets given up because their stream never became valid. */
  get discardedHeld(): number {
    return this.discarded;
  }

  /** Decides on one RTP packet; `packet` is kept while its stream is on probation. */
  admit(
    ssrc: number,
    sequence: number,
    from: TransportAddress,
    now: number,
    packet: T,
  ): SourceVerdict<T> {
    const fromSdp = this.sdpRemote !== null && sameAddress(from, this.sdpRemote);
    const source = this.source;
    if (source && sameAddress(from, source.address)) {
      if (ssrc === source.ssrc) {
        source.lastAt = now;
        this.dropOtherCandidate();
        return { kind: 'accept', release: [], newSource: false };
      }
      if (now - source.lastAt < this.options.ssrcQuietMs) return { kind: 'foreignSsrc' };
      return this.probation('other', ssrc, sequence, from, fromSdp, now, packet, MIN_SEQUENTIAL);
    }
    if (source && !(fromSdp && !source.fromSdp && this.inWindow(now))) {
      return { kind: 'foreignSource' };
    }
    if (fromSdp) {
      this.sdpHeard = true;
      return this.probation('sdp', ssrc, sequence, from, true, now, packet, MIN_SEQUENTIAL);
    }
    if (this.sdpHeard || !this.inWindow(now)) return { kind: 'foreignSource' };
    return this.probation(
      'other',
      ssrc,
      sequence,
      from,
      false,
      now,
      packet,
      this.options.latchAfterPackets,
    );
  }

  /**
   * Whether an RTCP packet from `from` may be believed: from the source's host, or the SDP
   * host while no source is known. RTCP ports differ from RTP's (port + 1, `a=rtcp`, or a NAT's
   * choice), hosts do not.
   */
  acceptsRtcpFrom(from: TransportAddress): boolean {
    const host = this.source?.address.address ?? this.sdpRemote?.address;
    return host !== undefined && from.address === host;
  }

  /**
   * Where RTCP should go once the remote's own reports arrived on the RTCP socket: the first
   * such report's source, kept for the rest of the learning (symmetric RTCP).
   */
  noteRtcpSource(from: TransportAddress): void {
    this.rtcpTarget ??= { address: from.address, port: from.port };
  }

  get rtcpSource(): TransportAddress | null {
    return this.rtcpTarget;
  }

  private inWindow(now: number): boolean {
    return now - this.learningSince < this.options.latchWindowMs;
  }

  private probation(
    slot: 'sdp' | 'other',
    ssrc: number,
    sequence: number,
    from: TransportAddress,
    fromSdp: boolean,
    now: number,
    packet: T,
    needed: number,
  ): SourceVerdict<T> {
    let candidate = slot === 'sdp' ? this.sdpCandidate : this.otherCandidate;
    if (
      candidate &&
      candidate.ssrc === ssrc &&
      sameAddress(candidate.address, from) &&
      candidate.nextSequence === sequence
    ) {
      candidate.held.push(packet);
      candidate.nextSequence = (sequence + 1) & 0xffff;
    } else {
      if (candidate) this.discarded += candidate.held.length;
      candidate = {
        address: { address: from.address, port: from.port },
        ssrc,
        nextSequence: (sequence + 1) & 0xffff,
        held: [packet],
      };
    }
    if (candidate.held.length < needed) {
      if (slot === 'sdp') this.sdpCandidate = candidate;
      else this.otherCandidate = candidate;
      return { kind: 'hold' };
    }
    this.source = { address: candidate.address, ssrc, lastAt: now, fromSdp };
    if (slot === 'sdp') this.sdpCandidate = null;
    else this.otherCandidate = null;
    if (fromSdp) this.discardCandidates();
    const release = candidate.held.slice(0, -1);
    return { kind: 'accept', release, newSource: true };
  }

  private dropOtherCandidate(): void {
    if (!this.otherCandidate) return;
    this.discarded += this.otherCandidate.held.length;
    this.otherCandidate = null;
  }

  private discardCandidates(): void {
    this.dropOtherCandidate();
    if (this.sdpCandidate) this.discarded += this.sdpCandidate.held.length;
    this.sdpCandidate = null;
  }
}

function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.address === b.address && a.port === b.port;
}
