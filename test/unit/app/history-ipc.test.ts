/**
 * The History page's commands as main serves them: through the IPC router, so the contract's
 * validation is part of what is tested, to the real handlers and the real history file.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import { invokeSchemas } from '../../../src-shared/ipc-contract.js';

const APP = 'file:///opt/natter/renderer/index.html';
let service: AppService;
let history: CallHistoryStore;
let historyFile: string;
let route: ReturnType<typeof createIpcRouter>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natter-history-ipc-'));
  const store = new SettingsStore(join(dir, 'settings.json'), {
    isAvailable: () => false,
    encrypt: () => Buffer.alloc(0),
    decrypt: () => '',
  });
  await store.load();
  historyFile = join(dir, 'history.json');
  history = new CallHistoryStore(historyFile);
  await history.load();
  service = createAppService({ store, history });
  route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (url) => url === APP });
});

afterAll(() => service.stop());

function endedCall(id: string): CallInfo {
  return {
    id,
    direction: 'outgoing',
    remote: '4443',
    remoteDisplayName: null,
    state: 'ended',
    startedAt: '2026-11-24T10:00:00.000Z',
    answeredAt: null,
    endedAt: '2026-11-24T10:00:05.000Z',
    end: { code: 'busy', message: 'The line is busy' },
    codec: null,
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
  };
}

async function listedIds(): Promise<string[]> {
  const listed = await route('getHistory', {}, APP);
  return invokeSchemas.getHistory.response
    .parse(listed.ok ? listed.value : null)
    .map((entry) => entry.id);
}

describe('the History page over IPC', () => {
  it('lists the calls with their outcome, then clears them for good', async () => {
    await history.record({
      id: 'c1',
      direction: 'incoming',
      remote: '15145550100',
      remoteDisplayName: null,
      state: 'ended',
      startedAt: '2026-11-24T10:00:00.000Z',
      answeredAt: null,
      endedAt: '2026-11-24T10:00:20.000Z',
      end: { code: 'cancelled', message: 'Missed call: the caller hung up' },
      codec: null,
      localMedia: null,
      remoteMedia: null,
      muted: false,
      stats: EMPTY_RTP_STATS,
    });
    const listed = await route('getHistory', {}, APP);
    expect(listed.ok).toBe(true);
    const entries = invokeSchemas.getHistory.response.parse(listed.ok ? listed.value : null);
    expect(entries).toMatchObject([{ id: 'c1', outcome: 'missed', direction: 'incoming' }]);

    expect(await route('clearHistory', {}, APP)).toEqual({ ok: true, value: [] });
    expect(await route('getHistory', {}, APP)).toEqual({ ok: true, value: [] });
    expect(JSON.parse(readFileSync(historyFile, 'utf8'))).toEqual([]);
  });

  it('forgets one call for good and keeps the others; a call no longer listed changes nothing', async () => {
    for (const id of ['r1', 'r2', 'r3']) await history.record(endedCall(id));
    const removed = await route('removeHistoryEntry', { id: 'r2' }, APP);
    expect(removed.ok).toBe(true);
    const left = invokeSchemas.removeHistoryEntry.response.parse(removed.ok ? removed.value : null);
    expect(left.map((entry) => entry.id)).toEqual(['r3', 'r1']);
    const onDisk = JSON.parse(readFileSync(historyFile, 'utf8')) as Array<{ id: string }>;
    expect(onDisk.map((entry) => entry.id)).toEqual(['r3', 'r1']);
    // A second press of the same Remove, or an id from another window's stale list.
    expect(await route('removeHistoryEntry', { id: 'r2' }, APP)).toMatchObject({ ok: true });
    expect(await listedIds()).toEqual(['r3', 'r1']);
    await route('clearHistory', {}, APP);
  });

  it.each([
    ['no id', {}],
    ['an empty id', { id: '' }],
    ['an id of 65 characters', { id: 'x'.repeat(65) }],
    ['a number for an id', { id: 7 }],
    ['a filter beside the id', { id: 'r1', outcome: 'missed' }],
  ])('refuses a remove request with %s', async (_, payload) => {
    await history.record(endedCall('kept'));
    expect(await route('removeHistoryEntry', payload, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
    expect(await listedIds()).toEqual(['kept']);
    await route('clearHistory', {}, APP);
  });

  it.each([
    ['an id', { id: 'c1' }],
    ['a filter', { before: '2026-11-24' }],
    ['a list', []],
  ])('refuses a clear request carrying %s', async (_, payload) => {
    expect(await route('clearHistory', payload, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
  });
});
