/**
 * The audio worklet between the devices and main, running at 8 kHz (the AudioContext resamples
 * the microphone down and the speaker up, so no resampler of ours sits in the path): it cuts the
 * microphone into 20 ms frames for main's RTP sender and plays main's received frames, on the
 * audio thread, talking to main over its own MessagePort. It reports levels and the playout delay
 * to the page a few times a second.
 */
import { AUDIO_FRAME_SAMPLES } from '../../../src-shared/audio-format.js';

/** Received audio buffered before playout starts (and after it runs dry): 40 ms. */
const PREBUFFER_SAMPLES = 2 * AUDIO_FRAME_SAMPLES;
/** Beyond 160 ms buffered, the oldest is dropped: a speaker clock slower than the sender's. */
const MAX_BUFFERED_SAMPLES = 8 * AUDIO_FRAME_SAMPLES;
const RING_SAMPLES = 16 * AUDIO_FRAME_SAMPLES;
const REPORT_EVERY_SAMPLES = 800;
const DELAY_WINDOW = 50;

export type WorkletReport =
  | { kind: 'levels'; micPeak: number; speakerPeak: number }
  | { kind: 'delays'; playoutMs: number | null; uplinkMs: number | null };

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? null;
}

class FrameProcessor extends AudioWorkletProcessor {
  private link: MessagePort | null = null;
  private readonly mic = new Int16Array(AUDIO_FRAME_SAMPLES);
  private micFill = 0;
  private readonly ring = new Float32Array(RING_SAMPLES);
  private readIndex = 0;
  private buffered = 0;
  private playing = false;
  /** Sample positions (in written samples) where received frames start, with their stamps. */
  private readonly arrivals: { position: number; at: number }[] = [];
  private written = 0;
  private played = 0;
  private readonly playoutDelays: number[] = [];
  private uplinkMs: number | null = null;
  private micPeak = 0;
  private speakerPeak = 0;
  private sinceReport = 0;
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
    this.arrivals.push({ position: this.written, at });
    for (let i = 0; i < frame.length; i++) {
      this.ring[(this.readIndex + this.buffered) % RING_SAMPLES] = (frame[i] ?? 0) / 32768;
      this.buffered++;
    }
    this.written += frame.length;
    if (this.buffered > MAX_BUFFERED_SAMPLES) {
      const drop = this.buffered - PREBUFFER_SAMPLES;
      this.readIndex = (this.readIndex + drop) % RING_SAMPLES;
      this.buffered -= drop;
      this.played += drop;
    }
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    if (input) this.capture(input);
    const output = outputs[0]?.[0];
    if (output) this.render(output);
    this.sinceReport += output?.length ?? input?.length ?? 128;
    if (this.sinceReport >= REPORT_EVERY_SAMPLES) this.report();
    return true;
  }

  private capture(input: Float32Array): void {
    for (let i = 0; i < input.length; i++) {
      const sample = Math.max(-1, Math.min(1, input[i] ?? 0));
      this.micPeak = Math.max(this.micPeak, Math.abs(sample));
      this.mic[this.micFill++] = Math.round(sample * 32767);
      if (this.micFill === AUDIO_FRAME_SAMPLES) {
        this.micFill = 0;
        const pcm = this.mic.slice().buffer;
        this.link?.postMessage({ kind: 'mic', pcm, at: Date.now() }, [pcm]);
      }
    }
  }

  private render(output: Float32Array): void {
    if (!this.playing && this.buffered >= PREBUFFER_SAMPLES) this.playing = true;
    for (let i = 0; i < output.length; i++) {
      if (!this.playing || this.buffered === 0) {
        this.playing = false;
        output[i] = 0;
        continue;
      }
      const sample = this.ring[this.readIndex] ?? 0;
      output[i] = sample;
      this.speakerPeak = Math.max(this.speakerPeak, Math.abs(sample));
      this.readIndex = (this.readIndex + 1) % RING_SAMPLES;
      this.buffered--;
      this.played++;
    }
    // A frame's delay: from main's stamp to the moment its first sample reaches the output.
    while (this.arrivals.length > 0 && (this.arrivals[0]?.position ?? Infinity) < this.played) {
      const arrival = this.arrivals.shift();
      if (!arrival) break;
      this.playoutDelays.push(Math.max(0, Date.now() - arrival.at));
      if (this.playoutDelays.length > DELAY_WINDOW) this.playoutDelays.shift();
    }
  }

  private report(): void {
    this.sinceReport = 0;
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
      if (playoutMs !== null) this.link?.postMessage({ kind: 'playout-delay', ms: playoutMs });
      this.port.postMessage({
        kind: 'delays',
        playoutMs,
        uplinkMs: this.uplinkMs,
      } satisfies WorkletReport);
    }
  }
}

registerProcessor('natter-frames', FrameProcessor);
