/**
 * The page's side of the call screen's meters drawn off its main thread: one canvas over both,
 * handed to the meter worker (./meter-worker.ts) with the worklet's levels, the resolved design
 * colours and the canvases' size in device pixels, kept up to date when the theme or the window
 * changes. The meters' accessible values stay on the page (CallQuality.tsx).
 */
import type { CallAudio } from '../audio/call-audio.js';
import type { MeterColours, MetersLayout } from './meter-drawing.js';
import MeterWorker from './meter-worker.ts?worker';
import type { MeterWorkerMessage } from './meter-worker.js';

export interface MeterCanvases {
  setMuted(muted: boolean): void;
  stop(): void;
}

/** The design tokens as colours a canvas takes: the probe's `color` resolves `light-dark()`. */
function resolveColours(probe: HTMLElement): MeterColours {
  const read = (token: string) => {
    probe.style.color = `var(${token})`;
    return getComputedStyle(probe).color;
  };
  const colours = {
    ok: read('--ok'),
    warn: read('--warn'),
    danger: read('--danger'),
    track: read('--meter-track'),
  };
  probe.style.removeProperty('color');
  return colours;
}

/**
 * Where the meters sit in their container, as the shared canvas's place (CSS pixels) and the
 * meters' boxes on it (device pixels, whole, so their edges stay sharp).
 */
function measure(
  container: HTMLElement,
  mic: HTMLElement,
  speaker: HTMLElement,
): { place: { left: number; top: number; width: number; height: number }; layout: MetersLayout } {
  const ratio = window.devicePixelRatio || 1;
  const outer = container.getBoundingClientRect();
  const top = mic.getBoundingClientRect();
  const bottom = speaker.getBoundingClientRect();
  const device = (css: number) => Math.round(css * ratio);
  const radius = parseFloat(getComputedStyle(mic).borderTopLeftRadius) || 0;
  return {
    place: {
      left: top.left - outer.left,
      top: top.top - outer.top,
      width: top.width,
      height: bottom.bottom - top.top,
    },
    layout: {
      width: device(top.width),
      height: device(bottom.bottom - top.top),
      mic: { y: 0, height: device(top.height) },
      speaker: { y: device(bottom.top - top.top), height: device(bottom.height) },
      radius: radius * ratio,
    },
  };
}

/**
 * One canvas over both meters (`container` holds them), drawn by the meter worker: one frame to
 * the compositor per level step, where a canvas per meter sent two.
 */
export function drawMetersOffThread(
  audio: CallAudio,
  container: HTMLElement,
  mic: HTMLElement,
  speaker: HTMLElement,
  muted: boolean,
): MeterCanvases {
  const canvas = document.createElement('canvas');
  canvas.className = 'meters-canvas';
  canvas.setAttribute('aria-hidden', 'true');
  const at = measure(container, mic, speaker);
  const placeCanvas = (place: typeof at.place) => {
    canvas.style.left = `${place.left}px`;
    canvas.style.top = `${place.top}px`;
    canvas.style.width = `${place.width}px`;
    canvas.style.height = `${place.height}px`;
  };
  placeCanvas(at.place);
  container.appendChild(canvas);
  const worker = new MeterWorker({ name: 'call meters' });
  const post = (message: MeterWorkerMessage, transfer: Transferable[] = []) =>
    worker.postMessage(message, transfer);
  const levels = new MessageChannel();
  const offscreen = canvas.transferControlToOffscreen();
  post(
    {
      kind: 'start',
      canvas: offscreen,
      levels: levels.port2,
      colours: resolveColours(canvas),
      layout: at.layout,
      muted,
    },
    [offscreen, levels.port2],
  );
  audio.attachMeters(levels.port1);

  // A new window size or screen density moves or resizes the meters: the canvas follows.
  let last = JSON.stringify(at);
  const relayout = () => {
    const now = measure(container, mic, speaker);
    const key = JSON.stringify(now);
    if (key === last) return;
    last = key;
    placeCanvas(now.place);
    post({ kind: 'layout', layout: now.layout });
  };
  const resized = new ResizeObserver(relayout);
  for (const element of [container, mic, speaker]) resized.observe(element);
  const density = () => window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
  let densityQuery = density();
  const densityChanged = () => {
    densityQuery.removeEventListener('change', densityChanged);
    densityQuery = density();
    densityQuery.addEventListener('change', densityChanged);
    relayout();
  };
  densityQuery.addEventListener('change', densityChanged);
  const recolour = () => post({ kind: 'colours', colours: resolveColours(canvas) });
  const themed = new MutationObserver(recolour);
  themed.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
  systemDark.addEventListener('change', recolour);

  return {
    setMuted: (mutedNow) => post({ kind: 'muted', muted: mutedNow }),
    stop: () => {
      audio.attachMeters(null);
      resized.disconnect();
      densityQuery.removeEventListener('change', densityChanged);
      themed.disconnect();
      systemDark.removeEventListener('change', recolour);
      worker.terminate();
      canvas.remove();
    },
  };
}
