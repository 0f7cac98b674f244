/**
 * The keypad's tones (ITU-T Q.23): each key is its row's low frequency and its column's high one.
 * The renderer plays them as the user's own feedback, main sends them in the audio when digits go
 * in-band, and the tests read them back.
 */
export const DTMF_LOW_HZ = [697, 770, 852, 941] as const;
export const DTMF_HIGH_HZ = [1209, 1336, 1477, 1633] as const;
/** The keys by row and column, as the frequencies above index them. */
export const DTMF_KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

export function dtmfFrequencies(digit: string): { lowHz: number; highHz: number } | null {
  if (digit.length !== 1) return null;
  const key = digit.toUpperCase();
  for (const [row, keys] of DTMF_KEYPAD.entries()) {
    const column = keys.indexOf(key);
    const lowHz = DTMF_LOW_HZ[row];
    const highHz = DTMF_HIGH_HZ[column];
    if (lowHz !== undefined && highHz !== undefined) return { lowHz, highHz };
  }
  return null;
}
