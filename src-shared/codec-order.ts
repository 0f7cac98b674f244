/**
 * The voice codecs a call may use and the user's order of preference among them: what the
 * settings store, what the engine offers first, and what the CLI's `--codecs` reads.
 */
import { z } from 'zod';

export const CODEC_NAMES = ['G722', 'PCMU', 'PCMA'] as const;
export const codecNameSchema = z.enum(CODEC_NAMES);
export type CodecName = z.infer<typeof codecNameSchema>;

/** Wideband first: a far end without G.722 still gets G.711 as before. */
export const DEFAULT_CODEC_ORDER: readonly CodecName[] = ['G722', 'PCMU', 'PCMA'];

/** At least one codec, each at most once, in order of preference. */
export const codecOrderSchema = z
  .array(codecNameSchema)
  .min(1, 'choose at least one codec')
  .max(CODEC_NAMES.length)
  .refine((order) => new Set(order).size === order.length, 'a codec is listed twice');

/** What a person reads for a codec, on the call screen and in settings. */
export const CODEC_LABELS: Readonly<Record<CodecName, string>> = {
  G722: 'G.722 (HD)',
  PCMU: 'PCMU (G.711 µ-law)',
  PCMA: 'PCMA (G.711 A-law)',
};

/** A codec name as the engine reports it → the words for it; an unknown name as it is. */
export function codecLabel(codec: string): string {
  return codec === 'G722' ? CODEC_LABELS.G722 : codec;
}

/**
 * `G722,PCMU` (any case, `G.722` too) → the order; an error in words for anything else, so the
 * CLI can say what it expected.
 */
export function parseCodecOrder(
  text: string,
): { ok: true; order: CodecName[] } | { ok: false; error: string } {
  const names = text
    .split(',')
    .map((name) => name.trim().toUpperCase().replace('.', ''))
    .filter((name) => name !== '');
  const parsed = codecOrderSchema.safeParse(names);
  if (parsed.success) return { ok: true, order: parsed.data };
  const unknown = names.find((name) => !(CODEC_NAMES as readonly string[]).includes(name));
  if (unknown)
    return { ok: false, error: `unknown codec ${unknown}; expected ${CODEC_NAMES.join(', ')}` };
  return { ok: false, error: parsed.error.issues[0]?.message ?? 'not a list of codecs' };
}
