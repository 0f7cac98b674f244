/**
 * Reads DTMF tones out of audio frames, for tests that check what went out in-band: per frame,
 * the strongest of the four low and of the four high Q.23 frequencies, taken as a digit only when
 * those two hold most of the frame's energy; a run of frames of the same digit is one press.
 */
import { goertzelPower } from '../../src-main/media/tone.js';
import { AUDIO_SAMPLE_RATE } from '../../src-shared/audio-format.js';
import { DTMF_HIGH_HZ, DTMF_KEYPAD, DTMF_LOW_HZ } from '../../src-shared/dtmf-frequencies.js';

export function digitOfFrame(frame: Int16Array, sampleRate = AUDIO_SAMPLE_RATE): string | null {
  let energy = 0;
  for (const sample of frame) energy += sample * sample;
  if (energy / frame.length < 100 * 100) return null;
  // Goertzel power of a pure tone of amplitude A over N samples is (A·N/2)², its energy A²·N/2.
  const share = (frequency: number) =>
    goertzelPower(frame, frequency, sampleRate) / ((frame.length / 2) * energy);
  const strongest = (group: readonly number[]) =>
    group
      .map((frequency, index) => ({ index, share: share(frequency) }))
      .sort((a, b) => b.share - a.share)[0] ?? { index: 0, share: 0 };
  const low = strongest(DTMF_LOW_HZ);
  const high = strongest(DTMF_HIGH_HZ);
  if (low.share + high.share < 0.6 || low.share < 0.2 || high.share < 0.2) return null;
  return DTMF_KEYPAD[low.index]?.[high.index] ?? null;
}

/** The digits a stream of frames carries, each press once. */
export function digitsOfFrames(frames: readonly Int16Array[], minFrames = 2): string {
  let digits = '';
  let run: { digit: string | null; frames: number } = { digit: null, frames: 0 };
  for (const frame of frames) {
    const digit = digitOfFrame(frame);
    if (digit === run.digit) run.frames++;
    else run = { digit, frames: 1 };
    if (digit !== null && run.frames === minFrames) digits += digit;
  }
  return digits;
}
