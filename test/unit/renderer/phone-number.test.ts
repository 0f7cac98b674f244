import { describe, expect, it } from 'vitest';
import {
  dialTargetOf,
  isWithheldNumber,
  normalizeDialString,
  vanityNumberDigits,
} from '../../../src-renderer/src/dialer/phone-number.js';

describe('dial strings as voip.ms expects them', () => {
  it.each([
    ['(514) 555-0100', '15145550100'],
    ['514.555.0100', '15145550100'],
    ['+1 514 555 0100', '15145550100'],
    ['1-514-555-0100', '15145550100'],
    ['011 44 20 7946 0000', '011442079460000'],
    ['+44 20 7946 0000', '011442079460000'],
    ['+33 1 23 45 67 89', '01133123456789'],
    ['+1 (514) 555-0100', '15145550100'],
    ['+15145550100', '15145550100'],
    ['+52.55.1234.5678', '011525512345678'],
    ['+1 800 555 0100', '18005550100'],
    ['+44 (0)20 7946 0000', '011442079460000'],
    ['00 44 20 7946 0000', '00442079460000'],
    ['1 (514) 555.0100', '15145550100'],
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
    // An exchange or area code starting 0 or 1 is not a NANP number.
    expect(normalizeDialString('5141550100')).toBe('5141550100');
    expect(normalizeDialString('1145550100')).toBe('1145550100');
  });

  it('keeps only what can be dialled', () => {
    expect(normalizeDialString('+')).toBe('');
    expect(normalizeDialString('  ')).toBe('');
    expect(normalizeDialString('+ 44 (0) abc')).toBe('01144');
    expect(normalizeDialString('*97#')).toBe('*97#');
  });
});

describe('vanity numbers, as a phone keypad spells them (E.161)', () => {
  it.each([
    ['1-800-FLOWERS', '18003569377'],
    ['+1 800 FLOWERS', '18003569377'],
    ['(888) GOT-JUNK', '18884685865'],
    ['800-go-fedex', '18004633339'],
    // Letters past the number's ten digits are dropped, as the network ignores them.
    ['1-800-MATTRESS', '18006288737'],
    ['1 800 PQRS WXYZ', '18007777999'],
  ])('%s → %s', (typed, dialed) => {
    expect(vanityNumberDigits(typed)).toBe(dialed);
    expect(normalizeDialString(typed)).toBe(dialed);
    expect(dialTargetOf(typed)).toBe(dialed);
  });

  it.each([
    // SIP user names and contacts' names keep their letters.
    'alice',
    '123456_bob',
    'bob-smith',
    'alice2',
    // Too short to be a number after its area code, or no area code in front.
    '800-ABC',
    'FLOWERS',
    '1-FLOWERS-800',
    // Another country's number: vanity spelling is a North-American habit.
    '+44 20 FLOWERS',
    // No letter: the dial rules as they were.
    '1-800-356-9377',
    // An area code cannot start with 0 or 1.
    '1-100-FLOWERS',
  ])('%s is not one', (typed) => {
    expect(vanityNumberDigits(typed)).toBeNull();
  });

  it('leaves SIP user names to be dialled as written', () => {
    expect(dialTargetOf('123456_bob')).toBe('123456_bob');
    expect(dialTargetOf('800-ABC')).toBe('800-ABC');
  });
});

describe('what a call to a typed or stored number dials', () => {
  it.each([
    ['+1 (514) 555-0100', '15145550100'],
    ['  4443 ', '4443'],
    ['*97', '*97'],
    ['alice', 'alice'],
    [' bob-smith ', 'bob-smith'],
    ['123456_bob', '123456_bob'],
    ['alice2', 'alice2'],
    ['', ''],
  ])('%s → %s', (typed, dialed) => {
    expect(dialTargetOf(typed)).toBe(dialed);
  });
});

describe('a caller who withheld their number', () => {
  it.each([
    'anonymous',
    'Anonymous',
    'sip:anonymous@anonymous.invalid',
    'restricted',
    'PRIVATE',
    'unavailable',
    'unknown',
    '',
    '  ',
  ])('is %j', (number) => expect(isWithheldNumber(number)).toBe(true));

  it.each(['15145550177', '4443', 'alice', '123456_bob', 'sip:anonymousbob@example.com', '*97'])(
    'is not %j',
    (number) => expect(isWithheldNumber(number)).toBe(false),
  );
});
