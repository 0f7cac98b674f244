/**
 * How the call screen's level meters are drawn on a canvas, kept apart from the worker that draws
 * them (./meter-worker.ts) so it runs in tests: the scale in its colours up to the level, the
 * track after it, as the settings' meters (MeterBar) show with a cover over a CSS gradient.
 */
import { meterShare } from './quality-history.js';

/** Resolved colours (`rgb(...)`): a worker has no style sheet to read the design tokens from. */
export interface MeterColours {
  ok: string;
  warn: string;
  danger: string;
  track: string;
}

/** Where the scale changes colour, as the meter's CSS gradient (call.css, `.meter`) has it. */
export const SCALE_STOPS: readonly (readonly [number, keyof MeterColours])[] = [
  [0, 'ok'],
  [0.7, 'ok'],
  [0.85, 'warn'],
  [1, 'danger'],
];

/** A canvas gradient, as far as the meters use one. */
export interface MeterGradient {
  addColorStop(offset: number, colour: string): void;
}

/**
 * The part of a 2D context the meters use (OffscreenCanvasRenderingContext2D in the worker),
 * typed without the DOM so the drawing runs in tests.
 */
export interface MeterContext {
  fillStyle: unknown;
  createLinearGradient(x0: number, y0: number, x1: number, y1: number): MeterGradient;
  fillRect(x: number, y: number, width: number, height: number): void;
}

/** A level in whole percent of the meter's scale (-60 dBFS empty, 0 dBFS full). */
export function levelPercent(peak: number): number {
  return Math.round(meterShare(peak) * 100);
}

/** The x where the lit scale ends, in whole device pixels so the edge stays sharp. */
export function litWidth(percent: number, width: number): number {
  return Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
}

/** Paints the whole meter, opaque, at `percent`. */
export function drawMeter(
  context: MeterContext,
  size: { width: number; height: number },
  percent: number,
  colours: MeterColours,
): void {
  const lit = litWidth(percent, size.width);
  if (lit > 0) {
    const scale = context.createLinearGradient(0, 0, size.width, 0);
    for (const [at, colour] of SCALE_STOPS) scale.addColorStop(at, colours[colour]);
    context.fillStyle = scale;
    context.fillRect(0, 0, lit, size.height);
  }
  if (lit < size.width) {
    context.fillStyle = colours.track;
    context.fillRect(lit, 0, size.width - lit, size.height);
  }
}
