/**
 * What the frame worklet does with the audio, apart from the worklet itself so it runs (and is
 * tested) outside the browser: it cuts the microphone into 20 ms frames of 16 kHz audio for
 * main's RTP sender, plays main's received frames from a jitter buffer that keeps the delay
 * down, and measures levels and the playout delay.
 *
 * It runs on the real-time audio thread once per render quantum (125 times a second at 16 kHz),
 * so every loop works on local variables and every buffer is allocated once: the only objects made
 * per frame are the messages themselves, whose buffer is transferred, not copied.
 */
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../../src-shared/audio-format.js';
import { createResampler, type Resampler } from '../../../src-shared/resampler.js';

const RING_SAMPLES = 16 * AUDIO_FRAME_SAMPLES;
/** Beyond 160 ms buffered, the surplus is dropped at once: a sender that burst or ran fast. */
const MAX_BUFFERED_SAMPLES = 8 * AUDIO_FRAME_SAMPLES;
/** Link samples per millisecond. */
const PER_MS = AUDIO_SAMPLE_RATE / 1000;
/**
 * What the buffer keeps above one render quantum before each pull: 10 ms when a stream starts,
 * 10 ms more on each underrun up to 40 ms, and 1 ms less per five clean seconds, down to 5 ms.
 */
export const START_MARGIN_SAMPLES = 10 * PER_MS;
const MIN_MARGIN_SAMPLES = 5 * PER_MS;
const MARGIN_STEP_SAMPLES = 10 * PER_MS;
const MARGIN_DECAY_SAMPLES = 1 * PER_MS;
const MAX_MARGIN_SAMPLES = 40 * PER_MS;
/** How often the buffer's low point is judged and a standing surplus trimmed: once a second. */
const TRIM_WINDOW_SAMPLES = AUDIO_SAMPLE_RATE;
/** A trim crossfades over 4 ms so it does not click. */
const FADE_SAMPLES = 4 * PER_MS;
/** A frame within this of the buffer running dry was late, not the start of new audio. */
const LATE_FRAME_MS = 500;
/**
 * Levels go to the page five times a second: each report that moves a meter is a frame the page
 * styles, paints and composites, and at ten a second the meters cost the renderer's main thread
 * and compositor about 2 % of a core in the bench (npm run bench, app rows), for steps the eye
 * follows as well at five.
 */
export const REPORT_EVERY_MS = 200;
/** Delay reports go out once every this many level reports: once a second. */
const REPORTS_PER_DELAY = 5;
const DELAY_WINDOW = 50;
/**
 * Frames whose first sample has not played yet. The buffer holds at most eight; more pile up only
 * while the context is suspended, and then the oldest stamps are the ones worth least.
 */
const ARRIVAL_SLOTS = 64;
/** The render quantum of Web Audio, in context samples. */
export const RENDER_QUANTUM = 128;

export type WorkletReport =
  | { kind: 'levels'; micPeak: number; speakerPeak: number }
  | { kind: 'delays'; playoutMs: number | null; uplinkMs: number | null; underruns: number };

/** What the pipe sends main over the audio link (src-shared/audio-link.ts). */
export type PipeToMain =
  | { kind: 'mic'; pcm: ArrayBuffer; at: number }
  | { kind: 'playout-delay'; ms: number; underruns: number };

export interface PipeOutlets {
  /** To main, over the link; `transfer` is handed over rather than copied. */
  toMain(message: PipeToMain, transfer: ArrayBuffer[]): void;
  /** To the page, for the meters and the delay readout. */
  toPage(report: WorkletReport): void;
  /**
   * To the meters' own drawing thread, when one is linked: true when it took the levels. The page
   * then hears them once a second, for the meters' accessible values, instead of at every report.
   */
  toMeters?(micPeak: number, speakerPeak: number): boolean;
}

export class FramePipe {
  /** Context samples per link sample; 1 when the context runs at the link's rate, as in the app. */
  private readonly ratio: number;
  /** Link samples one render quantum takes. */
  private readonly quantum: number;
  private readonly mic = new Int16Array(AUDIO_FRAME_SAMPLES);
  private micFill = 0;
  private readonly downsample: Resampler;
  private readonly upsample: Resampler;
  /** Link-rate scratch for one render quantum in each direction. */
  private readonly micScratch = new Float32Array(RENDER_QUANTUM);
  private readonly speakerScratch = new Float32Array(RENDER_QUANTUM);
  private readonly ring = new Float32Array(RING_SAMPLES);
  private readIndex = 0;
  private buffered = 0;
  private playing = false;
  private margin = START_MARGIN_SAMPLES;
  /** The buffer's lowest level before a pull in this trim window, and how far the window is. */
  private lowest = Infinity;
  private sinceTrim = 0;
  private cleanWindows = 0;
  private underruns = 0;
  /** When the buffer last ran dry mid-stream (ms), or -1 when it has not since the last frame. */
  private dryAt = -1;
  /** Where received frames start (in written samples) and their stamps, as a ring. */
  private readonly arrivalPositions = new Float64Array(ARRIVAL_SLOTS);
  private readonly arrivalStamps = new Float64Array(ARRIVAL_SLOTS);
  private arrivalHead = 0;
  private arrivalCount = 0;
  private written = 0;
  private played = 0;
  /** The last DELAY_WINDOW playout delays, as a ring, and a scratch copy to take the median. */
  private readonly playoutDelays = new Float64Array(DELAY_WINDOW);
  private readonly delayScratch = new Float64Array(DELAY_WINDOW);
  private delayNext = 0;
  private delayCount = 0;
  private uplinkMs: number | null = null;
  private micPeak = 0;
  private speakerPeak = 0;
  private lastReport = 0;
  private reportsSinceDelay = 0;
  /** The call's volumes as factors: the microphone's before it is sent, the speaker's as played. */
  private micGain = 1;
  private speakerGain = 1;

  constructor(
    contextRate: number,
    private readonly outlets: PipeOutlets,
  ) {
    this.ratio = Math.max(1, Math.round(contextRate / AUDIO_SAMPLE_RATE));
    this.quantum = RENDER_QUANTUM / this.ratio;
    this.downsample = createResampler(this.ratio);
    this.upsample = createResampler(this.ratio);
  }

  /**
   * The volumes the user set, as factors of the sound (1: as it is). The meters show the result:
   * what the other side gets, and what the user hears.
   */
  setVolumes(micGain: number, speakerGain: number): void {
    this.micGain = Number.isFinite(micGain) && micGain > 0 ? micGain : 0;
    this.speakerGain = Number.isFinite(speakerGain) && speakerGain > 0 ? speakerGain : 0;
  }

  /** Main's reading of how long microphone frames waited for RTP. */
  setUplinkDelay(ms: number): void {
    this.uplinkMs = ms;
  }

  /** One render quantum: the microphone's samples in, the speaker's out, reports when due. */
  process(input: Float32Array | undefined, output: Float32Array | undefined, now: number): void {
    if (input) this.capture(input, now);
    if (output) this.render(output, now);
    if (now - this.lastReport >= REPORT_EVERY_MS) this.report(now);
  }

  /** A received frame of link-rate PCM, stamped `at` by main. */
  enqueue(frame: Int16Array, at: number, now: number): void {
    this.confirmUnderrun(now);
    this.noteArrival(this.written, at);
    const ring = this.ring;
    let write = (this.readIndex + this.buffered) % RING_SAMPLES;
    const length = frame.length;
    for (let i = 0; i < length; i++) {
      ring[write] = (frame[i] ?? 0) / 32768;
      write = write + 1 === RING_SAMPLES ? 0 : write + 1;
    }
    this.buffered += length;
    this.written += length;
    if (this.buffered > MAX_BUFFERED_SAMPLES) this.skip(this.buffered - this.startDepth());
  }

  private noteArrival(position: number, at: number): void {
    if (this.arrivalCount === ARRIVAL_SLOTS) {
      this.arrivalHead = (this.arrivalHead + 1) % ARRIVAL_SLOTS;
      this.arrivalCount--;
    }
    const slot = (this.arrivalHead + this.arrivalCount) % ARRIVAL_SLOTS;
    this.arrivalPositions[slot] = position;
    this.arrivalStamps[slot] = at;
    this.arrivalCount++;
  }

  /** Where playout starts, and starts again after running dry: one frame above the low mark. */
  private startDepth(): number {
    return AUDIO_FRAME_SAMPLES + this.quantum + this.margin;
  }

  private capture(input: Float32Array, now: number): void {
    const gain = this.micGain;
    let peak = this.micPeak;
    const length = input.length;
    for (let i = 0; i < length; i++) {
      const sample = (input[i] ?? 0) * gain;
      if (sample > peak) peak = sample;
      else if (-sample > peak) peak = -sample;
    }
    this.micPeak = peak > 1 ? 1 : peak;
    const scratch = this.micScratch;
    const count = this.downsample.down(input, scratch);
    const mic = this.mic;
    let fill = this.micFill;
    for (let i = 0; i < count; i++) {
      const sample = (scratch[i] ?? 0) * gain;
      mic[fill++] = Math.round((sample > 1 ? 1 : sample < -1 ? -1 : sample) * 32767);
      if (fill === AUDIO_FRAME_SAMPLES) {
        fill = 0;
        const pcm = mic.slice().buffer;
        this.outlets.toMain({ kind: 'mic', pcm, at: now }, [pcm]);
      }
    }
    this.micFill = fill;
  }

  private render(output: Float32Array, now: number): void {
    const needed = output.length / this.ratio;
    if (!this.playing && this.buffered >= this.startDepth()) this.playing = true;
    if (this.playing) this.trim();
    const speaker = this.speakerScratch;
    let filled = 0;
    if (this.playing) {
      filled = needed < this.buffered ? needed : this.buffered;
      const ring = this.ring;
      const gain = this.speakerGain;
      let read = this.readIndex;
      let peak = this.speakerPeak;
      for (let i = 0; i < filled; i++) {
        const scaled = (ring[read] ?? 0) * gain;
        const sample = scaled > 1 ? 1 : scaled < -1 ? -1 : scaled;
        speaker[i] = sample;
        if (sample > peak) peak = sample;
        else if (-sample > peak) peak = -sample;
        read = read + 1 === RING_SAMPLES ? 0 : read + 1;
      }
      this.speakerPeak = peak;
      this.readIndex = read;
      this.buffered -= filled;
      this.played += filled;
      if (filled < needed) this.underrun(now);
    }
    if (filled < needed) speaker.fill(0, filled, needed);
    this.upsample.up(speaker, needed, output);
    // A frame's delay: from main's stamp to the moment its first sample reaches the output.
    while (this.arrivalCount > 0 && (this.arrivalPositions[this.arrivalHead] ?? 0) < this.played) {
      const delay = now - (this.arrivalStamps[this.arrivalHead] ?? now);
      this.playoutDelays[this.delayNext] = delay > 0 ? delay : 0;
      this.delayNext = (this.delayNext + 1) % DELAY_WINDOW;
      if (this.delayCount < DELAY_WINDOW) this.delayCount++;
      this.arrivalHead = (this.arrivalHead + 1) % ARRIVAL_SLOTS;
      this.arrivalCount--;
    }
  }

  /** Ran dry: a late frame, or the end of the call's audio; the next frame tells which. */
  private underrun(now: number): void {
    this.playing = false;
    this.dryAt = now;
    this.lowest = Infinity;
    this.sinceTrim = 0;
  }

  /** A frame came soon after the buffer ran dry: that was a gap heard, so keep more in hand. */
  private confirmUnderrun(now: number): void {
    if (this.dryAt < 0) return;
    if (now - this.dryAt < LATE_FRAME_MS) {
      this.underruns++;
      this.cleanWindows = 0;
      this.margin = Math.min(MAX_MARGIN_SAMPLES, this.margin + MARGIN_STEP_SAMPLES);
    } else {
      // The audio had stopped (a call ended, hold): a new stream starts afresh.
      this.margin = START_MARGIN_SAMPLES;
    }
    this.dryAt = -1;
  }

  /**
   * Keeps the delay down: the buffer's lowest level before a pull, over a second, is what it
   * held and never needed. Above one quantum and the margin, that surplus is audio played late for
   * nothing (a burst, a start on a full buffer), so it is cut, crossfaded.
   */
  private trim(): void {
    if (this.buffered < this.lowest) this.lowest = this.buffered;
    this.sinceTrim += this.quantum;
    if (this.sinceTrim < TRIM_WINDOW_SAMPLES) return;
    const surplus = this.lowest - this.quantum - this.margin;
    this.lowest = Infinity;
    this.sinceTrim = 0;
    if (++this.cleanWindows >= 5 && this.margin > MIN_MARGIN_SAMPLES) {
      this.cleanWindows = 0;
      this.margin = Math.max(MIN_MARGIN_SAMPLES, this.margin - MARGIN_DECAY_SAMPLES);
    }
    if (surplus >= FADE_SAMPLES) this.skip(surplus);
  }

  /** Drops `count` samples from the head of the buffer, crossfading into what follows. */
  private skip(count: number): void {
    const drop = Math.min(count, this.buffered - FADE_SAMPLES);
    if (drop <= 0) return;
    const ring = this.ring;
    for (let i = 0; i < FADE_SAMPLES; i++) {
      const weight = (i + 1) / (FADE_SAMPLES + 1);
      const kept = (this.readIndex + i) % RING_SAMPLES;
      const next = (this.readIndex + drop + i) % RING_SAMPLES;
      ring[next] = (ring[kept] ?? 0) * (1 - weight) + (ring[next] ?? 0) * weight;
    }
    this.readIndex = (this.readIndex + drop) % RING_SAMPLES;
    this.buffered -= drop;
    this.played += drop;
  }

  /** The median of the playout delays in the window; null before any frame played. */
  private playoutMedian(): number | null {
    const count = this.delayCount;
    if (count === 0) return null;
    const sorted = this.delayScratch.subarray(0, count);
    sorted.set(this.playoutDelays.subarray(0, count));
    sorted.sort();
    return sorted[Math.floor(count / 2)] ?? null;
  }

  private report(now: number): void {
    this.lastReport = now;
    const drawn = this.outlets.toMeters?.(this.micPeak, this.speakerPeak) ?? false;
    const delayDue = ++this.reportsSinceDelay >= REPORTS_PER_DELAY;
    if (!drawn || delayDue) {
      this.outlets.toPage({ kind: 'levels', micPeak: this.micPeak, speakerPeak: this.speakerPeak });
    }
    this.micPeak = 0;
    this.speakerPeak = 0;
    if (!delayDue) return;
    this.reportsSinceDelay = 0;
    const playoutMs = this.playoutMedian();
    if (playoutMs !== null) {
      this.outlets.toMain({ kind: 'playout-delay', ms: playoutMs, underruns: this.underruns }, []);
    }
    this.outlets.toPage({
      kind: 'delays',
      playoutMs,
      uplinkMs: this.uplinkMs,
      underruns: this.underruns,
    });
  }
}
