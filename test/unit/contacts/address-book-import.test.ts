import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importAddressBook } from '../../../src-main/contacts/address-book-import.js';
import { csvOfContacts } from '../../../src-main/contacts/csv-codec.js';
import { vcardOfContacts } from '../../../src-main/contacts/vcard-codec.js';
import { CONTACTS_LIMIT, type Contact } from '../../../src-shared/contacts.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/contacts/${name}`, import.meta.url), 'utf8');

/** Each contact as "Name*: label number | …" (the star for a favourite). */
const summary = (contacts: readonly Contact[]) =>
  contacts.map(
    (contact) =>
      `${contact.name}${contact.favourite ? '*' : ''}: ${contact.numbers
        .map(({ label, number }) => `${label} ${number}`)
        .join(' | ')}`,
  );

describe('importing files as address books export them', () => {
  it('reads a Google Contacts vCard 3.0 export, skipping the card without a phone', () => {
    const report = importAddressBook('contacts.vcf', fixture('google-contacts-3.0.vcf'));
    expect(report.format).toBe('vcard');
    expect(summary(report.contacts)).toEqual([
      'Jane Doe*: mobile +1 514-555-0101 | work (514) 555-0199',
      'Marc-André Tremblay: home 514.555.0142 | fax +1 514 555 0143',
    ]);
    expect(report.skipped).toEqual([
      { position: 3, name: 'Only Email', reason: 'no phone number' },
    ]);
  });

  it('reads Apple Contacts 3.0 with item1.TEL labels from X-ABLabel, photo left out', () => {
    const report = importAddressBook('Contacts.vcf', fixture('apple-contacts-3.0.vcf'));
    expect(summary(report.contacts)).toEqual([
      'Linh Nguyen: mobile +1 (438) 555-0177 | work +1 (514) 555-0178 | other 450 555 0179 | home +1 514 555 0180',
      'Maple Dental Clinic: main +1 514-555-0190',
    ]);
    expect(report.skippedCount).toBe(0);
  });

  it('reads Outlook 2.1 with QUOTED-PRINTABLE in Windows-1252 and bare TYPE parameters', () => {
    const report = importAddressBook('François Bélanger.vcf', fixture('outlook-2.1.vcf'));
    expect(summary(report.contacts)).toEqual([
      'François Bélanger: work (819) 555-0123 | home 819-555-0124 | mobile +1 819 555 0125 | fax (819) 555-0126',
      'Robert Smith: work +44 (0)20 7946 0958',
    ]);
  });

  it('reads Android 2.1 with UTF-8 QUOTED-PRINTABLE names and an unindented photo', () => {
    const report = importAddressBook('00001.vcf', fixture('android-2.1.vcf'));
    expect(summary(report.contacts)).toEqual([
      'Sophie Roy: mobile +15145550111 | home 5145550112',
      'Léa Éloïse: other +1 819-555-0113 | work *97',
    ]);
    expect(report.skipped).toEqual([
      { position: 3, name: 'Voicemail', reason: 'no number that can be dialled' },
    ]);
  });

  it('reads Nextcloud 4.0 with tel: URIs, quoted TYPE lists and a Favorites category', () => {
    const report = importAddressBook('contacts.vcf', fixture('nextcloud-4.0.vcf'));
    expect(summary(report.contacts)).toEqual([
      'Olivier Gagnon: mobile +1-514-555-0131 | work +1-514-555-0132 | home +1 514 555 0133',
      'Chloé Lavoie*: mobile +33 6 12 34 56 78',
    ]);
  });

  it('reads a Google Contacts CSV: several numbers in one cell, starred, company names', () => {
    const report = importAddressBook('contacts.csv', fixture('google-contacts.csv'));
    expect(report.format).toBe('csv');
    expect(summary(report.contacts)).toEqual([
      'Jane Doe*: mobile +1 514-555-0101 | mobile +1 514-555-0102 | work (514) 555-0199',
      'Marc-André Tremblay: home 514.555.0142 | fax +1 514 555 0143',
      'Maple Dental Clinic: main +1 514-555-0190',
    ]);
    expect(report.skipped).toEqual([
      { position: 4, name: 'Only Email', reason: 'no phone number' },
    ]);
  });

  it('reads an Outlook CSV by its phone columns, Favorites category as the star', () => {
    const report = importAddressBook('contacts.CSV', fixture('outlook-contacts.csv'));
    expect(summary(report.contacts)).toEqual([
      'François Bélanger*: home 819-555-0124 | work (819) 555-0123 | mobile +1 819 555 0125 | fax (819) 555-0126',
      'Robert Smith: work +44 (0)20 7946 0958',
    ]);
    expect(report.skipped).toEqual([{ position: 3, name: 'Empty Row', reason: 'no phone number' }]);
  });
});

describe('bounds and duplicates', () => {
  it('counts a card already in the book as a duplicate, not a new contact', () => {
    const first = importAddressBook('a.vcf', fixture('google-contacts-3.0.vcf'));
    const again = importAddressBook('a.vcf', fixture('google-contacts-3.0.vcf'), {
      existing: first.contacts,
    });
    expect(again.imported).toBe(0);
    expect(again.duplicates).toBe(2);
  });

  it('stops at the room left in the book and says why the rest were left out', () => {
    const report = importAddressBook('a.csv', fixture('google-contacts.csv'), { room: 1 });
    expect(report.imported).toBe(1);
    expect(report.skipped.map((entry) => entry.reason)).toContain(
      `the address book is full (${CONTACTS_LIMIT} contacts)`,
    );
  });

  it('reads no more cards than the book holds, and says the file held more', () => {
    const card = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:N\r\nTEL:5145550100\r\nEND:VCARD\r\n';
    const text = Array.from({ length: CONTACTS_LIMIT + 3 }, (_, index) =>
      card
        .replace('FN:N', `FN:Person ${index}`)
        .replace('5145550100', `514555${String(index).padStart(4, '0')}`),
    ).join('');
    const report = importAddressBook('big.vcf', text);
    expect(report.imported).toBe(CONTACTS_LIMIT);
    expect(report.skipped.at(-1)?.reason).toMatch(/more contacts than the book takes/);
  });

  it('refuses a file over the size limit without reading it', () => {
    const report = importAddressBook('huge.csv', 'x'.repeat(8 * 1024 * 1024 + 1));
    expect(report.imported).toBe(0);
    expect(report.skipped[0]?.reason).toMatch(/larger than 8 MB/);
  });

  it('skips a broken card and keeps the ones around it', () => {
    const text =
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good One\r\nTEL:5145550100\r\nEND:VCARD\r\n' +
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nTEL;TYPE="unclosed:5145550101\r\nEND:VCARD\r\n' +
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good Two\r\nTEL:5145550102\r\nEND:VCARD\r\n' +
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut off\r\n';
    const report = importAddressBook('mixed.vcf', text);
    expect(report.contacts.map((contact) => contact.name)).toEqual(['Good One', 'Good Two']);
    expect(report.skippedCount).toBe(2);
    expect(report.skipped.at(-1)?.reason).toMatch(/no END:VCARD/);
  });
});

describe('export', () => {
  const book: Contact[] = [
    {
      id: 'a',
      name: 'Doe, Jane; "JD"',
      numbers: [
        { number: '+1 514-555-0101', label: 'mobile' },
        { number: '(514) 555-0199', label: 'fax' },
      ],
      favourite: true,
    },
    { id: 'b', name: '=cmd|calc', numbers: [{ number: '4443', label: 'other' }], favourite: false },
  ];

  it('writes vCard 3.0 that reads back to the same names, numbers, labels and stars', () => {
    const text = vcardOfContacts(book);
    expect(text).toMatch(/^BEGIN:VCARD\r\nVERSION:3\.0\r\n/);
    const back = importAddressBook('natter.vcf', text).contacts;
    expect(summary(back)).toEqual(summary(book));
  });

  it('writes a Google-layout CSV that reads back, a formula-like name made inert', () => {
    const text = csvOfContacts(book);
    expect(text.split('\r\n')[0]).toBe(
      'Name,Labels,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value',
    );
    const back = importAddressBook('natter.csv', text).contacts;
    expect(back.map((contact) => contact.name)).toEqual(['Doe, Jane; "JD"', "'=cmd|calc"]);
    expect(back[0]?.favourite).toBe(true);
    expect(back[0]?.numbers).toEqual(book[0]?.numbers);
  });
});
