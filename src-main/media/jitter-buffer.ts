/** Frames of 20 ms at 8 kHz: the unit everything in the media path moves in. */
export const FRAME_SAMPLES = 160;

export interface JitterBufferOptions {
  /** Packets held before playout starts, and the depth it refills to after an underrun. */
  targetDepth?: number;
  /** Packets held at most; older ones are dropped when a burst arrives. */
  maxDepth?: number;
  /** Concealed frames (repeats of the last one, attenuated) before silence. */
  maxConcealedFrames?: number;
}

export interface JitterBufferStats {
  played: number;
  concealed: number;
  silent: number;
  late: number;
  duplicates: number;
  overflowDrops: number;
}

/**
 * A fixed-delay jitter buffer for 20 ms frames, ordered by RTP sequence number with 16-bit wrap
 * (RFC 3550 A.1 style extended numbers). A missing frame is concealed by repeating the last one,
 * attenuated, a couple of times, then by silence: simple, and enough for G.711 speech.
 */
export class JitterBuffer {
  private readonly frames = new Map<number, Int16Array>();
  private nextToPlay: number | null = null;
  private highest = -1;
  private cycles = 0;
  private lastSequence: number | null = null;
  private playing = false;
  private lastFrame: Int16Array | null = null;
  private concealedRun = 0;
  private readonly options: Required<JitterBufferOptions>;
  readonly stats: JitterBufferStats = {
    played: 0,
    concealed: 0,
    silent: 0,
    late: 0,
    duplicates: 0,
    overflowDrops: 0,
  };

  constructor(options: JitterBufferOptions = {}) {
    this.options = { targetDepth: 3, maxDepth: 50, maxConcealedFrames: 2, ...options };
  }

  /** Extends a 16-bit sequence number into a monotonic one, tolerating wrap and reordering. */
  private extend(sequence: number): number {
    if (this.lastSequence !== null) {
      const delta = sequence - this.lastSequence;
      if (delta < -0x8000) this.cycles += 0x10000;
      else if (delta > 0x8000 && this.cycles > 0) return this.cycles - 0x10000 + sequence;
    }
    if (this.lastSequence === null || ((sequence - this.lastSequence) & 0xffff) < 0x8000) {
      this.lastSequence = sequence;
    }
    return this.cycles + sequence;
  }

  push(sequence: number, frame: Int16Array): void {
    const extended = this.extend(sequence);
    if (this.nextToPlay !== null && extended < this.nextToPlay) {
      this.stats.late++;
      return;
    }
    if (this.frames.has(extended)) {
      this.stats.duplicates++;
      return;
    }
    this.frames.set(extended, frame);
    this.highest = Math.max(this.highest, extended);
    while (this.frames.size > this.options.maxDepth) {
      const oldest = Math.min(...this.frames.keys());
      this.frames.delete(oldest);
      this.stats.overflowDrops++;
      if (this.nextToPlay !== null && this.nextToPlay <= oldest) this.nextToPlay = oldest + 1;
    }
  }

  get depth(): number {
    return this.frames.size;
  }

  /** The next 20 ms of audio; null before playout has started (nothing received yet). */
  pop(): Int16Array | null {
    if (!this.playing) {
      if (this.frames.size < this.options.targetDepth) return null;
      this.playing = true;
      this.nextToPlay = Math.min(...this.frames.keys());
    }
    const key = this.nextToPlay ?? 0;
    this.nextToPlay = key + 1;
    const frame = this.frames.get(key);
    if (frame) {
      this.frames.delete(key);
      this.lastFrame = frame;
      this.concealedRun = 0;
      this.stats.played++;
      return frame;
    }
    if (this.frames.size === 0 && key > this.highest) {
      // Underrun: nothing buffered at all; rebuffer before playing again.
      this.playing = false;
    }
    return this.conceal();
  }

  private conceal(): Int16Array {
    if (this.lastFrame && this.concealedRun < this.options.maxConcealedFrames) {
      this.concealedRun++;
      const gain = 0.5 ** this.concealedRun;
      this.stats.concealed++;
      return this.lastFrame.map((sample) => Math.round(sample * gain));
    }
    this.stats.silent++;
    return new Int16Array(FRAME_SAMPLES);
  }
}
