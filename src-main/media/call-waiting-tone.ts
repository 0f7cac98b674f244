/**
 * The call waiting tone mixed into the audio of the call in progress while a second call rings
 * (ITU-T E.180: a short burst of a single tone, far quieter than a ringtone, heard only by the
 * person on the phone). North America's form: 440 Hz, a 300 ms burst, again every 10 s.
 */
import { SAMPLE_RATE } from './tone.js';

export interface CallWaitingToneOptions {
  frequency?: number;
  burstMs?: number;
  /** From the start of one burst to the start of the next. */
  periodMs?: number;
  /** Peak in 16-bit units; 4000 is about -18 dBm0, well under speech, as E.180 tones sit. */
  amplitude?: number;
  sampleRate?: number;
}

/** Ramps at each end of a burst, so it starts and stops without a click. */
const RAMP_MS = 5;

export class CallWaitingTone {
  private readonly options: Required<CallWaitingToneOptions>;
  private readonly burstSamples: number;
  private readonly periodSamples: number;
  private readonly rampSamples: number;
  private position = 0;

  constructor(options: CallWaitingToneOptions = {}) {
    this.options = {
      frequency: 440,
      burstMs: 300,
      periodMs: 10_000,
      amplitude: 4000,
      sampleRate: SAMPLE_RATE,
      ...options,
    };
    const perMs = this.options.sampleRate / 1000;
    this.burstSamples = Math.round(this.options.burstMs * perMs);
    this.periodSamples = Math.max(this.burstSamples, Math.round(this.options.periodMs * perMs));
    this.rampSamples = Math.round(RAMP_MS * perMs);
  }

  /** The next burst starts with the next frame: a newly waiting call is announced at once. */
  restart(): void {
    this.position = 0;
  }

  /** Adds the tone to one frame of the call's received audio, in place, saturating at full scale. */
  mixInto(frame: Int16Array): void {
    const { amplitude, frequency, sampleRate } = this.options;
    const step = (2 * Math.PI * frequency) / sampleRate;
    for (let i = 0; i < frame.length; i++) {
      const at = this.position;
      this.position = (this.position + 1) % this.periodSamples;
      if (at >= this.burstSamples) continue;
      const edge = Math.min(at, this.burstSamples - 1 - at);
      const gain = edge < this.rampSamples ? edge / this.rampSamples : 1;
      const mixed = (frame[i] ?? 0) + Math.round(gain * amplitude * Math.sin(step * at));
      frame[i] = Math.max(-32768, Math.min(32767, mixed));
    }
  }
}
