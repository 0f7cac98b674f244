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
  clearRect(x: number, y: number, width: number, height: number): void;
  save(): void;
  restore(): void;
  beginPath(): void;
  roundRect(x: number, y: number, width: number, height: number, radius: number): void;
  clip(): void;
}

/** Where one meter sits on the canvas both share, in device pixels. */
export interface MeterBox {
  y: number;
  height: number;
}

/** Both meters' place on their one canvas: one column, the mic's row above the speaker's. */
export interface MetersLayout {
  width: number;
  height: number;
  mic: MeterBox;
  speaker: MeterBox;
  /** The meters' corner radius, as their CSS has it, in device pixels. */
  radius: number;
}

/** A level in whole percent of the meter's scale (-60 dBFS empty, 0 dBFS full). */
export function levelPercent(peak: number): number {
  return Math.round(meterShare(peak) * 100);
}

/** The x where the lit scale ends, in whole device pixels so the edge stays sharp. */
export function litWidth(percent: number, width: number): number {
  return Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
}

/** Paints the whole meter, opaque, at `percent`, from `y` down. */
export function drawMeter(
  context: MeterContext,
  size: { width: number; height: number },
  percent: number,
  colours: MeterColours,
  y = 0,
): void {
  const lit = litWidth(percent, size.width);
  if (lit > 0) {
    const scale = context.createLinearGradient(0, 0, size.width, 0);
    for (const [at, colour] of SCALE_STOPS) scale.addColorStop(at, colours[colour]);
    context.fillStyle = scale;
    context.fillRect(0, y, lit, size.height);
  }
  if (lit < size.width) {
    context.fillStyle = colours.track;
    context.fillRect(lit, y, size.width - lit, size.height);
  }
}

/**
 * Paints one of the two meters in its place on their shared canvas, inside its rounded corners
 * (what the meter's `overflow: hidden` did for a canvas of its own); the canvas around it stays
 * clear, so the page shows through the gap between the rows.
 */
export function drawMeterIn(
  context: MeterContext,
  layout: MetersLayout,
  box: MeterBox,
  percent: number,
  colours: MeterColours,
): void {
  context.save();
  context.clearRect(0, box.y, layout.width, box.height);
  context.beginPath();
  context.roundRect(0, box.y, layout.width, box.height, layout.radius);
  context.clip();
  drawMeter(context, { width: layout.width, height: box.height }, percent, colours, box.y);
  context.restore();
}
