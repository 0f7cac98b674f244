/**
 * The call screen's two level meters, drawn on one canvas handed over by the page
 * (transferControlToOffscreen), from levels the audio worklet sends here directly: a level's step
 * wakes this thread only, not the page's main thread, whose every frame is styled, painted and
 * committed through the compositor (npm run bench, app rows). Both meters share the canvas so a
 * step that moves both is one frame sent to the compositor, not two.
 */
import {
  drawMeterIn,
  levelPercent,
  type MeterColours,
  type MetersLayout,
} from './meter-drawing.js';

export type MeterWorkerMessage =
  | {
      kind: 'start';
      canvas: OffscreenCanvas;
      /** The worklet's end is given to CallAudio.attachMeters. */
      levels: MessagePort;
      colours: MeterColours;
      layout: MetersLayout;
      muted: boolean;
    }
  | { kind: 'layout'; layout: MetersLayout }
  | { kind: 'colours'; colours: MeterColours }
  | { kind: 'muted'; muted: boolean };

let context: OffscreenCanvasRenderingContext2D | null = null;
let colours: MeterColours | null = null;
let layout: MetersLayout | null = null;
let muted = false;
let levels = { mic: 0, speaker: 0 };
/** What each meter shows, in whole percent; -1 before its first drawing. */
let shown = { mic: -1, speaker: -1 };

function showAll(always: boolean): void {
  if (!context || !colours || !layout) return;
  const mic = muted ? 0 : levels.mic;
  if (always || shown.mic !== mic) drawMeterIn(context, layout, layout.mic, mic, colours);
  if (always || shown.speaker !== levels.speaker) {
    drawMeterIn(context, layout, layout.speaker, levels.speaker, colours);
  }
  shown = { mic, speaker: levels.speaker };
}

function place(next: MetersLayout): void {
  layout = next;
  if (!context) return;
  // Setting the size clears the canvas, the gap between the rows with it.
  context.canvas.width = next.width;
  context.canvas.height = next.height;
}

self.addEventListener('message', (event: MessageEvent<MeterWorkerMessage>) => {
  const message = event.data;
  if (message.kind === 'start') {
    context = message.canvas.getContext('2d');
    if (!context) return;
    place(message.layout);
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
  } else if (message.kind === 'layout') {
    place(message.layout);
    showAll(true);
  } else if (message.kind === 'colours') {
    colours = message.colours;
    showAll(true);
  } else if (message.kind === 'muted') {
    muted = message.muted;
    showAll(false);
  }
});
