import { describe, expect, it } from 'vitest';
import {
  drawMeter,
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
    fillRect(x, _y, width, height) {
      const style = typeof this.fillStyle === 'string' ? this.fillStyle : 'gradient';
      fills.push({ style, x, width, height });
    },
  };
  return { context, fills };
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
});
