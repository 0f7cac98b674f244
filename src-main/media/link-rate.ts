/**
 * 16-bit PCM between the 16 kHz audio link and a codec's slower rate (G.711's 8 kHz), through
 * the shared windowed-sinc resampler: the same low-pass the renderer's worklet ran when the link
 * was at 8 kHz, so a G.711 call sounds and lags as it did. One converter per direction of a
 * stream, since the filters keep history from frame to frame.
 */
import { AUDIO_FRAME_SAMPLES } from '../../src-shared/audio-format.js';
import { createResampler, type Resampler } from '../../src-shared/resampler.js';

export class LinkRateConverter {
  private readonly resampler: Resampler;
  private wide = new Float32Array(AUDIO_FRAME_SAMPLES);
  private narrow = new Float32Array(AUDIO_FRAME_SAMPLES);

  constructor(private readonly ratio: number) {
    // Frames of another duration than 20 ms (a remote's ptime) are cut into pieces this long.
    this.resampler = createResampler(ratio, AUDIO_FRAME_SAMPLES);
  }

  /** Link-rate samples → the codec's rate (a whole multiple of the ratio keeps every sample). */
  down(frame: Int16Array): Int16Array {
    if (this.ratio === 1) return frame;
    const out = new Int16Array(Math.floor(frame.length / this.ratio));
    let written = 0;
    for (let start = 0; start < frame.length; start += AUDIO_FRAME_SAMPLES) {
      const piece = Math.min(AUDIO_FRAME_SAMPLES, frame.length - start);
      const wide = this.wide.subarray(0, piece);
      for (let i = 0; i < piece; i++) wide[i] = (frame[start + i] ?? 0) / 32768;
      const count = this.resampler.down(wide, this.narrow);
      for (let i = 0; i < count && written < out.length; i++)
        out[written++] = toPcm(this.narrow[i]);
    }
    return out;
  }

  /** The codec's samples → link rate. */
  up(frame: Int16Array): Int16Array {
    if (this.ratio === 1) return frame;
    const out = new Int16Array(frame.length * this.ratio);
    const most = Math.floor(AUDIO_FRAME_SAMPLES / this.ratio);
    for (let start = 0; start < frame.length; start += most) {
      const piece = Math.min(most, frame.length - start);
      const narrow = this.narrow.subarray(0, piece);
      for (let i = 0; i < piece; i++) narrow[i] = (frame[start + i] ?? 0) / 32768;
      this.resampler.up(narrow, piece, this.wide);
      for (let i = 0; i < piece * this.ratio; i++)
        out[start * this.ratio + i] = toPcm(this.wide[i]);
    }
    return out;
  }
}

function toPcm(sample: number | undefined): number {
  const scaled = Math.round((sample ?? 0) * 32768);
  return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
}
