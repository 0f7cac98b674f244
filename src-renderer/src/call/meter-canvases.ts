/**
 * The page's side of the call screen's meters drawn off its main thread: a canvas in each meter,
 * handed to the meter worker (./meter-worker.ts) with the worklet's levels, the resolved design
 * colours and the canvases' size in device pixels, kept up to date when the theme or the window
 * changes. The meters' accessible values stay on the page (CallQuality.tsx).
 */
import type { CallAudio } from '../audio/call-audio.js';
import type { MeterColours } from './meter-drawing.js';
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

function deviceSize(element: Element): { width: number; height: number } {
  const box = element.getBoundingClientRect();
  const ratio = window.devicePixelRatio || 1;
  return { width: Math.round(box.width * ratio), height: Math.round(box.height * ratio) };
}

export function drawMetersOffThread(
  audio: CallAudio,
  mic: HTMLElement,
  speaker: HTMLElement,
  muted: boolean,
): MeterCanvases {
  const canvases = [mic, speaker].map((meter) => {
    const canvas = document.createElement('canvas');
    canvas.className = 'meter-canvas';
    canvas.setAttribute('aria-hidden', 'true');
    meter.appendChild(canvas);
    return canvas;
  });
  const [micCanvas, speakerCanvas] = canvases as [HTMLCanvasElement, HTMLCanvasElement];
  const worker = new MeterWorker({ name: 'call meters' });
  const post = (message: MeterWorkerMessage, transfer: Transferable[] = []) =>
    worker.postMessage(message, transfer);
  const levels = new MessageChannel();
  const micOffscreen = micCanvas.transferControlToOffscreen();
  const speakerOffscreen = speakerCanvas.transferControlToOffscreen();
  post(
    {
      kind: 'start',
      mic: micOffscreen,
      speaker: speakerOffscreen,
      levels: levels.port2,
      colours: resolveColours(micCanvas),
      ...deviceSize(micCanvas),
      muted,
    },
    [micOffscreen, speakerOffscreen, levels.port2],
  );
  audio.attachMeters(levels.port1);

  // Device pixels, so moving the window to a screen of another density redraws the meters sharp.
  const resized = new ResizeObserver((entries) => {
    const box = entries[0]?.devicePixelContentBoxSize?.[0];
    const size = box ? { width: box.inlineSize, height: box.blockSize } : deviceSize(micCanvas);
    post({ kind: 'size', ...size });
  });
  resized.observe(micCanvas, { box: 'device-pixel-content-box' });
  const recolour = () => post({ kind: 'colours', colours: resolveColours(micCanvas) });
  const themed = new MutationObserver(recolour);
  themed.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
  systemDark.addEventListener('change', recolour);

  return {
    setMuted: (mutedNow) => post({ kind: 'muted', muted: mutedNow }),
    stop: () => {
      audio.attachMeters(null);
      resized.disconnect();
      themed.disconnect();
      systemDark.removeEventListener('change', recolour);
      worker.terminate();
      for (const canvas of canvases) canvas.remove();
    },
  };
}
