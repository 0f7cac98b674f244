/**
 * Reception statistics of one RTP source, as RFC 3550 Appendix A defines them: sequence
 * validation and the extended highest sequence number (A.1), expected and lost packets and the
 * fraction lost per report interval (A.3), and interarrival jitter (A.8). These are the numbers
 * that prove or disprove one-way audio, and the ones an RTCP report block carries.
 */
import type { ReportBlock } from './rtcp.js';

/** Largest forward jump still taken as loss rather than a restart (A.1, for 20 ms packets). */
const MAX_DROPOUT = 3000;
/** Largest backward step still taken as reordering (A.1). */
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

/**
 * What an arriving packet did to the statistics:
 * - `accepted`: counted (in order, reordered, or a duplicate);
 * - `restarted`: the second packet in sequence after a large jump; the source restarted its
 *   numbering, and counting starts over from it;
 * - `rejected`: a large jump not yet confirmed; the packet should be dropped (A.1).
 */
export type ReceptionVerdict = 'accepted' | 'restarted' | 'rejected';

export class RtpReception {
  private initialised = false;
  private baseSequence = 0;
  private maxSequence = 0;
  private cycles = 0;
  private badSequence = SEQ_MOD + 1;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | null = null;
  private jitter = 0;
  /** Losses of numbering spaces given up at a restart, so the total survives it. */
  private carriedLost = 0;
  private totalReceived = 0;
  private lastCountedAt = Number.NEGATIVE_INFINITY;

  /**
   * @param clockRate the payload's RTP clock, to turn arrival times into timestamp units
   * @param restartQuietMs how long the current numbering must have been silent before a jump
   *   confirmed by the next packet is taken as a restart. A.1 alone needs no silence, so two
   *   forged packets in sequence would move a live stream's numbering and lock the real packets
   *   out; a source that really restarts stops sending the old numbers.
   */
  constructor(
    private clockRate = 8000,
    private readonly restartQuietMs = 0,
  ) {}

  /**
   * The far end stamps on another clock than the SDP implied (see stream-clock.ts): jitter from
   * here on is measured on it, and what was measured on the wrong one is forgotten.
   */
  setClockRate(clockRate: number): void {
    if (clockRate === this.clockRate) return;
    this.clockRate = clockRate;
    this.jitter = 0;
    this.transit = null;
  }

  /**
   * Accounts for one packet. `arrivalMs` is a monotonic arrival time; `measureJitter` is false
   * for packets whose timestamp does not advance with their send time (RFC 4733 events keep the
   * event's start timestamp), which would otherwise read as jitter.
   */
  update(
    sequence: number,
    timestamp: number,
    arrivalMs: number,
    measureJitter = true,
  ): ReceptionVerdict {
    let verdict: ReceptionVerdict = 'accepted';
    if (!this.initialised) {
      this.initialise(sequence);
    } else {
      const delta = (sequence - this.maxSequence + SEQ_MOD) % SEQ_MOD;
      if (delta < MAX_DROPOUT) {
        if (sequence < this.maxSequence) this.cycles += SEQ_MOD;
        this.maxSequence = sequence;
      } else if (delta <= SEQ_MOD - MAX_MISORDER) {
        if (sequence !== this.badSequence || arrivalMs - this.lastCountedAt < this.restartQuietMs) {
          this.badSequence = (sequence + 1) % SEQ_MOD;
          return 'rejected';
        }
        // Two packets in sequence after the jump: the sender restarted its numbering.
        this.carriedLost += Math.max(0, this.cumulativeLost);
        this.initialise(sequence);
        verdict = 'restarted';
      }
      // Otherwise a duplicate or a reordered packet: counted, the highest number unchanged.
    }
    this.received++;
    this.totalReceived++;
    this.lastCountedAt = arrivalMs;
    if (measureJitter) this.measureJitter(timestamp, arrivalMs);
    return verdict;
  }

  /**
   * Starts over for a new source (another SSRC): the next packet initialises the numbering,
   * while the totals keep what the previous source did.
   */
  newSource(): void {
    this.carriedLost += Math.max(0, this.cumulativeLost);
    this.initialised = false;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.transit = null;
    this.jitter = 0;
  }

  /** Packets counted, across restarts. */
  get packetsReceived(): number {
    return this.totalReceived;
  }

  /** Extended highest sequence number received (A.1: cycles plus the 16-bit maximum). */
  get extendedHighestSequence(): number {
    return this.cycles + this.maxSequence;
  }

  /** Packets expected in the current numbering (A.3). */
  get expected(): number {
    return this.initialised ? this.extendedHighestSequence - this.baseSequence + 1 : 0;
  }

  /** Cumulative loss as RTCP reports it (A.3): duplicates can make it negative. */
  get cumulativeLost(): number {
    return this.expected - this.received;
  }

  /** Packets lost across restarts, never negative: what a person reading the stats means. */
  get totalLost(): number {
    return this.carriedLost + Math.max(0, this.cumulativeLost);
  }

  /** Interarrival jitter in timestamp units (A.8). */
  get jitterUnits(): number {
    return this.jitter;
  }

  get jitterMs(): number {
    return (this.jitter / this.clockRate) * 1000;
  }

  /**
   * A report block about this source; each call closes a report interval, so the fraction lost
   * (A.3) covers the packets since the previous call.
   */
  reportBlock(ssrc: number, lastSr = 0, delaySinceLastSr = 0): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval <= 0 || lostInterval <= 0
        ? 0
        : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    return {
      ssrc,
      fractionLost,
      cumulativeLost: this.cumulativeLost,
      extendedHighestSequence: this.extendedHighestSequence >>> 0,
      jitter: Math.round(this.jitter),
      lastSr,
      delaySinceLastSr,
    };
  }

  private initialise(sequence: number): void {
    this.initialised = true;
    this.baseSequence = sequence;
    this.maxSequence = sequence;
    this.cycles = 0;
    this.badSequence = SEQ_MOD + 1;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.transit = null;
  }

  private measureJitter(timestamp: number, arrivalMs: number): void {
    // Transit time in timestamp units; its absolute value is meaningless (clocks are not
    // synchronised), only its variation counts. Timestamps wrap at 2^32, so compare modulo.
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - timestamp;
    if (this.transit !== null) {
      let difference = Math.abs(transit - this.transit);
      if (difference > 2 ** 31) difference = Math.abs(difference - 2 ** 32);
      this.jitter += (difference - this.jitter) / 16;
    }
    this.transit = transit;
  }
}
