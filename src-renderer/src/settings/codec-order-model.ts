import {
  CODEC_LABELS,
  CODEC_NAMES,
  codecOrderSchema,
  type CodecName,
} from '../../../src-shared/codec-order.js';

/** Every codec in the order shown, each on or off: the form's state. */
export interface CodecRow {
  codec: CodecName;
  enabled: boolean;
}

/** The saved order first (all on), then the codecs left out (off), in their usual order. */
export function codecRowsOf(order: readonly CodecName[]): CodecRow[] {
  const left = CODEC_NAMES.filter((codec) => !order.includes(codec));
  return [
    ...order.map((codec) => ({ codec, enabled: true })),
    ...left.map((codec) => ({ codec, enabled: false })),
  ];
}

/** Moves one row up (-1) or down (+1); at an end it stays. */
export function moveCodec(rows: readonly CodecRow[], index: number, by: -1 | 1): CodecRow[] {
  const target = index + by;
  if (target < 0 || target >= rows.length) return [...rows];
  const next = [...rows];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}

export function toggleCodec(rows: readonly CodecRow[], index: number): CodecRow[] {
  return rows.map((row, i) => (i === index ? { ...row, enabled: !row.enabled } : row));
}

/** The order to save, or what stops it, in words. */
export function codecOrderOf(
  rows: readonly CodecRow[],
): { ok: true; order: CodecName[] } | { ok: false; error: string } {
  const order = rows.filter((row) => row.enabled).map((row) => row.codec);
  const parsed = codecOrderSchema.safeParse(order);
  if (parsed.success) return { ok: true, order: parsed.data };
  return { ok: false, error: 'Keep at least one codec on, or no call could have audio.' };
}

export const CODEC_HINTS: Readonly<Record<CodecName, string>> = {
  G722: 'Wideband: 16 kHz audio, clearer voices. voip.ms carries it when G.722 is enabled for the sub-account.',
  PCMU: 'The standard phone-line codec in North America; every provider takes it.',
  PCMA: 'The same quality as PCMU, the form used outside North America.',
};

export function codecOrderSaved(order: readonly CodecName[]): string {
  return `Saved: ${order.map((codec) => CODEC_LABELS[codec]).join(', then ')}`;
}
