/**
 * DTMF in the audio itself: each digit's ITU-T Q.23 pair of frequencies, for a far end that
 * listens for tones rather than RFC 4733 events or SIP INFO (Asterisk's `dtmf_mode=inband`,
 * voip.ms's "Inband" DTMF mode). Digits are paced as the event sender paces them: 100 ms of tone
 * and 60 ms of silence each (Q.24 receivers need 40 ms of each at least). The high group is
 * 2 dB above the low one, the "twist" desk phones use because a line loses more of the high
 * frequencies; each edge is ramped over 1 ms so the tone starts and stops without a click
 * spreading energy over other receivers' bands.
 */
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../src-shared/audio-format.js';
import { dtmfFrequencies } from '../../src-shared/dtmf-frequencies.js';

export interface InbandDtmfOptions {
  sampleRate?: number;
  frameSamples?: number;
  toneMs?: number;
  gapMs?: number;
  /** Peak amplitude of the low-group sine in 16-bit units; about -16 dBFS by default. */
  lowAmplitude?: number;
}

/** A 2 dB twist: the high group's amplitude over the low group's. */
const TWIST = 10 ** (2 / 20);
const RAMP_MS = 1;

/**
 * Queued digits as frames of audio. Each call of {@link next} is one packet interval: a frame of
 * tone or of the silence between digits while digits remain, null once none does (the caller's
 * own audio goes out then).
 */
export class InbandDtmf {
  private readonly options: Required<InbandDtmfOptions>;
  private readonly queue: string[] = [];
  /** Samples of the digit being sent, tone and gap, and how far into them we are. */
  private current: { samples: Int16Array; offset: number } | null = null;

  constructor(options: InbandDtmfOptions = {}) {
    this.options = {
      sampleRate: AUDIO_SAMPLE_RATE,
      frameSamples: AUDIO_FRAME_SAMPLES,
      toneMs: 100,
      gapMs: 60,
      lowAmplitude: 5000,
      ...options,
    };
  }

  /** Queues digits; characters that are not DTMF are skipped. Returns the digits accepted. */
  enqueue(digits: string): string {
    const accepted = [...digits].filter((digit) => dtmfFrequencies(digit) !== null);
    this.queue.push(...accepted);
    return accepted.join('');
  }

  /** Drops every digit, the one under way too (the call stopped sending: on hold). */
  clear(): void {
    this.queue.length = 0;
    this.current = null;
  }

  get pending(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  next(): Int16Array | null {
    if (!this.current) {
      const digit = this.queue.shift();
      if (digit === undefined) return null;
      this.current = { samples: this.render(digit), offset: 0 };
    }
    const { samples, offset } = this.current;
    const frame = new Int16Array(this.options.frameSamples);
    frame.set(samples.subarray(offset, offset + frame.length));
    this.current.offset += frame.length;
    if (this.current.offset >= samples.length) this.current = null;
    return frame;
  }

  /** One digit's tone and the silence after it, in whole frames. */
  private render(digit: string): Int16Array {
    const { sampleRate, frameSamples, toneMs, gapMs, lowAmplitude } = this.options;
    const { lowHz: low, highHz: high } = dtmfFrequencies(digit) ?? { lowHz: 0, highHz: 0 };
    const toneSamples = Math.round((toneMs * sampleRate) / 1000);
    const total = Math.ceil((toneSamples + (gapMs * sampleRate) / 1000) / frameSamples);
    const samples = new Int16Array(total * frameSamples);
    const ramp = Math.max(1, Math.round((RAMP_MS * sampleRate) / 1000));
    const lowStep = (2 * Math.PI * low) / sampleRate;
    const highStep = (2 * Math.PI * high) / sampleRate;
    for (let n = 0; n < toneSamples; n++) {
      const edge = Math.min(1, (n + 1) / ramp, (toneSamples - n) / ramp);
      const value =
        lowAmplitude * Math.sin(lowStep * n) + lowAmplitude * TWIST * Math.sin(highStep * n);
      samples[n] = Math.round(edge * value);
    }
    return samples;
  }
}
