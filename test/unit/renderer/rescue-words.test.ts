import { describe, expect, it } from 'vitest';
import { describeRescue } from '../../../src-renderer/src/call/rescue-words.js';

describe('describeRescue', () => {
  it('says what went wrong, what was done, and whether audio came back', () => {
    expect(describeRescue({ at: 4.1, from: 'stun', to: 'turn', recovered: true })).toBe(
      'Audio was one-way; switched to the relay — audio is back.',
    );
    expect(describeRescue({ at: 5.2, from: 'stun', to: 'stun', recovered: false })).toBe(
      'Audio was one-way; sent the router’s new address and is waiting for audio…',
    );
  });
});
