/** The format of call audio between the renderer and main: 20 ms of 8 kHz 16-bit mono PCM. */
export const AUDIO_SAMPLE_RATE = 8000;
export const AUDIO_FRAME_SAMPLES = 160;
export const AUDIO_FRAME_BYTES = AUDIO_FRAME_SAMPLES * 2;
