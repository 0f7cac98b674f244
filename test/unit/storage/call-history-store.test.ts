import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import { HISTORY_LIMIT, historyEntrySchema } from '../../../src-shared/call-history.js';
import type { CallInfo } from '../../../src-shared/domain.js';

function ended(id: string, remote: string): CallInfo {
  return {
    id,
    direction: 'outgoing',
    remote,
    remoteDisplayName: null,
    state: 'ended',
    startedAt: '2026-11-24T10:00:00.000Z',
    answeredAt: '2026-11-24T10:00:02.000Z',
    endedAt: '2026-11-24T10:01:07.000Z',
    end: { code: 'hangup-local', message: 'You hung up' },
    codec: 'PCMU',
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
  };
}

describe('call history store', () => {
  it('keeps ended calls newest first, once each, across restarts', async () => {
    const file = historyFile();
    const store = new CallHistoryStore(file);
    await store.load();
    await store.record(ended('a', '4443'));
    await store.record(ended('a', '4443'));
    await store.record(ended('b', '15145550100'));
    await store.record({ ...ended('c', '1'), state: 'connected' });
    const reloaded = new CallHistoryStore(file);
    const entries = await reloaded.load();
    expect(entries.map((entry) => entry.number)).toEqual(['15145550100', '4443']);
    expect(entries[1]).toMatchObject({
      durationSeconds: 65,
      result: 'You hung up',
      code: 'hangup-local',
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(2);
  });

  it.each([
    ['broken JSON', '[{"broken": true}'],
    ['an object', '{"calls": []}'],
    ['nothing', ''],
  ])('keeps a file holding %s as a backup and starts empty', async (_, text) => {
    const file = historyFile();
    writeFileSync(file, text);
    const store = new CallHistoryStore(file);
    expect(await store.load()).toEqual([]);
    const backup = store.loadProblem?.backup ?? '';
    expect(store.loadProblem?.kind).toBe('unreadable');
    expect(basename(backup)).toMatch(/^history\.json\.corrupt-/);
    expect(readFileSync(backup, 'utf8')).toBe(text);
    await store.record(ended('a', '4443'));
    expect(readFileSync(backup, 'utf8')).toBe(text);
    expect(await new CallHistoryStore(file).load()).toHaveLength(1);
  });
});

const historyFile = () => join(mkdtempSync(join(tmpdir(), 'natter-history-')), 'history.json');

/** An entry as the file held it before the History page: no times of answer or end, no outcome. */
const oldEntry = (id: string, fields: Record<string, unknown>) => ({
  id,
  number: '15145550100',
  name: null,
  direction: 'outgoing',
  startedAt: '2026-11-20T09:00:00.000Z',
  durationSeconds: null,
  result: 'The line is busy',
  code: 'busy',
  ...fields,
});

describe('a history file from before the History page, or partly damaged', () => {
  it('loads the old entries with their outcome derived from what they carry', async () => {
    const file = historyFile();
    writeFileSync(
      file,
      JSON.stringify([
        oldEntry('a', { durationSeconds: 65, code: 'hangup-local', result: 'You hung up' }),
        oldEntry('b', {}),
        oldEntry('c', { direction: 'incoming', code: 'cancelled', result: 'Missed call' }),
        oldEntry('d', { direction: 'incoming', code: 'rejected', result: 'You declined the call' }),
        oldEntry('e', { code: null, result: 'ended' }),
      ]),
    );
    const store = new CallHistoryStore(file);
    const entries = await store.load();
    expect(store.loadProblem).toBeNull();
    expect(entries.map((entry) => [entry.id, entry.outcome])).toEqual([
      ['a', 'answered'],
      ['b', 'busy'],
      ['c', 'missed'],
      ['d', 'declined'],
      ['e', 'failed'],
    ]);
    for (const entry of entries) expect(historyEntrySchema.parse(entry)).toEqual(entry);
    expect(entries[0]).toMatchObject({
      answeredAt: null,
      endedAt: null,
      sipStatus: null,
      durationSeconds: 65,
    });
  });

  it('drops each bad entry on its own and keeps the others', async () => {
    const file = historyFile();
    writeFileSync(
      file,
      JSON.stringify([
        oldEntry('good-1', {}),
        { broken: true },
        oldEntry('bad-time', { startedAt: 'yesterday' }),
        oldEntry('bad-direction', { direction: 'sideways' }),
        42,
        null,
        oldEntry('good-2', { code: 'a-code-from-a-later-version', name: 7 }),
        oldEntry('good-1', { number: 'a second copy' }),
      ]),
    );
    const lines: string[] = [];
    const store = new CallHistoryStore(file, { log: (line) => lines.push(line) });
    const entries = await store.load();
    expect(entries.map((entry) => entry.id)).toEqual(['good-1', 'good-2']);
    expect(entries[0]?.number).toBe('15145550100');
    expect(entries[1]).toMatchObject({ code: null, name: null, outcome: 'failed' });
    expect(store.loadProblem).toMatchObject({ kind: 'entries-dropped', droppedEntries: 6 });
    expect(lines).toEqual(['The call history had 6 unreadable entries; the others were kept.']);
  });

  it('keeps at most the limit, newest first', async () => {
    const file = historyFile();
    const many = Array.from({ length: HISTORY_LIMIT + 20 }, (_, index) =>
      oldEntry(`c${index}`, {}),
    );
    writeFileSync(file, JSON.stringify(many));
    const entries = await new CallHistoryStore(file).load();
    expect(entries).toHaveLength(HISTORY_LIMIT);
    expect(entries[0]?.id).toBe('c0');
  });
});

describe('saving the history', () => {
  it('keeps every call of many that end at once, and leaves no temporary file', async () => {
    const file = historyFile();
    const store = new CallHistoryStore(file);
    await store.load();
    const ids = Array.from({ length: 30 }, (_, index) => `call-${index}`);
    await Promise.all(ids.map((id) => store.record(ended(id, '4443'))));
    const reloaded = await new CallHistoryStore(file).load();
    expect(reloaded.map((entry) => entry.id)).toEqual([...ids].reverse());
    expect(readdirSync(dirname(file))).toEqual(['history.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('clears the history on disk too, even with a call being saved', async () => {
    const file = historyFile();
    const store = new CallHistoryStore(file);
    await store.load();
    await store.record(ended('a', '4443'));
    const saving = store.record(ended('b', '4443'));
    expect(await store.clear()).toEqual([]);
    await saving;
    expect(store.list).toEqual([]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([]);
    expect(await new CallHistoryStore(file).load()).toEqual([]);
    await store.record(ended('c', '4443'));
    expect((await new CallHistoryStore(file).load()).map((entry) => entry.id)).toEqual(['c']);
  });
});
