/**
 * An address book file read into contacts: vCard or CSV (by its text, else its name), each card
 * or row checked against the book's schema on its own, bounded in size and count, with a report
 * of what was taken and what was left out and why. Never throws, whatever the file holds.
 */
import { randomBytes } from 'node:crypto';
import {
  CONTACTS_LIMIT,
  IMPORT_TEXT_LIMIT,
  NAME_LIMIT,
  NUMBERS_PER_CONTACT_LIMIT,
  SKIPPED_LISTED_LIMIT,
  contactNumberSchema,
  numberKeyOf,
  type AddressBookFormat,
  type Contact,
  type ContactImportReport,
  type SkippedEntry,
} from '../../src-shared/contacts.js';
import type { CandidateContact } from './candidate-contact.js';
import { rowsOfCsv } from './csv-codec.js';
import { cardsOfVcard } from './vcard-codec.js';

export function formatOf(fileName: string, text: string): AddressBookFormat {
  if (/^\uFEFF?\s*BEGIN:VCARD/i.test(text.slice(0, 1024))) return 'vcard';
  return /\.(vcf|vcard)$/i.test(fileName) ? 'vcard' : 'csv';
}

/** Characters a number may hold, beside digits, once the words around it are dropped. */
function cleanedNumber(number: string): string {
  // "+1 (514) 555-0101 ext. 22": the extension cannot be dialled through voip.ms in one string.
  const withoutExtension = number.split(/\s*(?:ext\.?|x|#)\s*\d+\s*$/i)[0] ?? number;
  return withoutExtension.replace(/[^0-9+*#().\s/-]/g, '').trim();
}

/** The candidate as a contact of the book, or the reason it cannot be one. */
function contactOf(
  candidate: CandidateContact,
  idFor: (candidate: CandidateContact) => string,
): Contact | string {
  const name = candidate.name.replace(/\s+/g, ' ').trim().slice(0, NAME_LIMIT);
  const seen = new Set<string>();
  const numbers: Contact['numbers'] = [];
  for (const { number, label } of candidate.numbers) {
    const parsed = contactNumberSchema.safeParse({ number: cleanedNumber(number), label });
    if (!parsed.success) continue;
    const key = numberKeyOf(parsed.data.number) || parsed.data.number;
    if (seen.has(key)) continue;
    seen.add(key);
    numbers.push(parsed.data);
  }
  if (numbers.length === 0) {
    return candidate.numbers.length === 0 ? 'no phone number' : 'no number that can be dialled';
  }
  const fallbackName = name || numbers[0]?.number || '';
  return {
    id: idFor(candidate),
    name: fallbackName,
    numbers: numbers.slice(0, NUMBERS_PER_CONTACT_LIMIT),
    favourite: candidate.favourite,
  };
}

/** The same card imported twice is the same contact, so importing again adds nothing. */
export function sameContactKey(contact: Pick<Contact, 'name' | 'numbers'>): string {
  const numbers = contact.numbers.map(({ number }) => numberKeyOf(number) || number).sort();
  return `${contact.name.toLocaleLowerCase()}|${numbers.join(',')}`;
}

export interface ImportOptions {
  /** Contacts already in the book: a card equal to one of them is a duplicate. */
  existing?: readonly Contact[];
  /** Room left in the book; the import stops there. */
  room?: number;
  newId?: () => string;
}

const defaultId = () => randomBytes(10).toString('hex');

export function importAddressBook(
  fileName: string,
  text: string,
  options: ImportOptions = {},
): ContactImportReport {
  const format = formatOf(fileName, text);
  const report: ContactImportReport = {
    format,
    imported: 0,
    duplicates: 0,
    skippedCount: 0,
    skipped: [],
    contacts: [],
  };
  const skip = (entry: SkippedEntry) => {
    report.skippedCount += 1;
    if (report.skipped.length < SKIPPED_LISTED_LIMIT) report.skipped.push(entry);
  };
  if (text.length > IMPORT_TEXT_LIMIT) {
    skip({ position: 1, name: null, reason: 'the file is larger than 8 MB; nothing was read' });
    return report;
  }
  const room = Math.max(0, Math.min(options.room ?? CONTACTS_LIMIT, CONTACTS_LIMIT));
  // Every card is read, up to the book's size: one already in the book takes no room.
  const readLimit = CONTACTS_LIMIT;
  const read = format === 'vcard' ? cardsOfVcard(text, readLimit) : rowsOfCsv(text, readLimit);
  const entries = 'cards' in read ? read.cards : read.rows;
  const { more } = read;
  const known = new Set((options.existing ?? []).map(sameContactKey));
  const newId = options.newId ?? defaultId;
  for (const { position, candidate, problem } of entries) {
    if (!candidate) {
      skip({ position, name: null, reason: problem ?? 'unreadable' });
      continue;
    }
    const contact = contactOf(candidate, newId);
    const name = candidate.name.trim().slice(0, NAME_LIMIT) || null;
    if (typeof contact === 'string') {
      skip({ position, name, reason: contact });
      continue;
    }
    const key = sameContactKey(contact);
    if (known.has(key)) {
      report.duplicates += 1;
      continue;
    }
    if (report.contacts.length >= room) {
      skip({ position, name, reason: `the address book is full (${CONTACTS_LIMIT} contacts)` });
      continue;
    }
    known.add(key);
    report.contacts.push(contact);
  }
  if (more) {
    skip({
      position: entries.length + 1,
      name: null,
      reason: `the file holds more contacts than the book takes (${CONTACTS_LIMIT}); the rest were not read`,
    });
  }
  report.imported = report.contacts.length;
  return report;
}
