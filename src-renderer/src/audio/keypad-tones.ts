/**
 * What the user hears of the keys they press in a call, as on a desk phone: each key's two
 * frequencies (ITU-T Q.23), briefly and quietly on the call's speaker. The far end gets the key as
 * an RFC 4733 event from main, never these samples.
 */

/** Q.23: the row's low frequency and the column's high one, in Hz. */
const ROWS = [697, 770, 852, 941] as const;
const COLUMNS = [1209, 1336, 1477, 1633] as const;
const LAYOUT = ['123A', '456B', '789C', '*0#D'];

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

export function keypadFrequencies(digit: string): { lowHz: number; highHz: number } | null {
  const key = digit.toUpperCase();
  const row = LAYOUT.findIndex((keys) => keys.includes(key));
  if (key.length !== 1 || row < 0) return null;
  return { lowHz: ROWS[row]!, highHz: COLUMNS[LAYOUT[row]!.indexOf(key)]! };
}

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
