/**
 * CSV address books to and from contacts, through papaparse. Two layouts are read by their
 * column names: Google Contacts (`First Name`/`Last Name` or the older `Name`/`Given Name`,
 * `Phone 1 - Label` or `- Type` with `Phone 1 - Value`, several numbers in one value joined by
 * ` ::: `, `Labels`/`Group Membership` holding `* starred`), and Outlook (`First Name`,
 * `Last Name`, `Company`, one column per kind of phone: `Mobile Phone`, `Business Phone`,
 * `Home Fax`…). Export writes the Google layout, which Google, Outlook and Apple import.
 */
import Papa from 'papaparse';
import type { Contact } from '../../src-shared/contacts.js';
import type { CandidateContact } from './candidate-contact.js';
import { labelOf } from './vcard-codec.js';

export interface ParsedRow {
  position: number;
  candidate: CandidateContact | null;
  problem: string | null;
}

type Row = Record<string, string | undefined>;

const GOOGLE_PHONE = /^Phone (\d+) - Value$/i;
/** Outlook's phone columns; assistant and company names are not numbers. */
const OUTLOOK_PHONE = /(phone|fax|pager|callback|isdn|telex|tty)/i;
const NOT_A_PHONE = /yomi|name|^phone \d+ - (label|type)$/i;

function cell(row: Row, ...names: string[]): string {
  for (const name of names) {
    const value = row[name]?.trim();
    if (value) return value;
  }
  return '';
}

function nameOfRow(row: Row): string {
  const whole = cell(row, 'Name', 'Display Name', 'File As');
  if (whole) return whole;
  const parts = [
    cell(row, 'Name Prefix', 'Title'),
    cell(row, 'First Name', 'Given Name'),
    cell(row, 'Middle Name', 'Additional Name'),
    cell(row, 'Last Name', 'Family Name'),
    cell(row, 'Name Suffix', 'Suffix'),
  ].filter(Boolean);
  if (parts.length > 0) return parts.join(' ');
  return cell(row, 'Organization Name', 'Organization 1 - Name', 'Company', 'Nickname');
}

function numbersOfRow(row: Row, columns: readonly string[]): CandidateContact['numbers'] {
  const numbers: CandidateContact['numbers'] = [];
  for (const column of columns) {
    const value = row[column]?.trim();
    if (!value) continue;
    const google = GOOGLE_PHONE.exec(column);
    const labelWords = google
      ? [cell(row, `Phone ${google[1]} - Label`, `Phone ${google[1]} - Type`)]
      : [column];
    // Google joins a label's several numbers with " ::: ".
    for (const number of value.split(':::')) {
      if (number.trim()) numbers.push({ number: number.trim(), label: labelOf(labelWords) });
    }
  }
  return numbers;
}

function favouriteOfRow(row: Row): boolean {
  const groups = cell(row, 'Labels', 'Group Membership', 'Categories');
  return groups
    .split(/:::|;/)
    .some((group) => /^\*?\s*(starred|favou?rites?)$/i.test(group.trim()));
}

/**
 * Every row of a CSV file (at most `limit`), each read on its own. The header row is read here,
 * not by papaparse's header mode: a repeated column name keeps its first column (papaparse
 * would rename it and print a warning for each file).
 */
export function rowsOfCsv(text: string, limit: number): { rows: ParsedRow[]; more: boolean } {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    skipEmptyLines: 'greedy',
    preview: limit + 2,
  });
  const [header = [], ...records] = parsed.data;
  const columns = new Map<string, number>();
  header.forEach((name, index) => {
    const trimmed = String(name).trim();
    if (trimmed && !columns.has(trimmed)) columns.set(trimmed, index);
  });
  const fields = [...columns.keys()];
  const phoneColumns = fields.filter(
    (field) => GOOGLE_PHONE.test(field) || (OUTLOOK_PHONE.test(field) && !NOT_A_PHONE.test(field)),
  );
  const rows = records.slice(0, limit).map((record, index): ParsedRow => {
    const row: Row = Object.create(null) as Row;
    for (const [name, column] of columns) row[name] = record[column];
    return {
      position: index + 1,
      candidate: {
        name: nameOfRow(row),
        numbers: numbersOfRow(row, phoneColumns),
        favourite: favouriteOfRow(row),
      },
      problem: null,
    };
  });
  return { rows, more: records.length > limit };
}

const GOOGLE_LABEL: Record<Contact['numbers'][number]['label'], string> = {
  mobile: 'Mobile',
  work: 'Work',
  home: 'Home',
  main: 'Main',
  fax: 'Work Fax',
  other: 'Other',
};

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is written with a
 * leading apostrophe (OWASP CSV injection); numbers hold no letters and are written as they are.
 */
export function safeCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvOfContacts(contacts: readonly Contact[]): string {
  const phoneSlots = Math.max(1, ...contacts.map((contact) => contact.numbers.length));
  const header = ['Name', 'Labels'];
  for (let slot = 1; slot <= phoneSlots; slot++) {
    header.push(`Phone ${slot} - Label`, `Phone ${slot} - Value`);
  }
  const rows = contacts.map((contact) => {
    const row = [
      safeCell(contact.name),
      contact.favourite ? '* starred ::: * myContacts' : '* myContacts',
    ];
    for (let slot = 0; slot < phoneSlots; slot++) {
      const number = contact.numbers[slot];
      row.push(number ? GOOGLE_LABEL[number.label] : '', number?.number ?? '');
    }
    return row;
  });
  return Papa.unparse({ fields: header, data: rows }, { newline: '\r\n' });
}
