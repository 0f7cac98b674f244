/**
 * The address book kept in `contacts.json` beside the call history, capped at CONTACTS_LIMIT.
 * Each contact is read on its own: a bad one is dropped and the rest kept; a file that cannot be
 * parsed at all is moved aside as `contacts.json.corrupt-<time>` and the book starts empty.
 * Writes replace the file atomically (see atomic-file.ts) and run one at a time. Without a file
 * (tests, a bridge that keeps nothing) the book lives in memory.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  CONTACTS_LIMIT,
  ContactIndex,
  contactSchema,
  sortContacts,
  type Contact,
  type ContactDraft,
  type ContactExport,
  type ContactImportReport,
  type AddressBookFormat,
} from '../../src-shared/contacts.js';
import { importAddressBook } from '../contacts/address-book-import.js';
import { csvOfContacts } from '../contacts/csv-codec.js';
import { vcardOfContacts } from '../contacts/vcard-codec.js';
import {
  keepAsBackup,
  removeStaleTemporaries,
  writeFileAtomic,
  WriteQueue,
} from './atomic-file.js';

/** Turns a contacts file's text into contacts, dropping bad or repeated ones; null if not JSON. */
export function contactsFromText(text: string): { contacts: Contact[]; dropped: number } | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(raw)) return null;
  const seen = new Set<string>();
  const contacts: Contact[] = [];
  for (const item of raw) {
    const parsed = contactSchema.safeParse(item);
    if (!parsed.success || seen.has(parsed.data.id)) continue;
    seen.add(parsed.data.id);
    contacts.push(parsed.data);
  }
  return { contacts: contacts.slice(0, CONTACTS_LIMIT), dropped: raw.length - contacts.length };
}

/** A refusal the page shows beside its form. */
function refusal(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export class ContactsStore {
  private contacts: Contact[] = [];
  private index = new ContactIndex([]);
  private readonly writes = new WriteQueue();

  constructor(
    private readonly file: string | null,
    private readonly options: { log?: (line: string) => void } = {},
  ) {}

  async load(): Promise<Contact[]> {
    if (!this.file) return this.list;
    await removeStaleTemporaries(this.file);
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code !== 'ENOENT') this.options.log?.(`The contacts file could not be read (${code}).`);
      return this.list;
    }
    const read = contactsFromText(text);
    if (!read) {
      const backup = await keepAsBackup(this.file);
      this.options.log?.(
        backup
          ? `The contacts file could not be read and was kept as ${backup}; the book starts empty.`
          : 'The contacts file could not be read; the book starts empty.',
      );
      return this.list;
    }
    if (read.dropped > 0) {
      this.options.log?.(
        `The contacts file had ${read.dropped} unreadable entries; the others were kept.`,
      );
    }
    this.contacts = read.contacts;
    this.index = new ContactIndex(this.contacts);
    return this.list;
  }

  /** The contact's name for a number, else the name the caller presented (notifications). */
  nameFor(number: string, presented: string | null): string | null {
    return this.index.nameFor(number, presented);
  }

  /** Favourites first, then by name. */
  get list(): Contact[] {
    return sortContacts(this.contacts);
  }

  /** Adds a contact (no id) or replaces the one with its id; answers with the book. */
  async save(draft: ContactDraft): Promise<Contact[]> {
    const id = draft.id ?? randomBytes(10).toString('hex');
    const contact = contactSchema.parse({ ...draft, id });
    const index = this.contacts.findIndex((existing) => existing.id === id);
    if (index < 0 && draft.id !== undefined) {
      throw refusal('contact-not-found', 'That contact is no longer in the address book.');
    }
    if (index < 0 && this.contacts.length >= CONTACTS_LIMIT) {
      throw refusal('contacts-full', `The address book is full (${CONTACTS_LIMIT} contacts).`);
    }
    this.contacts =
      index < 0
        ? [...this.contacts, contact]
        : this.contacts.map((existing) => (existing.id === id ? contact : existing));
    await this.persist();
    return this.list;
  }

  async delete(id: string): Promise<Contact[]> {
    this.contacts = this.contacts.filter((contact) => contact.id !== id);
    await this.persist();
    return this.list;
  }

  /** Reads an address book file into the book; the report says what was added and left out. */
  async import(fileName: string, text: string): Promise<ContactImportReport> {
    const report = importAddressBook(fileName, text, {
      existing: this.contacts,
      room: CONTACTS_LIMIT - this.contacts.length,
    });
    if (report.contacts.length > 0) {
      this.contacts = [...this.contacts, ...report.contacts];
      await this.persist();
    }
    return report;
  }

  export(format: AddressBookFormat): ContactExport {
    const contacts = this.list;
    return format === 'vcard'
      ? { fileName: 'natter-contacts.vcf', mimeType: 'text/vcard', text: vcardOfContacts(contacts) }
      : { fileName: 'natter-contacts.csv', mimeType: 'text/csv', text: csvOfContacts(contacts) };
  }

  private persist(): Promise<void> {
    this.index = new ContactIndex(this.contacts);
    const file = this.file;
    if (!file) return Promise.resolve();
    return this.writes.run(() => writeFileAtomic(file, JSON.stringify(this.contacts)));
  }
}
