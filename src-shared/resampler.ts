/**
 * Whole-ratio resampling between a wide rate and a narrow one: one Kaiser-windowed low-pass at
 * the narrow rate's Nyquist frequency, used to band-limit audio before decimation and to
 * interpolate it back. Main runs it between the 16 kHz audio link and G.711's 8 kHz; the frame
 * worklet between an audio context at a multiple of 16 kHz and the link. Allocation-free after
 * creation, since it runs for every frame (on the audio thread, in the worklet).
 */

/**
 * Taps per narrow sample of a filter: 24 gives a transition of an eighth of the narrow rate
 * (~1 kHz at 8 kHz, flat to ~3.5 kHz), with a delay of 12 narrow samples through both ways.
 */
const TAPS_PER_RATIO = 24;
const KAISER_BETA = 5;
/** The longest input one call takes by default: a render quantum. */
const DEFAULT_MAX_BLOCK = 128;

export interface Resampler {
  /** Filters and decimates `input` (wide rate) into `output`; returns the samples written. */
  down(input: Float32Array, output: Float32Array): number;
  /** Interpolates `count` narrow samples of `input` into `output` (count × ratio samples). */
  up(input: Float32Array, count: number, output: Float32Array): void;
}

/** The zeroth-order modified Bessel function, for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 30; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

export function lowPassTaps(ratio: number): Float32Array {
  const length = TAPS_PER_RATIO * ratio + 1;
  const middle = (length - 1) / 2;
  const cutoff = 0.5 / ratio;
  const taps = new Float32Array(length);
  let sum = 0;
  for (let n = 0; n < length; n++) {
    const t = n - middle;
    // The sinc crosses zero at every multiple of the ratio; those taps are exactly zero, and
    // the filters below skip them (half the taps at a ratio of two).
    const sinc =
      t === 0
        ? 2 * cutoff
        : t % ratio === 0
          ? 0
          : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const window = besselI0(KAISER_BETA * Math.sqrt(1 - (t / middle) ** 2)) / besselI0(KAISER_BETA);
    taps[n] = sinc * window;
    sum += taps[n] ?? 0;
  }
  for (let n = 0; n < length; n++) taps[n] = (taps[n] ?? 0) / sum;
  return taps;
}

/** `maxBlock`: the most samples one call passes, wide for `down`, narrow for `up`. */
export function createResampler(ratio: number, maxBlock = DEFAULT_MAX_BLOCK): Resampler {
  if (ratio === 1) {
    return {
      down(input, output) {
        output.set(input);
        return input.length;
      },
      up(input, count, output) {
        // A loop rather than set(subarray): no view object made per render quantum.
        for (let i = 0; i < count; i++) output[i] = input[i] ?? 0;
      },
    };
  }
  const taps = lowPassTaps(ratio);
  const length = taps.length;
  // Only the taps that are not zero, as (delay, weight) pairs: the audio thread multiplies by
  // nothing that is known to be zero.
  const downDelays = Int32Array.from(nonZeroIndices(taps, 0, 1));
  const downWeights = Float32Array.from(downDelays, (t) => taps[t] ?? 0);
  // Interpolation runs one sub-filter per output phase: taps phase, phase + ratio, ...; each
  // scaled by the ratio, the gain zero-stuffing took away.
  const phases = Array.from({ length: ratio }, (_, phase) => {
    const steps = Int32Array.from(nonZeroIndices(taps, phase, ratio));
    const weights = Float32Array.from(steps, (j) => (taps[phase + j * ratio] ?? 0) * ratio);
    return { steps, weights };
  });
  // Wide-rate history for decimation, narrow-rate history for interpolation.
  const wide = new Float32Array(length - 1 + maxBlock);
  const narrowHistory = Math.ceil(length / ratio);
  const narrow = new Float32Array(narrowHistory - 1 + maxBlock);
  return {
    down(input, output) {
      wide.set(input, length - 1);
      const count = Math.floor(input.length / ratio);
      const taken = downDelays.length;
      for (let j = 0; j < count; j++) {
        const newest = length - 1 + j * ratio + ratio - 1;
        let sum = 0;
        for (let k = 0; k < taken; k++) {
          sum += (downWeights[k] ?? 0) * (wide[newest - (downDelays[k] ?? 0)] ?? 0);
        }
        output[j] = sum;
      }
      wide.copyWithin(0, input.length, input.length + length - 1);
      return count;
    },
    up(input, count, output) {
      for (let i = 0; i < count; i++) narrow[narrowHistory - 1 + i] = input[i] ?? 0;
      for (let k = 0; k < count; k++) {
        const newest = narrowHistory - 1 + k;
        for (let phase = 0; phase < ratio; phase++) {
          const { steps, weights } = phases[phase] ?? NO_TAPS;
          let sum = 0;
          for (let i = 0; i < steps.length; i++) {
            sum += (weights[i] ?? 0) * (narrow[newest - (steps[i] ?? 0)] ?? 0);
          }
          output[k * ratio + phase] = sum;
        }
      }
      narrow.copyWithin(0, count, count + narrowHistory - 1);
    },
  };
}

const NO_TAPS = { steps: new Int32Array(0), weights: new Float32Array(0) };

/** Indices j of the taps start, start + stride, ... that are not zero. */
function nonZeroIndices(taps: Float32Array, start: number, stride: number): number[] {
  const indices: number[] = [];
  for (let j = 0; start + j * stride < taps.length; j++) {
    if (taps[start + j * stride] !== 0) indices.push(j);
  }
  return indices;
}
