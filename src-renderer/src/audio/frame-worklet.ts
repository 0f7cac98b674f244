/**
 * The audio worklet between the devices and main: it cuts the microphone into 20 ms frames of
 * 16 kHz audio for main's RTP sender and plays main's received frames, on the audio thread, talking
 * to main over its own MessagePort. It reports levels and the playout delay to the page a few
 * times a second.
 *
 * The context runs at the link's 16 kHz in the app (its render quantum of 128 samples is 8 ms
 * there, against 16 ms at 8 kHz, which halves what the jitter buffer must hold and lets the output
 * device run a shorter buffer), so samples pass straight through; the browser resamples between
 * the context and the devices. A context at a whole multiple of 16 kHz is filtered and resampled
 * here.
 */
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../../src-shared/audio-format.js';
import { createResampler } from '../../../src-shared/resampler.js';

const RING_SAMPLES = 16 * AUDIO_FRAME_SAMPLES;
/** Beyond 160 ms buffered, the surplus is dropped at once: a sender that burst or ran fast. */
const MAX_BUFFERED_SAMPLES = 8 * AUDIO_FRAME_SAMPLES;
/** Link samples per millisecond. */
const PER_MS = AUDIO_SAMPLE_RATE / 1000;
/**
 * What the buffer keeps above one render quantum before each pull: 10 ms when a stream starts,
 * 10 ms more on each underrun up to 40 ms, and 1 ms less per five clean seconds, down to 5 ms.
 */
const START_MARGIN_SAMPLES = 10 * PER_MS;
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
const REPORT_EVERY_MS = 100;
const DELAY_WINDOW = 50;

export type WorkletReport =
  | { kind: 'levels'; micPeak: number; speakerPeak: number }
  | { kind: 'delays'; playoutMs: number | null; uplinkMs: number | null; underruns: number };

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? null;
}

/** Context samples per link sample; 1 when the context runs at the link's rate, as in the app. */
const RATIO = Math.max(1, Math.round(sampleRate / AUDIO_SAMPLE_RATE));

class FrameProcessor extends AudioWorkletProcessor {
  private link: MessagePort | null = null;
  private readonly mic = new Int16Array(AUDIO_FRAME_SAMPLES);
  private micFill = 0;
  private readonly downsample = createResampler(RATIO);
  private readonly upsample = createResampler(RATIO);
  /** Link-rate scratch for one render quantum in each direction. */
  private readonly micScratch = new Float32Array(128);
  private readonly speakerScratch = new Float32Array(128);
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
  private dryAt: number | null = null;
  /** Sample positions (in written samples) where received frames start, with their stamps. */
  private readonly arrivals: { position: number; at: number }[] = [];
  private written = 0;
  private played = 0;
  private readonly playoutDelays: number[] = [];
  private uplinkMs: number | null = null;
  private micPeak = 0;
  private speakerPeak = 0;
  private lastReport = 0;
  private reportsSinceDelay = 0;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent) => {
      const data = event.data as { kind?: string; port?: MessagePort };
      if (data.kind === 'link' && data.port) {
        this.link = data.port;
        this.link.onmessage = (message: MessageEvent) => this.fromMain(message.data);
      }
    };
  }

  private fromMain(data: { kind?: string; pcm?: ArrayBuffer; at?: number; ms?: number }): void {
    if (data.kind === 'uplink-delay' && typeof data.ms === 'number') {
      this.uplinkMs = data.ms;
    } else if (data.kind === 'speaker' && data.pcm instanceof ArrayBuffer) {
      this.enqueue(new Int16Array(data.pcm), typeof data.at === 'number' ? data.at : Date.now());
    }
  }

  private enqueue(frame: Int16Array, at: number): void {
    this.confirmUnderrun(Date.now());
    this.arrivals.push({ position: this.written, at });
    let write = (this.readIndex + this.buffered) % RING_SAMPLES;
    for (let i = 0; i < frame.length; i++) {
      this.ring[write] = (frame[i] ?? 0) / 32768;
      write = write + 1 === RING_SAMPLES ? 0 : write + 1;
    }
    this.buffered += frame.length;
    this.written += frame.length;
    if (this.buffered > MAX_BUFFERED_SAMPLES) this.skip(this.buffered - this.startDepth());
  }

  /** Where playout starts, and starts again after running dry: one frame above the low mark. */
  private startDepth(): number {
    return AUDIO_FRAME_SAMPLES + this.quantum() + this.margin;
  }

  /** Link samples one render quantum takes. */
  private quantum(): number {
    return 128 / RATIO;
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    if (input) this.capture(input);
    const output = outputs[0]?.[0];
    if (output) this.render(output);
    const now = Date.now();
    if (now - this.lastReport >= REPORT_EVERY_MS) this.report(now);
    return true;
  }

  private capture(input: Float32Array): void {
    let peak = this.micPeak;
    for (let i = 0; i < input.length; i++) {
      const sample = input[i] ?? 0;
      if (sample > peak) peak = sample;
      else if (-sample > peak) peak = -sample;
    }
    this.micPeak = Math.min(1, peak);
    const count = this.downsample.down(input, this.micScratch);
    for (let i = 0; i < count; i++) {
      const sample = Math.max(-1, Math.min(1, this.micScratch[i] ?? 0));
      this.mic[this.micFill++] = Math.round(sample * 32767);
      if (this.micFill === AUDIO_FRAME_SAMPLES) {
        this.micFill = 0;
        const pcm = this.mic.slice().buffer;
        this.link?.postMessage({ kind: 'mic', pcm, at: Date.now() }, [pcm]);
      }
    }
  }

  private render(output: Float32Array): void {
    const needed = output.length / RATIO;
    if (!this.playing && this.buffered >= this.startDepth()) this.playing = true;
    if (this.playing) this.trim();
    const speaker = this.speakerScratch;
    let peak = this.speakerPeak;
    for (let i = 0; i < needed; i++) {
      if (!this.playing || this.buffered === 0) {
        if (this.playing) this.underrun();
        speaker[i] = 0;
        continue;
      }
      const sample = this.ring[this.readIndex] ?? 0;
      speaker[i] = sample;
      if (sample > peak) peak = sample;
      else if (-sample > peak) peak = -sample;
      this.readIndex = this.readIndex + 1 === RING_SAMPLES ? 0 : this.readIndex + 1;
      this.buffered--;
      this.played++;
    }
    this.speakerPeak = peak;
    this.upsample.up(speaker, needed, output);
    // A frame's delay: from main's stamp to the moment its first sample reaches the output.
    while (this.arrivals.length > 0 && (this.arrivals[0]?.position ?? Infinity) < this.played) {
      const arrival = this.arrivals.shift();
      if (!arrival) break;
      this.playoutDelays.push(Math.max(0, Date.now() - arrival.at));
      if (this.playoutDelays.length > DELAY_WINDOW) this.playoutDelays.shift();
    }
  }

  /** Ran dry: a late frame, or the end of the call's audio; the next frame tells which. */
  private underrun(): void {
    this.playing = false;
    this.dryAt = Date.now();
    this.lowest = Infinity;
    this.sinceTrim = 0;
  }

  /** A frame came soon after the buffer ran dry: that was a gap heard, so keep more in hand. */
  private confirmUnderrun(now: number): void {
    if (this.dryAt === null) return;
    if (now - this.dryAt < LATE_FRAME_MS) {
      this.underruns++;
      this.cleanWindows = 0;
      this.margin = Math.min(MAX_MARGIN_SAMPLES, this.margin + MARGIN_STEP_SAMPLES);
    } else {
      // The audio had stopped (a call ended, hold): a new stream starts afresh.
      this.margin = START_MARGIN_SAMPLES;
    }
    this.dryAt = null;
  }

  /**
   * Keeps the delay down: the buffer's lowest level before a pull, over a second, is what it
   * held and never needed. Above one quantum and the margin, that surplus is audio played late for
   * nothing (a burst, a start on a full buffer), so it is cut, crossfaded.
   */
  private trim(): void {
    this.lowest = Math.min(this.lowest, this.buffered);
    this.sinceTrim += this.quantum();
    if (this.sinceTrim < TRIM_WINDOW_SAMPLES) return;
    const surplus = this.lowest - this.quantum() - this.margin;
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
    for (let i = 0; i < FADE_SAMPLES; i++) {
      const weight = (i + 1) / (FADE_SAMPLES + 1);
      const kept = (this.readIndex + i) % RING_SAMPLES;
      const next = (this.readIndex + drop + i) % RING_SAMPLES;
      this.ring[next] = (this.ring[kept] ?? 0) * (1 - weight) + (this.ring[next] ?? 0) * weight;
    }
    this.readIndex = (this.readIndex + drop) % RING_SAMPLES;
    this.buffered -= drop;
    this.played += drop;
  }

  private report(now: number): void {
    this.lastReport = now;
    this.port.postMessage({
      kind: 'levels',
      micPeak: this.micPeak,
      speakerPeak: this.speakerPeak,
    } satisfies WorkletReport);
    this.micPeak = 0;
    this.speakerPeak = 0;
    if (++this.reportsSinceDelay >= 10) {
      this.reportsSinceDelay = 0;
      const playoutMs = median(this.playoutDelays);
      if (playoutMs !== null) {
        this.link?.postMessage({ kind: 'playout-delay', ms: playoutMs, underruns: this.underruns });
      }
      this.port.postMessage({
        kind: 'delays',
        playoutMs,
        uplinkMs: this.uplinkMs,
        underruns: this.underruns,
      } satisfies WorkletReport);
    }
  }
}

registerProcessor('natter-frames', FrameProcessor);
