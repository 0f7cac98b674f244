/**
 * Address book files as a user may pick them: real exports (vCard 2.1, 3.0, 4.0; Google and
 * Outlook CSV) damaged line by line, and text of any kind. The import reads them into a report;
 * whatever the file holds it must answer with contacts that pass the book's schema, never more
 * than the book takes, and never throw.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { importAddressBook } from '../../../src-main/contacts/address-book-import.js';
import {
  CONTACTS_LIMIT,
  SKIPPED_LISTED_LIMIT,
  contactImportReportSchema,
  contactSchema,
} from '../../../src-shared/contacts.js';
import { check, jsonCodec, mustNotThrow, type FuzzTarget } from '../fuzz-target.js';
import { mutatedText } from '../mutate.js';

/** The repository's fixtures, from the sources (test/fuzz/targets) or the build (dist/test/…). */
function fixturesFolder(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'test', 'fixtures', 'contacts');
  }
  throw new Error('no repository root above the fuzz targets');
}
const FIXTURES = fixturesFolder();
/** The fuzzer reads files of a realistic size; the size limit has a unit test of its own. */
const FILE_LIMIT = 64 * 1024;

const exports = readdirSync(FIXTURES)
  .sort()
  .map((name) => ({ name, text: readFileSync(join(FIXTURES, name), 'utf8') }));

/** Fragments that break naive vCard and CSV readers. */
const hostileLine = fc.constantFrom(
  'BEGIN:VCARD',
  'END:VCARD',
  'TEL;TYPE="unclosed:+1514',
  'TEL;ENCODING=QUOTED-PRINTABLE;CHARSET=x-unknown:=FF=FE=',
  'FN;ENCODING=QUOTED-PRINTABLE:=',
  'N:;;;;;;;;;;;;;;;;;;;;',
  'item1.X-ABLabel:_$!<',
  'TEL;VALUE=uri:tel:',
  'PHOTO;ENCODING=BASE64:',
  '"unterminated,quote',
  'Phone 1 - Value,Phone 1 - Value,Name',
  '\u0000\uFEFF\uD800',
  `FN:${'x'.repeat(5000)}`,
  `TEL:${'1'.repeat(200)}`,
);

const addressBookFile = fc
  .record({
    source: fc.constantFrom(...exports),
    extra: fc.array(hostileLine, { maxLength: 6 }),
  })
  .chain(({ source, extra }) =>
    mutatedText(fc.constant([source.text, ...extra].join('\r\n')), '\r\n', FILE_LIMIT).map(
      (text) => ({ fileName: source.name, text }),
    ),
  );

const anyFile = fc.record({
  fileName: fc.constantFrom('a.vcf', 'b.csv', 'c.txt', ''),
  text: fc.string({ maxLength: 2000 }),
});

export const addressBookTarget: FuzzTarget<{ fileName: string; text: string }> = {
  name: 'address-book',
  contract:
    'importAddressBook never throws: any file gives a report passing its schema, at most ' +
    'CONTACTS_LIMIT contacts each passing the contact schema, with distinct ids',
  modules: [
    'src-main/contacts/address-book-import.ts',
    'src-main/contacts/vcard-cards.ts',
    'src-main/contacts/vcard-codec.ts',
    'src-main/contacts/csv-codec.ts',
  ],
  input: () =>
    fc.oneof({ weight: 4, arbitrary: addressBookFile }, { weight: 1, arbitrary: anyFile }),
  execute({ fileName, text }) {
    const report = mustNotThrow('importAddressBook', () => importAddressBook(fileName, text));
    check(contactImportReportSchema.safeParse(report).success, 'the report fails its schema');
    check(report.contacts.length <= CONTACTS_LIMIT, `${report.contacts.length} contacts`);
    check(report.imported === report.contacts.length, 'imported count differs from contacts');
    check(report.skipped.length <= SKIPPED_LISTED_LIMIT, 'too many skipped entries listed');
    const ids = new Set(report.contacts.map((contact) => contact.id));
    check(ids.size === report.contacts.length, 'two contacts with one id');
    for (const contact of report.contacts) {
      check(contactSchema.safeParse(contact).success, 'a contact fails the schema');
    }
  },
  ...jsonCodec,
};
