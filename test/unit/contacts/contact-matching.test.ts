import { describe, expect, it } from 'vitest';
import {
  ContactIndex,
  numberKeyOf,
  searchContacts,
  type Contact,
} from '../../../src-shared/contacts.js';

const contact = (id: string, name: string, numbers: string[], favourite = false): Contact => ({
  id,
  name,
  favourite,
  numbers: numbers.map((number) => ({ number, label: 'mobile' })),
});

const book = [
  contact('jane', 'Jane Doe', ['+1 514-555-0101']),
  contact('eloise', 'Éloïse Roy', ['819 555 0113']),
  contact('rob', 'Robert Smith', ['+44 20 7946 0958']),
  contact('janet', 'Janet Poe', ['450-555-0190'], true),
];

describe('a number key', () => {
  it.each([
    '+1 514-555-0101',
    '514-555-0101',
    '(514) 555.0101',
    '15145550101',
    '01115145550101',
    'sip:+15145550101@montreal.voip.ms',
    'sip:15145550101@10.0.0.1;user=phone',
    'tel:+1-514-555-0101',
  ])('of %s is the ten North-American digits', (written) => {
    expect(numberKeyOf(written)).toBe('5145550101');
  });

  it('drops international prefixes the same way for other countries', () => {
    expect(numberKeyOf('+44 20 7946 0958')).toBe(numberKeyOf('011 44 20 7946 0958'));
    expect(numberKeyOf('0044 20 7946 0958')).toBe('442079460958');
  });

  it('is empty for a SIP name without digits', () => {
    expect(numberKeyOf('sip:alice@example.com')).toBe('');
  });
});

describe('naming a caller', () => {
  const index = new ContactIndex(book);

  it('finds the contact whatever form the caller number arrives in', () => {
    expect(index.nameFor('15145550101', 'WIRELESS CALLER')).toBe('Jane Doe');
    expect(index.nameFor('+15145550101', null)).toBe('Jane Doe');
    expect(index.nameFor('sip:5145550101@voip.ms', null)).toBe('Jane Doe');
  });

  it('keeps the caller own name, or none, for a number not in the book', () => {
    expect(index.nameFor('15145559999', 'WIRELESS CALLER')).toBe('WIRELESS CALLER');
    expect(index.nameFor('15145559999', null)).toBeNull();
  });

  it('names nothing after a short code', () => {
    const withCode = new ContactIndex([contact('vm', 'Voicemail', ['*97'])]);
    expect(withCode.nameFor('*97', null)).toBeNull();
  });

  it('says which numbers a saved contact could name, for History to offer adding them', () => {
    for (const number of ['4443', '15145559999', 'sip:+15145559999@voip.ms']) {
      expect(ContactIndex.identifies(number)).toBe(true);
    }
    for (const number of ['*97', '12', 'alice', 'sip:alice@example.com', '']) {
      expect(ContactIndex.identifies(number)).toBe(false);
    }
  });

  it('names a number two contacts share after the favourite', () => {
    const shared = new ContactIndex([
      contact('a', 'Front desk', ['514 555 0000']),
      contact('b', 'Dr. Lee', ['514 555 0000'], true),
    ]);
    expect(shared.nameFor('15145550000')).toBe('Dr. Lee');
  });
});

describe('searching as you type', () => {
  const names = (query: string) => searchContacts(book, query).map((m) => m.contact.name);

  it('matches the start of a name word first, favourites before others', () => {
    expect(names('jan')).toEqual(['Janet Poe', 'Jane Doe']);
    expect(names('doe')).toEqual(['Jane Doe']);
  });

  it('ignores accents and case', () => {
    expect(names('eloise')).toEqual(['Éloïse Roy']);
  });

  it('matches digits in any written form of the number', () => {
    expect(names('514555')).toEqual(['Jane Doe']);
    expect(names('1514555')).toEqual(['Jane Doe']);
    expect(names('+1 514-555')).toEqual(['Jane Doe']);
    expect(names('0958')).toEqual(['Robert Smith']);
  });

  it('matches nothing for one digit or an empty field', () => {
    expect(names('5')).toEqual([]);
    expect(names('  ')).toEqual([]);
  });
});
