/**
 * The RTP clock a far end really stamps its audio with, read from the stream itself: the
 * timestamp advance between two consecutive packets over the audio the first one carried.
 *
 * The SDP does not settle it for G.722: RFC 3551 §4.5.2 keeps its clock at 8000 (160 per 20 ms),
 * and most phones follow it, but a peer that offers `G722/16000` may stamp 320 per 20 ms. Jitter
 * (RFC 3550 §6.4.1) is measured in timestamp units, so read on the wrong clock it doubles with
 * every packet's drift and the call's quality word reads Poor on a sound line.
 */

/** The clocks audio streams run at; a measurement is taken as the nearest one within 5 %. */
const KNOWN_CLOCKS = [8000, 16000, 32000, 48000] as const;
const TOLERANCE = 0.05;
/** Consecutive packets that must agree before the clock is changed (one reordering or a burst
 * after a silence gap would otherwise flip it). */
const AGREEING_PACKETS = 3;

export class StreamClockLearner {
  private previous: { sequence: number; timestamp: number; audioMs: number } | null = null;
  private candidate: number | null = null;
  private agreeing = 0;

  constructor(private clockRate: number) {}

  get current(): number {
    return this.clockRate;
  }

  /**
   * One audio packet, in arrival order, with the length of the audio it carries. Returns the
   * stream's clock when this packet confirms a clock other than the current one, else null.
   */
  observe(sequence: number, timestamp: number, audioMs: number): number | null {
    const previous = this.previous;
    this.previous = { sequence, timestamp, audioMs };
    if (!previous || previous.audioMs <= 0 || ((previous.sequence + 1) & 0xffff) !== sequence) {
      return null;
    }
    const advance = (timestamp - previous.timestamp) >>> 0;
    const measured = (advance * 1000) / previous.audioMs;
    const clock = KNOWN_CLOCKS.find((known) => Math.abs(measured - known) <= known * TOLERANCE);
    if (clock === undefined || clock === this.clockRate) {
      this.candidate = null;
      this.agreeing = 0;
      return null;
    }
    if (clock !== this.candidate) {
      this.candidate = clock;
      this.agreeing = 0;
    }
    if (++this.agreeing < AGREEING_PACKETS) return null;
    this.clockRate = clock;
    this.candidate = null;
    this.agreeing = 0;
    return clock;
  }
}
