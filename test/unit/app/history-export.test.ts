/**
 * History as a CSV file: through the IPC router to the real handler, the history file and the
 * address book, read back with papaparse as a spreadsheet would read it. What came from the
 * network and starts like a formula is written so that no spreadsheet runs it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { csvOfHistory, HISTORY_CSV_HEADER } from '../../../src-main/app/history-export.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { ContactsStore } from '../../../src-main/storage/contacts-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import type { HistoryEntry } from '../../../src-shared/call-history.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import { invokeSchemas } from '../../../src-shared/ipc-contract.js';
import { plainCipher } from '../../support/ciphers.js';

const APP = 'file:///opt/natter/renderer/index.html';
let service: AppService;
let route: ReturnType<typeof createIpcRouter>;

/** An ended call as the engine reports it. */
function endedCall(patch: Partial<CallInfo>): CallInfo {
  return {
    id: 'c1',
    direction: 'outgoing',
    remote: '15145550100',
    remoteDisplayName: null,
    state: 'ended',
    startedAt: '2026-12-04T15:00:00.000Z',
    answeredAt: '2026-12-04T15:00:05.000Z',
    endedAt: '2026-12-04T15:01:10.000Z',
    end: { code: 'hangup-local', message: 'You hung up' },
    codec: 'PCMU',
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
    ...patch,
  };
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natter-history-export-'));
  const store = new SettingsStore(join(dir, 'settings.json'), plainCipher);
  await store.load();
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  const contacts = new ContactsStore(join(dir, 'contacts.json'));
  await contacts.load();
  await contacts.save({
    name: 'Jane Doe',
    favourite: false,
    numbers: [{ number: '+1 514-555-0100', label: 'mobile' }],
  });
  await history.record(endedCall({}));
  await history.record(
    endedCall({
      id: 'c2',
      direction: 'incoming',
      remote: '=1+2',
      remoteDisplayName: '=HYPERLINK("http://evil.example","Click")',
      startedAt: '2026-12-04T16:00:00.000Z',
      answeredAt: null,
      endedAt: '2026-12-04T16:00:20.000Z',
      end: { code: 'hangup-remote', message: 'The caller hung up' },
    }),
  );
  await history.record(
    endedCall({
      id: 'c3',
      remote: '15145550486',
      startedAt: '2026-12-04T17:00:00.000Z',
      answeredAt: null,
      endedAt: '2026-12-04T17:00:02.000Z',
      end: { code: 'busy', message: 'The line is busy', sipStatus: 486 },
    }),
  );
  service = createAppService({ store, history, contacts });
  route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (url) => url === APP });
});

afterAll(() => service.stop());

async function exported() {
  const result = await route('exportHistory', {}, APP);
  if (!result.ok) throw new Error(result.error.message);
  return invokeSchemas.exportHistory.response.parse(result.value);
}

describe('History as a CSV file', () => {
  it('one row per call, newest first, named as the address book names the number', async () => {
    const file = await exported();
    expect(file.fileName).toMatch(/^natter-history-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(file.mimeType).toBe('text/csv');
    const [header, ...rows] = Papa.parse<string[]>(file.text, { skipEmptyLines: true }).data;
    expect(header).toEqual([...HISTORY_CSV_HEADER]);
    expect(rows.map((row) => row[0])).toEqual([
      '2026-12-04T17:00:00.000Z',
      '2026-12-04T16:00:00.000Z',
      '2026-12-04T15:00:00.000Z',
    ]);
    // The busy call: no duration, its SIP status.
    expect(rows[0]).toEqual([
      '2026-12-04T17:00:00.000Z',
      'Outgoing',
      '15145550486',
      '',
      '',
      'Busy',
      '',
      'The line is busy',
      '486',
    ]);
    // The answered call: 65 s from answer to end, the contact's name for its number.
    expect(rows[2]?.slice(1, 8)).toEqual([
      'Outgoing',
      '15145550100',
      'Jane Doe',
      '',
      'Answered',
      '65',
      'You hung up',
    ]);
  });

  it('a caller’s number or name that starts like a formula is written as text', async () => {
    const rows = Papa.parse<string[]>((await exported()).text, { skipEmptyLines: true }).data;
    const missed = rows.find((row) => row[1] === 'Incoming');
    expect(missed?.[2]).toBe("'=1+2");
    expect(missed?.[3]).toBe('\'=HYPERLINK("http://evil.example","Click")');
    expect(missed?.[5]).toBe('Missed');
    for (const row of rows.slice(1)) {
      for (const cell of row) expect(cell).not.toMatch(/^[=@]/);
    }
  });

  it('plain numbers keep their + and dashes; other text cells are guarded', () => {
    const entry: HistoryEntry = {
      id: 'x',
      number: '+1 (514) 555-0100',
      name: '-2+3',
      direction: 'outgoing',
      startedAt: '2026-12-04T15:00:00.000Z',
      answeredAt: null,
      endedAt: null,
      durationSeconds: null,
      outcome: 'failed',
      result: '@SUM(A1)',
      code: null,
      sipStatus: null,
      accountId: 'office',
    };
    const text = csvOfHistory([entry], {
      nameFor: (_number, presented) => presented,
      accountLabel: (id) => (id === 'office' ? '+Office' : null),
    });
    const [, row] = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
    expect(row?.slice(2, 8)).toEqual([
      '+1 (514) 555-0100',
      "'-2+3",
      "'+Office",
      'Failed',
      '',
      "'@SUM(A1)",
    ]);
  });

  it('refuses a request that carries anything', async () => {
    const result = await route('exportHistory', { all: true }, APP);
    expect(result.ok).toBe(false);
  });
});
