/**
 * The format of call audio between the renderer and main: 20 ms of 16 kHz 16-bit mono PCM.
 *
 * The link runs at 16 kHz for every call, whatever the codec: G.722 calls carry 16 kHz audio end
 * to end, and the renderer's audio context already ran at 16 kHz (for its short render quantum),
 * so the renderer now passes samples through without resampling at all. For G.711 calls main
 * converts 16 kHz ⇄ 8 kHz with the low-pass the worklet used before (see link-rate.ts), so the
 * filtering (and its delay) moved from the renderer to main rather than being added.
 */
export const AUDIO_SAMPLE_RATE = 16000;
/** Milliseconds of audio in one frame: the packet time of every call. */
export const AUDIO_FRAME_MS = 20;
export const AUDIO_FRAME_SAMPLES = (AUDIO_SAMPLE_RATE * AUDIO_FRAME_MS) / 1000;
export const AUDIO_FRAME_BYTES = AUDIO_FRAME_SAMPLES * 2;
