import { describe, expect, it } from 'vitest';
import {
  codecOrderOf,
  codecOrderSaved,
  codecRowsOf,
  moveCodec,
  toggleCodec,
} from '../../../src-renderer/src/settings/codec-order-model.js';
import { parseCodecOrder } from '../../../src-shared/codec-order.js';
import { DEFAULT_SETTINGS, settingsSchema } from '../../../src-shared/settings.js';

describe('the codec order form', () => {
  it('lists the saved order first, the codecs left out after it, switched off', () => {
    expect(codecRowsOf(['PCMA'])).toEqual([
      { codec: 'PCMA', enabled: true },
      { codec: 'G722', enabled: false },
      { codec: 'PCMU', enabled: false },
    ]);
  });

  it('moves, toggles and saves the switched-on codecs in their order', () => {
    let rows = codecRowsOf(['G722', 'PCMU', 'PCMA']);
    rows = moveCodec(rows, 1, -1);
    rows = moveCodec(rows, 0, -1);
    rows = toggleCodec(rows, 2);
    expect(codecOrderOf(rows)).toEqual({ ok: true, order: ['PCMU', 'G722'] });
    expect(codecOrderSaved(['PCMU', 'G722'])).toBe('Saved: PCMU (G.711 µ-law), then G.722 (HD)');
  });

  it('refuses a list with every codec off', () => {
    const rows = codecRowsOf(['PCMU']).map((row) => ({ ...row, enabled: false }));
    expect(codecOrderOf(rows)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/at least one/),
    });
  });
});

describe('the codec order setting', () => {
  it('defaults to G.722 first, and validates: at least one, each once, known names only', () => {
    expect(DEFAULT_SETTINGS.codecOrder).toEqual(['G722', 'PCMU', 'PCMA']);
    const base = { ...DEFAULT_SETTINGS };
    expect(settingsSchema.safeParse({ ...base, codecOrder: [] }).success).toBe(false);
    expect(settingsSchema.safeParse({ ...base, codecOrder: ['PCMU', 'PCMU'] }).success).toBe(false);
    expect(settingsSchema.safeParse({ ...base, codecOrder: ['OPUS'] }).success).toBe(false);
    expect(settingsSchema.safeParse({ ...base, codecOrder: ['PCMA', 'G722'] }).success).toBe(true);
  });

  it('reads the CLI form, G.722 spelled either way, and says what is wrong', () => {
    expect(parseCodecOrder('g.722,pcmu')).toEqual({ ok: true, order: ['G722', 'PCMU'] });
    expect(parseCodecOrder('G722, PCMA')).toEqual({ ok: true, order: ['G722', 'PCMA'] });
    expect(parseCodecOrder('opus')).toMatchObject({ ok: false, error: /unknown codec OPUS/ });
    expect(parseCodecOrder('PCMU,PCMU')).toMatchObject({ ok: false, error: /twice/ });
    expect(parseCodecOrder('')).toMatchObject({ ok: false, error: /at least one/ });
  });
});
