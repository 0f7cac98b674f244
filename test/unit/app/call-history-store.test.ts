import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallHistoryStore } from '../../../src-main/app/call-history-store.js';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
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
    const file = join(mkdtempSync(join(tmpdir(), 'natter-history-')), 'history.json');
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

  it('clears every call, on disk too, and records again afterwards', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'natter-history-')), 'history.json');
    const store = new CallHistoryStore(file);
    await store.load();
    await store.record(ended('a', '4443'));
    await store.clear();
    expect(store.list).toEqual([]);
    expect(await new CallHistoryStore(file).load()).toEqual([]);
    await store.record(ended('b', '15145550100'));
    expect((await new CallHistoryStore(file).load()).map((entry) => entry.number)).toEqual([
      '15145550100',
    ]);
  });

  it('treats a corrupt file as an empty history', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'natter-history-')), 'history.json');
    writeFileSync(file, '[{"broken": true}');
    expect(await new CallHistoryStore(file).load()).toEqual([]);
  });
});
