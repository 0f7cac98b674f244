import { FRAME_SAMPLES } from './jitter-buffer.js';

export const SAMPLE_RATE = 8000;

/** A sine tone in 20 ms frames with continuous phase (no clicks between frames). */
export class ToneGenerator {
  private phase = 0;
  private readonly step: number;
  private readonly amplitude: number;

  constructor({ frequency, amplitude = 8000 }: { frequency: number; amplitude?: number }) {
    this.step = (2 * Math.PI * frequency) / SAMPLE_RATE;
    this.amplitude = amplitude;
  }

  next(): Int16Array {
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      frame[i] = Math.round(this.amplitude * Math.sin(this.phase));
      this.phase += this.step;
    }
    this.phase %= 2 * Math.PI;
    return frame;
  }
}

/** Power of one frequency in a block of samples (the Goertzel algorithm). */
export function goertzelPower(
  samples: Int16Array,
  frequency: number,
  sampleRate = SAMPLE_RATE,
): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (const sample of samples) {
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  return (
    previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
  );
}

/**
 * Says whether a frame carries a target tone: the Goertzel power at that frequency must hold a
 * large share of the frame's energy, so loud noise or another tone does not count.
 */
export class ToneDetector {
  toneFrames = 0;
  framesSeen = 0;
  private readonly frequency: number;
  private readonly minShare: number;

  constructor({ frequency, minShare = 0.5 }: { frequency: number; minShare?: number }) {
    this.frequency = frequency;
    this.minShare = minShare;
  }

  /** True when the frame carries the tone. */
  push(frame: Int16Array): boolean {
    this.framesSeen++;
    let energy = 0;
    for (const sample of frame) energy += sample * sample;
    if (energy < frame.length * 100 * 100) return false;
    // For a pure tone over N samples, Goertzel power ≈ N/2 · energy.
    const share = goertzelPower(frame, this.frequency) / ((frame.length / 2) * energy);
    const present = share >= this.minShare;
    if (present) this.toneFrames++;
    return present;
  }
}
