import { describe, expect, it } from 'vitest';
import {
  KEYPAD_GAP_S,
  KEYPAD_TONE_S,
  keypadFrequencies,
  keypadToneSchedule,
} from '../../../src-renderer/src/audio/keypad-tones.js';

describe('the keypad tones a user hears in a call', () => {
  it.each([
    ['1', 697, 1209],
    ['5', 770, 1336],
    ['9', 852, 1477],
    ['*', 941, 1209],
    ['0', 941, 1336],
    ['#', 941, 1477],
    ['A', 697, 1633],
    ['d', 941, 1633],
  ])('%s is %i + %i Hz (ITU-T Q.23)', (digit, lowHz, highHz) => {
    expect(keypadFrequencies(digit)).toEqual({ lowHz, highHz });
  });

  it('has no tone for what is not a key', () => {
    for (const typed of ['', 'E', '+', ' ', '12']) expect(keypadFrequencies(typed)).toBeNull();
  });

  it('plays pasted digits one after another, each with its gap, skipping what is no key', () => {
    const tones = keypadToneSchedule('1-2#');
    expect(tones.map((tone) => tone.digit)).toEqual(['1', '2', '#']);
    const step = KEYPAD_TONE_S + KEYPAD_GAP_S;
    tones.forEach((tone, index) => {
      expect(tone.startS).toBeCloseTo(index * step, 9);
      expect(tone.endS - tone.startS).toBeCloseTo(KEYPAD_TONE_S, 9);
    });
  });
});
