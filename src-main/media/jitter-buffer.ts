import { AUDIO_FRAME_SAMPLES } from '../../src-shared/audio-format.js';
import { extendSequence } from './sequence-number.js';

/** Samples in one 20 ms frame of the audio link (16 kHz): the unit the media path moves in. */
export const FRAME_SAMPLES = AUDIO_FRAME_SAMPLES;

export interface JitterBufferOptions {
  /** Samples per frame, for the silence it plays; one link frame by default (the RTP session gives its codec's). */
  frameSamples?: number;
  /**
   * Frames buffered before playout starts, and refilled after an underrun: 3 (60 ms) by
   * default, enough for a quiet network without audible latency.
   */
  initialDelayFrames?: number;
  /** Whether the delay follows the network (late packets raise it, calm lowers it). */
  adaptive?: boolean;
  minDelayFrames?: number;
  maxDelayFrames?: number;
  /** Consecutive concealed frames (attenuated repeats of the last one) before silence. */
  maxConcealedFrames?: number;
  /** Frames held at most; a burst beyond this drops the oldest. */
  capacityFrames?: number;
  /** Frames of playout between two decisions to shed excess delay (250 = 5 s). */
  adaptWindowFrames?: number;
}

export interface JitterBufferStats {
  /** Frames played as received. */
  played: number;
  /** Frames replaced by an attenuated repeat of the previous one. */
  concealed: number;
  /** Frames replaced by silence once concealment ran out. */
  silent: number;
  /** Times the buffer ran dry while playing and had to refill. */
  underruns: number;
  /** Packets that arrived after their playout time, dropped. */
  late: number;
  /** Packets already buffered, dropped. */
  duplicates: number;
  /** Frames dropped unplayed to bound the buffer or shed excess delay. */
  discarded: number;
  /** Times the sequence jumped so far that the buffer started over. */
  resyncs: number;
}

const DEFAULTS: Required<JitterBufferOptions> = {
  frameSamples: FRAME_SAMPLES,
  initialDelayFrames: 3,
  adaptive: true,
  minDelayFrames: 2,
  maxDelayFrames: 10,
  maxConcealedFrames: 2,
  capacityFrames: 50,
  adaptWindowFrames: 250,
};

/** Packets in a row from far behind the playout point that mean the sender started over. */
const RESTART_AFTER_STALE_PACKETS = 3;

/**
 * Playout state:
 * ```
 *  idle ──(delay buffered)──► playing ──(nothing left)──► rebuffering
 *                                ▲                             │
 *                                └───────(delay buffered)──────┘
 * ```
 * `pop` returns null only while idle: once audio has started, every tick yields a frame.
 */
type PlayoutState = 'idle' | 'playing' | 'rebuffering';

/**
 * A jitter buffer for fixed-duration frames ordered by RTP sequence number (RFC 3550 §5.1), with
 * 16-bit wrap handled by extended numbers (Appendix A.1).
 *
 * Delay is counted in frames between the playout point and the newest frame. Adaptation is
 * deliberately simple, in the spirit of fixed-plus-step buffers in desk phones: a late packet
 * raises the target by one frame (inserting one concealed frame so the delay really grows);
 * a long calm lowers it again; excess delay left by a burst is shed at most once per window.
 *
 * Loss concealment is the G.711 Appendix I idea reduced to its core: repeat the last frame,
 * attenuated 6 dB per repeat, a couple of times, then play silence.
 */
export class JitterBuffer {
  readonly stats: JitterBufferStats = {
    played: 0,
    concealed: 0,
    silent: 0,
    underruns: 0,
    late: 0,
    duplicates: 0,
    discarded: 0,
    resyncs: 0,
  };
  private readonly options: Required<JitterBufferOptions>;
  private readonly frames = new Map<number, Int16Array>();
  private state: PlayoutState = 'idle';
  /** Highest extended sequence number buffered or seen since the last (re)start. */
  private highest: number | null = null;
  private nextToPlay: number | null = null;
  private target: number;
  private lastFrame: Int16Array | null = null;
  private concealedRun = 0;
  private stretchPending = 0;
  private stalePackets = 0;
  private windowFrames = 0;
  private windowMinDelay = Infinity;
  private framesSinceLate = 0;

  constructor(options: JitterBufferOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    const { minDelayFrames, maxDelayFrames } = this.options;
    this.target = clamp(this.options.initialDelayFrames, minDelayFrames, maxDelayFrames);
  }

  /** The playout delay aimed at, in frames. */
  get targetDelayFrames(): number {
    return this.target;
  }

  /** Frames between the playout point and the newest frame (gaps included). */
  get delayFrames(): number {
    if (this.frames.size === 0 || this.highest === null) return 0;
    const start = this.state === 'playing' ? (this.nextToPlay ?? 0) : this.oldest();
    return this.highest - start + 1;
  }

  /** Frames held. */
  get depth(): number {
    return this.frames.size;
  }

  /** Whether playout has started (a frame will come out of every {@link pop}). */
  get started(): boolean {
    return this.state !== 'idle';
  }

  /**
   * Offers a received frame. Returns false when it is dropped (late or duplicate); the caller
   * needs no other reaction, the stats keep count.
   */
  push(sequence: number, frame: Int16Array): boolean {
    const extended = this.highest === null ? sequence : extendSequence(sequence, this.highest);
    if (this.nextToPlay !== null && extended < this.nextToPlay) {
      // Far behind, and repeatedly so, is not lateness but a sender that restarted its sequence.
      const stale = this.nextToPlay - extended > this.options.capacityFrames;
      this.stalePackets = stale ? this.stalePackets + 1 : 0;
      if (this.stalePackets >= RESTART_AFTER_STALE_PACKETS) {
        this.restartAt(extended, frame);
        return true;
      }
      this.stats.late++;
      if (!stale) this.growDelay();
      return false;
    }
    this.stalePackets = 0;
    if (this.highest !== null && extended - this.highest > this.options.capacityFrames) {
      this.restartAt(extended, frame);
      return true;
    }
    if (this.frames.has(extended)) {
      this.stats.duplicates++;
      return false;
    }
    this.frames.set(extended, frame);
    if (this.highest === null || extended > this.highest) this.highest = extended;
    while (this.frames.size > this.options.capacityFrames) {
      const oldest = this.oldest();
      this.frames.delete(oldest);
      this.stats.discarded++;
      if (this.nextToPlay !== null && this.nextToPlay <= oldest) this.nextToPlay = oldest + 1;
    }
    return true;
  }

  /**
   * The next frame of playout, one per packet interval. Null until enough audio has arrived to
   * start; afterwards always a frame: received, concealed or silent.
   */
  pop(): Int16Array | null {
    if (this.state !== 'playing') {
      if (this.frames.size === 0 || this.delayFrames < this.target) {
        return this.state === 'idle' ? null : this.conceal();
      }
      this.state = 'playing';
      this.nextToPlay = this.oldest();
      // Refilling to the target already built the delay a pending stretch asked for.
      this.stretchPending = 0;
    }
    if (this.options.adaptive) this.adapt();
    if (this.stretchPending > 0) {
      this.stretchPending--;
      return this.conceal();
    }
    const key = this.nextToPlay ?? 0;
    const frame = this.frames.get(key);
    if (frame) {
      this.frames.delete(key);
      this.nextToPlay = key + 1;
      this.lastFrame = frame;
      this.concealedRun = 0;
      this.stats.played++;
      return frame;
    }
    if (this.frames.size === 0) {
      // Nothing at all: keep the playout point, so a packet that is merely delayed still plays.
      this.stats.underruns++;
      this.state = 'rebuffering';
      return this.conceal();
    }
    // A gap with later frames waiting: this one is lost.
    this.nextToPlay = key + 1;
    return this.conceal();
  }

  /** Forgets everything buffered, for a new stream (another SSRC, or a sequence restart). */
  reset(): void {
    this.frames.clear();
    this.highest = null;
    this.nextToPlay = null;
    this.stretchPending = 0;
    this.stalePackets = 0;
    if (this.state === 'playing') this.state = 'rebuffering';
  }

  private restartAt(extended: number, frame: Int16Array): void {
    this.stats.resyncs++;
    this.reset();
    this.frames.set(extended, frame);
    this.highest = extended;
  }

  private oldest(): number {
    let oldest = Infinity;
    for (const key of this.frames.keys()) if (key < oldest) oldest = key;
    return oldest;
  }

  private growDelay(): void {
    if (!this.options.adaptive) return;
    this.framesSinceLate = 0;
    if (this.target >= this.options.maxDelayFrames) return;
    this.target++;
    this.stretchPending++;
  }

  /** Runs once per playout frame: lowers the target after calm, sheds excess delay. */
  private adapt(): void {
    const { adaptWindowFrames, minDelayFrames } = this.options;
    this.windowMinDelay = Math.min(this.windowMinDelay, this.delayFrames);
    if (++this.framesSinceLate >= 2 * adaptWindowFrames && this.target > minDelayFrames) {
      this.target--;
      this.framesSinceLate = 0;
    }
    if (++this.windowFrames < adaptWindowFrames) return;
    // The smallest delay over the whole window is what jitter never needed: shed the excess.
    const excess = this.windowMinDelay - this.target;
    this.windowFrames = 0;
    this.windowMinDelay = Infinity;
    for (let i = 0; i < excess && this.frames.size > 0; i++) {
      const key = this.nextToPlay ?? 0;
      if (this.frames.delete(key)) this.stats.discarded++;
      this.nextToPlay = key + 1;
    }
  }

  private conceal(): Int16Array {
    const last = this.lastFrame;
    if (last && this.concealedRun < this.options.maxConcealedFrames) {
      this.concealedRun++;
      this.stats.concealed++;
      const gain = 0.5 ** this.concealedRun;
      return last.map((sample) => Math.round(sample * gain));
    }
    this.stats.silent++;
    return new Int16Array(last?.length ?? this.options.frameSamples);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
