/**
 * The call screen's two level meters, drawn on canvases handed over by the page
 * (transferControlToOffscreen), from levels the audio worklet sends here directly: a level's step
 * wakes this thread only, not the page's main thread, whose every frame is styled, painted and
 * committed through the compositor (npm run bench, app rows).
 */
import { drawMeter, levelPercent, type MeterColours } from './meter-drawing.js';

export type MeterWorkerMessage =
  | {
      kind: 'start';
      mic: OffscreenCanvas;
      speaker: OffscreenCanvas;
      /** The worklet's end is given to CallAudio.attachMeters. */
      levels: MessagePort;
      colours: MeterColours;
      /** Device pixels; both meters sit in the same grid column, so they are one size. */
      width: number;
      height: number;
      muted: boolean;
    }
  | { kind: 'size'; width: number; height: number }
  | { kind: 'colours'; colours: MeterColours }
  | { kind: 'muted'; muted: boolean };

interface Meter {
  context: OffscreenCanvasRenderingContext2D;
  /** What it shows, in whole percent; -1 before its first drawing. */
  shown: number;
}

let meters: { mic: Meter; speaker: Meter } | null = null;
let colours: MeterColours | null = null;
let size = { width: 0, height: 0 };
let muted = false;
let levels = { mic: 0, speaker: 0 };

function show(meter: Meter, percent: number, always = false): void {
  if (!colours || (!always && meter.shown === percent)) return;
  meter.shown = percent;
  drawMeter(meter.context, size, percent, colours);
}

function showAll(always: boolean): void {
  if (!meters) return;
  show(meters.mic, muted ? 0 : levels.mic, always);
  show(meters.speaker, levels.speaker, always);
}

function resize(canvas: OffscreenCanvas): void {
  canvas.width = size.width;
  canvas.height = size.height;
}

self.addEventListener('message', (event: MessageEvent<MeterWorkerMessage>) => {
  const message = event.data;
  if (message.kind === 'start') {
    const mic = message.mic.getContext('2d', { alpha: false });
    const speaker = message.speaker.getContext('2d', { alpha: false });
    if (!mic || !speaker) return;
    size = { width: message.width, height: message.height };
    resize(message.mic);
    resize(message.speaker);
    meters = { mic: { context: mic, shown: -1 }, speaker: { context: speaker, shown: -1 } };
    colours = message.colours;
    muted = message.muted;
    message.levels.onmessage = (report: MessageEvent<{ micPeak: number; speakerPeak: number }>) => {
      levels = {
        mic: levelPercent(report.data.micPeak),
        speaker: levelPercent(report.data.speakerPeak),
      };
      showAll(false);
    };
    showAll(true);
  } else if (message.kind === 'size' && meters) {
    size = { width: message.width, height: message.height };
    resize(meters.mic.context.canvas);
    resize(meters.speaker.context.canvas);
    showAll(true);
  } else if (message.kind === 'colours') {
    colours = message.colours;
    showAll(true);
  } else if (message.kind === 'muted') {
    muted = message.muted;
    showAll(false);
  }
});
