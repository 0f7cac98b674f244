import { describe, expect, it } from 'vitest';
import { normalizeDialString } from '../../../src-renderer/src/dialer/phone-number.js';

describe('dial strings as voip.ms expects them', () => {
  it.each([
    ['(514) 555-0100', '15145550100'],
    ['514.555.0100', '15145550100'],
    ['+1 514 555 0100', '15145550100'],
    ['1-514-555-0100', '15145550100'],
    ['011 44 20 7946 0000', '011442079460000'],
    ['+44 20 7946 0000', '442079460000'],
    ['0033 1 23 45 67 89', '0033123456789'],
    ['*97', '*97'],
    ['*98', '*98'],
    ['4443', '4443'],
    ['  4747 ', '4747'],
    ['555-0100', '5550100'],
  ])('%s → %s', (typed, dialed) => {
    expect(normalizeDialString(typed)).toBe(dialed);
  });

  it('does not prefix numbers that are not North-American', () => {
    expect(normalizeDialString('0123456789')).toBe('0123456789');
  });
});
