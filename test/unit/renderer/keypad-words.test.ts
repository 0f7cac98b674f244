import { describe, expect, it } from 'vitest';
import { keypadWayWords } from '../../../src-renderer/src/call/keypad-words.js';

describe('how the call screen names the way its digits go', () => {
  it('names each way as voip.ms names the DTMF mode', () => {
    expect(keypadWayWords('rfc4733')).toBe('as RFC 2833 events');
    expect(keypadWayWords('sip-info')).toBe('by SIP INFO');
    expect(keypadWayWords('inband')).toBe('as tones in the audio');
  });

  it('names none where no digit can go or the media is not agreed yet', () => {
    expect(keypadWayWords('none')).toBeNull();
    expect(keypadWayWords(undefined)).toBeNull();
  });
});
