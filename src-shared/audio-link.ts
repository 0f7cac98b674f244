/**
 * The audio link between the renderer (which owns the devices) and main (which owns the RTP
 * sockets): 20 ms frames of 8 kHz 16-bit PCM, stamped with the wall-clock time they entered the
 * link so each side can measure the delay the link itself adds. In the app the link is a
 * MessagePort straight from main to the renderer's audio worklet; in the browser test bridge it is
 * the binary side of the loopback WebSocket, encoded with {@link encodeAudioMessage}.
 */
import { z } from 'zod';
import { AUDIO_FRAME_BYTES } from './audio-format.js';

export { AUDIO_FRAME_BYTES, AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from './audio-format.js';

/** Whatever the structured clone delivers must be an ArrayBuffer of exactly one frame. */
const frameBuffer = z.custom<ArrayBuffer>(
  (value) =>
    Object.prototype.toString.call(value) === '[object ArrayBuffer]' &&
    (value as ArrayBuffer).byteLength === AUDIO_FRAME_BYTES,
  'one 20 ms frame of 16-bit PCM',
);
const stamp = z.number().finite().nonnegative();
const MAX_DELAY_MS = 10_000;
const delayMs = z.number().finite().min(0).max(MAX_DELAY_MS);

/** Renderer → main: a microphone frame, stamped when the worklet finished it. */
export const micFrameSchema = z.object({ kind: z.literal('mic'), pcm: frameBuffer, at: stamp });
/** Main → renderer: a received frame, stamped when main decoded it. */
export const speakerFrameSchema = z.object({
  kind: z.literal('speaker'),
  pcm: frameBuffer,
  at: stamp,
});
/** Renderer → main: how long received frames waited before they were played, median. */
export const playoutDelaySchema = z.object({
  kind: z.literal('playout-delay'),
  ms: delayMs,
  /** Times the speaker ran dry mid-stream since the page opened. */
  underruns: z.number().int().nonnegative().optional(),
});
/** Main → renderer: how long microphone frames waited before RTP took them, median. */
export const uplinkDelaySchema = z.object({ kind: z.literal('uplink-delay'), ms: delayMs });

export const rendererToMainSchema = z.discriminatedUnion('kind', [
  micFrameSchema,
  playoutDelaySchema,
]);
export const mainToRendererSchema = z.discriminatedUnion('kind', [
  speakerFrameSchema,
  uplinkDelaySchema,
]);
export type RendererToMain = z.infer<typeof rendererToMainSchema>;
export type MainToRenderer = z.infer<typeof mainToRendererSchema>;
export type AudioLinkMessage = RendererToMain | MainToRenderer;

const KIND_CODES = ['mic', 'speaker', 'playout-delay', 'uplink-delay'] as const;
const HEADER_BYTES = 9;
/** The playout report's optional underrun count, a float64 after the header. */
const COUNT_BYTES = 8;

/**
 * One binary WebSocket message: a kind byte, a float64 stamp or delay, then the frame if any.
 * Fixed layout rather than JSON so a frame costs 329 bytes and no parsing of numbers per sample.
 */
export function encodeAudioMessage(message: AudioLinkMessage): ArrayBuffer {
  const hasFrame = message.kind === 'mic' || message.kind === 'speaker';
  const underruns = message.kind === 'playout-delay' ? message.underruns : undefined;
  const tail = hasFrame ? AUDIO_FRAME_BYTES : underruns === undefined ? 0 : COUNT_BYTES;
  const out = new ArrayBuffer(HEADER_BYTES + tail);
  const view = new DataView(out);
  view.setUint8(0, KIND_CODES.indexOf(message.kind));
  view.setFloat64(1, hasFrame ? message.at : message.ms);
  if (hasFrame) new Uint8Array(out, HEADER_BYTES).set(new Uint8Array(message.pcm));
  if (underruns !== undefined) view.setFloat64(HEADER_BYTES, underruns);
  return out;
}

/**
 * The inverse of {@link encodeAudioMessage}; null for anything that is not one of ours. It checks
 * what the schemas above check, by hand: it runs for every frame, 50 times a second each way.
 */
export function decodeAudioMessage(data: ArrayBuffer): AudioLinkMessage | null {
  if (data.byteLength < HEADER_BYTES) return null;
  const view = new DataView(data);
  const kind = KIND_CODES[view.getUint8(0)];
  const value = view.getFloat64(1);
  if (kind === undefined || !Number.isFinite(value) || value < 0) return null;
  if (kind === 'mic' || kind === 'speaker') {
    if (data.byteLength !== HEADER_BYTES + AUDIO_FRAME_BYTES) return null;
    return { kind, at: value, pcm: data.slice(HEADER_BYTES) };
  }
  if (value > MAX_DELAY_MS) return null;
  if (kind === 'playout-delay' && data.byteLength === HEADER_BYTES + COUNT_BYTES) {
    const underruns = view.getFloat64(HEADER_BYTES);
    if (!Number.isSafeInteger(underruns) || underruns < 0) return null;
    return { kind, ms: value, underruns };
  }
  if (data.byteLength !== HEADER_BYTES) return null;
  return { kind, ms: value };
}
