/**
 * Test tones and their detection: what lets the CLI and the lab prove that audio crossed a NAT
 * in each direction, without a human listening.
 */
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../src-shared/audio-format.js';

/** Tones are made and detected at the audio link's rate, 16 kHz: above G.711's band too. */
export const SAMPLE_RATE = AUDIO_SAMPLE_RATE;
const FRAME_SAMPLES = AUDIO_FRAME_SAMPLES;

export interface ToneGeneratorOptions {
  /** Rounded to whole hertz (a test tone needs no finer resolution). */
  frequency: number;
  /** Peak amplitude in 16-bit units; 8000 (about -12 dBFS) by default. */
  amplitude?: number;
  sampleRate?: number;
  frameSamples?: number;
}

/**
 * A sine tone in frames of 20 ms at the link's rate. The phase carries over from frame to
 * frame, so the frames join without a click (a discontinuity would spread energy over the band
 * and blur detection on the other side).
 *
 * A whole-hertz tone repeats exactly every second, so one second of samples is computed once
 * and frames are copied out of it: the send path of every call runs this 50 times a second.
 */
export class ToneGenerator {
  private readonly period: Int16Array;
  private offset = 0;
  private readonly frameSamples: number;

  constructor(options: ToneGeneratorOptions) {
    const sampleRate = Math.round(options.sampleRate ?? SAMPLE_RATE);
    const amplitude = options.amplitude ?? 8000;
    const step = (2 * Math.PI * Math.round(options.frequency)) / sampleRate;
    this.period = Int16Array.from({ length: sampleRate }, (_, i) =>
      Math.round(amplitude * Math.sin(step * i)),
    );
    this.frameSamples = options.frameSamples ?? FRAME_SAMPLES;
  }

  next(): Int16Array {
    const frame = new Int16Array(this.frameSamples);
    let filled = 0;
    while (filled < frame.length) {
      const take = Math.min(frame.length - filled, this.period.length - this.offset);
      frame.set(this.period.subarray(this.offset, this.offset + take), filled);
      filled += take;
      this.offset = (this.offset + take) % this.period.length;
    }
    return frame;
  }
}

/**
 * Squared magnitude of one frequency component of a block of samples, by the Goertzel
 * algorithm (a single DFT bin, computed in one pass; the frequency need not fall on a bin
 * centre). For a pure tone of amplitude A over N samples it is about (A·N/2)².
 */
export function goertzelPower(
  samples: ArrayLike<number>,
  frequency: number,
  sampleRate = SAMPLE_RATE,
): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (let i = 0; i < samples.length; i++) {
    const current = (samples[i] ?? 0) + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  return (
    previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
  );
}

export interface ToneDetectorOptions {
  frequency: number;
  sampleRate?: number;
  /**
   * Share of the frame's energy that must sit at the target frequency; 0.5 by default. A pure
   * tone scores close to 1 even after G.711 (its quantisation noise is some 35 dB down); speech,
   * noise or another tone score near 0.
   */
  minShare?: number;
  /** RMS level below which a frame counts as silence, in 16-bit units; 100 (about -50 dBFS). */
  minRms?: number;
  /** Frames {@link ToneDetector.present} looks back over; 10 (200 ms) by default. */
  windowFrames?: number;
  /** Frames of that window that must carry the tone; 6 by default, so lost frames are forgiven. */
  minFramesInWindow?: number;
}

/**
 * Says whether a target frequency is present, frame by frame and over a short window. The test
 * is relative: the Goertzel power at the frequency against the frame's total energy, so neither
 * the level (a quiet far end, G.711 companding) nor loud wide-band noise decides it.
 */
export class ToneDetector {
  /** Frames that carried the tone. */
  toneFrames = 0;
  /** Frames examined. */
  framesSeen = 0;
  private readonly options: Required<ToneDetectorOptions>;
  private readonly recent: boolean[] = [];

  constructor(options: ToneDetectorOptions) {
    this.options = {
      sampleRate: SAMPLE_RATE,
      minShare: 0.5,
      minRms: 100,
      windowFrames: 10,
      minFramesInWindow: 6,
      ...options,
    };
  }

  /** Examines one frame; true when it carries the tone. */
  push(frame: ArrayLike<number>): boolean {
    this.framesSeen++;
    const detected = this.share(frame) >= this.options.minShare;
    if (detected) this.toneFrames++;
    this.recent.push(detected);
    if (this.recent.length > this.options.windowFrames) this.recent.shift();
    return detected;
  }

  /** Whether enough of the last frames carried the tone to call it present. */
  get present(): boolean {
    return this.recent.filter(Boolean).length >= this.options.minFramesInWindow;
  }

  /**
   * Goertzel power over (N/2 · energy): the fraction of the frame's energy in the target bin,
   * 1 for a pure tone at the frequency, 0 for silence.
   */
  share(frame: ArrayLike<number>): number {
    if (frame.length === 0) return 0;
    let energy = 0;
    for (let i = 0; i < frame.length; i++) energy += (frame[i] ?? 0) ** 2;
    if (energy < frame.length * this.options.minRms ** 2) return 0;
    const power = goertzelPower(frame, this.options.frequency, this.options.sampleRate);
    return power / ((frame.length / 2) * energy);
  }
}
