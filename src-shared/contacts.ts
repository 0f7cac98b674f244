/**
 * The local address book: what a contact holds, its bounds, and how a number typed, dialled or
 * presented by a caller is matched to one. A number is compared by its digits in one form, so
 * `+1 514-555-0101`, `514.555.0101`, `15145550101` and `011…` forms of the same number agree.
 */
import { z } from 'zod';

/** Most contacts the book keeps; an import past it stops there and says so. */
export const CONTACTS_LIMIT = 5_000;
/** Most numbers one contact keeps (phones export a handful; a hostile file thousands). */
export const NUMBERS_PER_CONTACT_LIMIT = 20;
/** Longest name kept, in characters. */
export const NAME_LIMIT = 200;
/** Longest number kept as typed, in characters. */
export const NUMBER_LIMIT = 64;
/** Largest file import reads: 5,000 contacts with photos stripped fit in far less. */
export const IMPORT_TEXT_LIMIT = 8 * 1024 * 1024;

export const numberLabelSchema = z.enum(['mobile', 'work', 'home', 'main', 'fax', 'other']);
export type NumberLabel = z.infer<typeof numberLabelSchema>;

export const NUMBER_LABEL_WORDS: Record<NumberLabel, string> = {
  mobile: 'Mobile',
  work: 'Work',
  home: 'Home',
  main: 'Main',
  fax: 'Fax',
  other: 'Other',
};

/** A number as stored: what the user or the file wrote, with at least one digit in it. */
export const contactNumberSchema = z
  .object({
    number: z
      .string()
      .trim()
      .min(1)
      .max(NUMBER_LIMIT)
      .regex(/^[0-9+*#().\s/-]+$/, 'only digits, spaces, + * # ( ) . / and -')
      .refine((number) => /\d/.test(number), 'a number needs a digit'),
    label: numberLabelSchema,
  })
  .strict();
export type ContactNumber = z.infer<typeof contactNumberSchema>;

export const contactIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

export const contactSchema = z
  .object({
    id: contactIdSchema,
    name: z.string().trim().min(1, 'a contact needs a name').max(NAME_LIMIT),
    numbers: z
      .array(contactNumberSchema)
      .min(1, 'a contact needs a number')
      .max(NUMBERS_PER_CONTACT_LIMIT),
    favourite: z.boolean(),
  })
  .strict();
export type Contact = z.infer<typeof contactSchema>;

/** A contact as the page saves it: without an id it is new, and main gives it one. */
export const contactDraftSchema = contactSchema.extend({ id: contactIdSchema.optional() }).strict();
export type ContactDraft = z.infer<typeof contactDraftSchema>;

export const addressBookFormatSchema = z.enum(['vcard', 'csv']);
export type AddressBookFormat = z.infer<typeof addressBookFormatSchema>;

export const contactImportRequestSchema = z
  .object({
    /** The file's name, only to tell vCard from CSV when its text does not. */
    fileName: z.string().max(260),
    text: z.string().max(IMPORT_TEXT_LIMIT, 'the file is larger than 8 MB'),
  })
  .strict();

/** One card or row an import left out, and why, in words for the user. */
export const skippedEntrySchema = z.object({
  /** The card's or row's position in the file, from 1. */
  position: z.number().int().positive(),
  /** The name it carried, when it had one. */
  name: z.string().nullable(),
  reason: z.string(),
});
export type SkippedEntry = z.infer<typeof skippedEntrySchema>;

/** Most skipped entries an import report lists one by one; the count covers the rest. */
export const SKIPPED_LISTED_LIMIT = 50;

export const contactImportReportSchema = z.object({
  format: addressBookFormatSchema,
  imported: z.number().int().nonnegative(),
  /** Cards whose name and numbers were already in the book. */
  duplicates: z.number().int().nonnegative(),
  skippedCount: z.number().int().nonnegative(),
  skipped: z.array(skippedEntrySchema).max(SKIPPED_LISTED_LIMIT),
  contacts: z.array(contactSchema).max(CONTACTS_LIMIT),
});
export type ContactImportReport = z.infer<typeof contactImportReportSchema>;

export const contactExportSchema = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  text: z.string(),
});
export type ContactExport = z.infer<typeof contactExportSchema>;

/**
 * The digits that identify a number wherever it was written: a `sip:` user part or a typed
 * number, `011`/`00`/`+` international prefixes dropped, and the North-American `1` before ten
 * digits dropped. Empty when the text holds no digits (a SIP name like `alice`).
 */
export function numberKeyOf(text: string): string {
  const user = /^(?:sips?|tel):([^@;]*)/i.exec(text.trim())?.[1] ?? text;
  if (/[A-Za-z]/.test(user.replace(/^(?:sips?|tel):/i, ''))) return '';
  let digits = user.replace(/\D/g, '');
  if (digits.startsWith('011')) digits = digits.slice(3);
  else if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  return digits;
}

/** Shortest key a caller's number is matched on: shorter ones (extensions, `*97`) mean little. */
const MATCH_KEY_MINIMUM = 3;

/** Each contact's numbers by their key, to name a caller or a history entry. */
export class ContactIndex {
  private readonly byKey = new Map<string, Contact>();

  constructor(readonly contacts: readonly Contact[]) {
    // Favourites first, so a number two contacts share is named after the one the user marked.
    const ordered = [...contacts].sort((a, b) => Number(b.favourite) - Number(a.favourite));
    for (const contact of ordered) {
      for (const { number } of contact.numbers) {
        const key = numberKeyOf(number);
        if (key.length >= MATCH_KEY_MINIMUM && !this.byKey.has(key)) this.byKey.set(key, contact);
      }
    }
  }

  /** Whether a saved contact would name this number: not `*97`, an extension, or `alice`. */
  static identifies(number: string): boolean {
    return numberKeyOf(number).length >= MATCH_KEY_MINIMUM;
  }

  /** The contact whose number this is, or null. */
  contactFor(number: string): Contact | null {
    const key = numberKeyOf(number);
    return key.length >= MATCH_KEY_MINIMUM ? (this.byKey.get(key) ?? null) : null;
  }

  /** The name to show for a number: the contact's, else what the caller presented, else null. */
  nameFor(number: string, presented: string | null = null): string | null {
    return this.contactFor(number)?.name ?? presented;
  }
}

/** Letters without accents or case, so "eloise" finds "Éloïse". */
export function foldedText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** What was typed into a search, read once: folded letters, or the digits of a number. */
export interface SearchText {
  /** The whole text folded; empty: nothing to search for. */
  text: string;
  /** Its digits when it holds no letters (a number, however written); else empty. */
  digits: string;
  /** The digits' number key (see numberKeyOf), to find `15145550100` by `+1 514 555 0100`. */
  key: string;
}

export function searchTextOf(query: string): SearchText {
  const text = foldedText(query.trim());
  const digits = /\p{L}/u.test(text) ? '' : text.replace(/\D/g, '');
  return { text, digits, key: digits === '' ? '' : numberKeyOf(query) };
}

/** Whether a number, as written, holds the digits searched for, in its digits or its key. */
export function numberHoldsDigits(written: string, { digits, key }: SearchText): boolean {
  return (
    written.replace(/\D/g, '').includes(digits) ||
    (key !== '' && numberKeyOf(written).includes(key))
  );
}

export interface ContactMatch {
  contact: Contact;
  /** The number the match is on: the one whose digits matched, or the first. */
  number: ContactNumber;
}

/**
 * Contacts matching what is typed in the dialer, best first: a name whose word starts with the
 * text, then a name holding it; or, for digits, a number holding them (in its key or as
 * written). Favourites before others at the same rank.
 */
export function searchContacts(
  contacts: readonly Contact[],
  query: string,
  limit = 5,
): ContactMatch[] {
  const search = searchTextOf(query);
  const { text, digits } = search;
  if (text === '') return [];
  const ranked: Array<{ rank: number; match: ContactMatch }> = [];
  for (const contact of contacts) {
    const first = contact.numbers[0];
    if (!first) continue;
    if (digits !== '') {
      if (digits.length < 2) continue;
      const number = contact.numbers.find(({ number: written }) =>
        numberHoldsDigits(written, search),
      );
      if (number) ranked.push({ rank: 1, match: { contact, number } });
      continue;
    }
    const name = foldedText(contact.name);
    const rank = name.split(/[\s,.'-]+/).some((word) => word.startsWith(text))
      ? 0
      : name.includes(text)
        ? 1
        : -1;
    if (rank >= 0) ranked.push({ rank, match: { contact, number: first } });
  }
  return ranked
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        Number(b.match.contact.favourite) - Number(a.match.contact.favourite) ||
        a.match.contact.name.localeCompare(b.match.contact.name),
    )
    .slice(0, limit)
    .map(({ match }) => match);
}

/** The book's order: favourites first, then by name. */
export function sortContacts(contacts: readonly Contact[]): Contact[] {
  return [...contacts].sort(
    (a, b) =>
      Number(b.favourite) - Number(a.favourite) ||
      a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
  );
}
