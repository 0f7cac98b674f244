import { FRAME_SAMPLES } from './jitter-buffer.js';

export const SAMPLE_RATE = 8000;

/**
 * A sine tone in 20 ms frames with continuous phase (no clicks between frames). One second of
 * samples is computed once: any whole-hertz tone repeats exactly every second at 8 kHz.
 */
export class ToneGenerator {
  private readonly second: Int16Array;
  private offset = 0;

  constructor({ frequency, amplitude = 8000 }: { frequency: number; amplitude?: number }) {
    const step = (2 * Math.PI * Math.round(frequency)) / SAMPLE_RATE;
    this.second = Int16Array.from({ length: SAMPLE_RATE }, (_, i) =>
      Math.round(amplitude * Math.sin(step * i)),
    );
  }

  next(): Int16Array {
    const frame = this.second.slice(this.offset, this.offset + FRAME_SAMPLES);
    this.offset = (this.offset + FRAME_SAMPLES) % SAMPLE_RATE;
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
