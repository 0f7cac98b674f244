/**
 * The address book's commands as main serves them: through the IPC router, so the contract's
 * validation is part of what is tested, to the real handlers and the real contacts file.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { ContactsStore } from '../../../src-main/storage/contacts-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import {
  invokeSchemas,
  type InvokeName,
  type InvokeResponse,
} from '../../../src-shared/ipc-contract.js';

const APP = 'file:///opt/natter/renderer/index.html';
let dir: string;
let service: AppService;
let contactsFile: string;
let route: ReturnType<typeof createIpcRouter>;

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/contacts/${name}`, import.meta.url), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'natter-contacts-ipc-'));
  const store = new SettingsStore(join(dir, 'settings.json'), {
    isAvailable: () => false,
    encrypt: () => Buffer.alloc(0),
    decrypt: () => '',
  });
  await store.load();
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  contactsFile = join(dir, 'contacts.json');
  const contacts = new ContactsStore(contactsFile);
  await contacts.load();
  service = createAppService({ store, history, contacts });
  route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (url) => url === APP });
});

afterAll(() => service.stop());

async function ok<C extends InvokeName>(name: C, request: unknown): Promise<InvokeResponse<C>> {
  const result = await route(name, request, APP);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return invokeSchemas[name].response.parse(result.value) as InvokeResponse<C>;
}

describe('the address book over IPC', () => {
  it('adds, edits, stars and deletes a contact, each change on disk', async () => {
    const added = await ok('saveContact', {
      contact: {
        name: 'Jane Doe',
        favourite: false,
        numbers: [{ number: '+1 514-555-0101', label: 'mobile' }],
      },
    });
    expect(added).toHaveLength(1);
    const id = added[0]?.id ?? '';
    await ok('saveContact', {
      contact: {
        id,
        name: 'Jane Q. Doe',
        favourite: true,
        numbers: [{ number: '514 555 0101', label: 'work' }],
      },
    });
    const onDisk = JSON.parse(readFileSync(contactsFile, 'utf8')) as typeof added;
    expect(onDisk).toEqual([
      {
        id,
        name: 'Jane Q. Doe',
        favourite: true,
        numbers: [{ number: '514 555 0101', label: 'work' }],
      },
    ]);
    expect(await ok('deleteContact', { id })).toEqual([]);
    expect(JSON.parse(readFileSync(contactsFile, 'utf8'))).toEqual([]);
  });

  it('refuses a contact without a name or number, or with letters for a number', async () => {
    for (const contact of [
      { name: '', favourite: false, numbers: [{ number: '4443', label: 'other' }] },
      { name: 'A', favourite: false, numbers: [] },
      { name: 'A', favourite: false, numbers: [{ number: 'call me', label: 'other' }] },
      { name: 'A', favourite: false, numbers: [{ number: '4443', label: 'pager' }] },
      { name: 'A', favourite: false, numbers: [{ number: '4443', label: 'other' }], extra: 1 },
    ]) {
      const result = await route('saveContact', { contact }, APP);
      expect(result).toMatchObject({ ok: false, error: { code: 'bad-payload' } });
    }
  });

  it('refuses to save over a contact that is gone', async () => {
    const result = await route(
      'saveContact',
      {
        contact: {
          id: 'gone',
          name: 'A',
          favourite: false,
          numbers: [{ number: '4443', label: 'other' }],
        },
      },
      APP,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'contact-not-found' } });
  });

  it('imports a file, reports it, and a second import adds nothing', async () => {
    const report = await ok('importContacts', {
      fileName: 'contacts.csv',
      text: fixture('google-contacts.csv'),
    });
    expect(report).toMatchObject({ format: 'csv', imported: 3, skippedCount: 1 });
    const again = await ok('importContacts', {
      fileName: 'contacts.csv',
      text: fixture('google-contacts.csv'),
    });
    expect(again).toMatchObject({ imported: 0, duplicates: 3 });
    const book = await ok('listContacts', {});
    expect(book.map((contact) => contact.name)).toEqual([
      'Jane Doe',
      'Maple Dental Clinic',
      'Marc-André Tremblay',
    ]);
  });

  it('exports what it holds as vCard and CSV', async () => {
    const vcard = await ok('exportContacts', { format: 'vcard' });
    expect(vcard.fileName).toBe('natter-contacts.vcf');
    expect(vcard.text).toContain('FN:Maple Dental Clinic');
    const csv = await ok('exportContacts', { format: 'csv' });
    expect(csv.text.split('\r\n')).toHaveLength(4);
  });

  it('reloads the book from its file, and sets an unreadable file aside', async () => {
    const reloaded = new ContactsStore(contactsFile);
    expect((await reloaded.load()).map((contact) => contact.name)).toContain('Jane Doe');
    const broken = join(dir, 'broken-contacts.json');
    writeFileSync(broken, '[{"id": "a", "name": "A"');
    const lines: string[] = [];
    const fresh = new ContactsStore(broken, { log: (line) => lines.push(line) });
    expect(await fresh.load()).toEqual([]);
    expect(existsSync(broken)).toBe(false);
    expect(readdirSync(dir).some((name) => name.startsWith('broken-contacts.json.corrupt-'))).toBe(
      true,
    );
    expect(lines[0]).toMatch(/could not be read and was kept as/);
  });

  it('keeps the good contacts of a file with bad ones', () => {
    const mixed = join(dir, 'mixed.json');
    writeFileSync(
      mixed,
      JSON.stringify([
        { id: 'a', name: 'A', favourite: false, numbers: [{ number: '4443', label: 'other' }] },
        { id: 'b', name: 'B', favourite: 'yes', numbers: [] },
        { id: 'a', name: 'A again', favourite: false, numbers: [{ number: '1', label: 'other' }] },
      ]),
    );
    const store = new ContactsStore(mixed);
    return store.load().then((contacts) => expect(contacts.map((c) => c.name)).toEqual(['A']));
  });
});
