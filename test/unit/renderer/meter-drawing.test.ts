import { describe, expect, it } from 'vitest';
import {
  drawMeter,
  drawMeterIn,
  levelPercent,
  litWidth,
  type MeterColours,
  type MeterContext,
} from '../../../src-renderer/src/call/meter-drawing.js';

const COLOURS: MeterColours = { ok: 'ok', warn: 'warn', danger: 'danger', track: 'track' };

/** A context that records each rectangle with the colour (or the gradient's stops) it took. */
function recordingContext() {
  const fills: { style: string; x: number; width: number; height: number }[] = [];
  const context: MeterContext & { gradientStops: [number, string][] } = {
    fillStyle: '',
    gradientStops: [],
    createLinearGradient: () => ({
      addColorStop: (at: number, colour: string) => void context.gradientStops.push([at, colour]),
    }),
    fillRect(x, y, width, height) {
      const style = typeof this.fillStyle === 'string' ? this.fillStyle : 'gradient';
      fills.push({ style, x, width, height });
      rows.push({ op: 'fill', y, height });
    },
    clearRect: (_x, y, _width, height) => void rows.push({ op: 'clear', y, height }),
    save: () => void rows.push({ op: 'save' }),
    restore: () => void rows.push({ op: 'restore' }),
    beginPath: () => undefined,
    roundRect: (_x, y, _width, height, radius) =>
      void rows.push({ op: 'round', y, height, radius }),
    clip: () => void rows.push({ op: 'clip' }),
  };
  const rows: { op: string; y?: number; height?: number; radius?: number }[] = [];
  return { context, fills, rows };
}

describe('the call meters drawn on a canvas', () => {
  it('lights the scale up to the level and fills the rest with the track, edge to edge', () => {
    const { context, fills } = recordingContext();
    drawMeter(context, { width: 200, height: 8 }, 40, COLOURS);
    expect(fills).toEqual([
      { style: 'gradient', x: 0, width: 80, height: 8 },
      { style: 'track', x: 80, width: 120, height: 8 },
    ]);
    // The scale's colours change where the CSS gradient of the settings' meters changes them.
    expect(context.gradientStops).toEqual([
      [0, 'ok'],
      [0.7, 'ok'],
      [0.85, 'warn'],
      [1, 'danger'],
    ]);
  });

  it('draws an empty meter as track only and a full one as scale only', () => {
    const empty = recordingContext();
    drawMeter(empty.context, { width: 200, height: 8 }, 0, COLOURS);
    expect(empty.fills.map((fill) => fill.style)).toEqual(['track']);
    const full = recordingContext();
    drawMeter(full.context, { width: 200, height: 8 }, 100, COLOURS);
    expect(full.fills.map((fill) => [fill.style, fill.width])).toEqual([['gradient', 200]]);
  });

  it('keeps the edge on whole pixels and the level within the scale', () => {
    expect(litWidth(33, 250)).toBe(83);
    expect(litWidth(150, 250)).toBe(250);
    expect(litWidth(-5, 250)).toBe(0);
  });

  it('reads peaks on the meters’ scale of -60 to 0 dBFS, in whole percent', () => {
    expect(levelPercent(0)).toBe(0);
    expect(levelPercent(1)).toBe(100);
    expect(levelPercent(0.1)).toBe(67);
    expect(levelPercent(0.0001)).toBe(0);
  });

  it('draws one meter of the shared canvas in its own row, clipped to its rounded corners', () => {
    const { context, fills, rows } = recordingContext();
    const layout = {
      width: 200,
      height: 24,
      mic: { y: 0, height: 8 },
      speaker: { y: 16, height: 8 },
      radius: 4,
    };
    drawMeterIn(context, layout, layout.speaker, 25, COLOURS);
    // Only the speaker's row is touched: the mic's row and the gap between them stay as they were.
    expect(rows).toEqual([
      { op: 'save' },
      { op: 'clear', y: 16, height: 8 },
      { op: 'round', y: 16, height: 8, radius: 4 },
      { op: 'clip' },
      { op: 'fill', y: 16, height: 8 },
      { op: 'fill', y: 16, height: 8 },
      { op: 'restore' },
    ]);
    expect(fills.map((fill) => [fill.style, fill.x, fill.width])).toEqual([
      ['gradient', 0, 50],
      ['track', 50, 150],
    ]);
  });
});
