/**
 * What the user hears of the keys they press in a call, as on a desk phone: each key's two
 * frequencies (ITU-T Q.23), briefly and quietly on the call's speaker. The far end gets the key
 * from main (an RFC 4733 event, an INFO, or main's own tones in the call audio), never these
 * samples.
 */
import { dtmfFrequencies } from '../../../src-shared/dtmf-frequencies.js';

/** Long enough to be heard as a tone, short enough that typing a PIN stays brisk. */
export const KEYPAD_TONE_S = 0.12;
export const KEYPAD_GAP_S = 0.08;
/** Each of the pair's amplitude: feedback beneath the conversation (about −26 dBFS each). */
export const KEYPAD_TONE_LEVEL = 0.05;

export interface KeypadTone {
  digit: string;
  lowHz: number;
  highHz: number;
  /** Seconds from the first tone's start. */
  startS: number;
  endS: number;
}

export const keypadFrequencies = dtmfFrequencies;

/** One tone per key in `digits`, one after another; characters that are no key are skipped. */
export function keypadToneSchedule(digits: string): KeypadTone[] {
  const tones: KeypadTone[] = [];
  for (const digit of digits) {
    const frequencies = keypadFrequencies(digit);
    if (!frequencies) continue;
    const startS = tones.length * (KEYPAD_TONE_S + KEYPAD_GAP_S);
    tones.push({ digit, ...frequencies, startS, endS: startS + KEYPAD_TONE_S });
  }
  return tones;
}
