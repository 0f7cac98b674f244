import { describe, expect, it } from 'vitest';
import {
  displayNumberOf,
  numberBesideName,
  partyLine,
  partyNameOf,
} from '../../../src-shared/number-display.js';

describe('displayNumberOf', () => {
  it('writes a North-American caller ID as its users read it, with or without its 1', () => {
    expect(displayNumberOf('15145550100')).toBe('(514) 555-0100');
    expect(displayNumberOf('5145550100')).toBe('(514) 555-0100');
    expect(displayNumberOf('+15145550100')).toBe('(514) 555-0100');
    expect(displayNumberOf(' 1-514-555-0100 ')).toBe('(514) 555-0100');
  });

  it('groups a number abroad as its country does, from any international prefix', () => {
    expect(displayNumberOf('011442079460958')).toBe('+44 20 7946 0958');
    expect(displayNumberOf('00442079460958')).toBe('+44 20 7946 0958');
    expect(displayNumberOf('+33142685300')).toBe('+33 1 42 68 53 00');
  });

  it('leaves what is not a phone number as it came', () => {
    for (const other of [
      '4443',
      '*97',
      '123456_bob',
      'alice',
      'anonymous',
      '',
      '5551234',
      '1234567890',
      '15141234567',
      '011',
      '+999123',
      'sip:15145550100@example.net',
    ])
      expect(displayNumberOf(other)).toBe(other);
  });
});

describe('partyNameOf and numberBesideName', () => {
  it('leads with the name and shows the number beside it', () => {
    expect(partyNameOf('Alice', '15145550100')).toBe('Alice');
    expect(numberBesideName('Alice', '15145550100')).toBe('(514) 555-0100');
  });

  it('leads with the number when there is no name, and does not repeat it', () => {
    expect(partyNameOf(null, '15145550100')).toBe('(514) 555-0100');
    expect(partyNameOf('', '15145550100')).toBe('(514) 555-0100');
    expect(numberBesideName(null, '15145550100')).toBeNull();
  });

  it('does not repeat a number a caller presented as their name', () => {
    expect(partyNameOf('5145550100', '15145550100')).toBe('(514) 555-0100');
    expect(numberBesideName('5145550100', '15145550100')).toBeNull();
    expect(numberBesideName('5145550199', '15145550100')).toBe('(514) 555-0100');
  });
});

describe('partyLine', () => {
  it('puts the number beside the name only where it adds to it', () => {
    expect(partyLine('Jane Doe', '15145550101')).toBe('Jane Doe · (514) 555-0101');
    expect(partyLine(null, '15145550101')).toBe('(514) 555-0101');
    expect(partyLine('5145550101', '15145550101')).toBe('(514) 555-0101');
  });
});
