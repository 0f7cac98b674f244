/**
 * Recording as main serves it over the IPC contract: the folder setting checked when saved, the
 * folder dialog behind its interface, and a page that cannot name the file main shows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../../src-main/app/app-service.js';
import { createIpcRouter } from '../../../../src-main/app/ipc-router.js';
import type { RecordingDesktop } from '../../../../src-main/app/recording/recording-desktop.js';
import { CallHistoryStore } from '../../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../../src-main/storage/settings-store.js';
import { DEFAULT_SETTINGS } from '../../../../src-shared/settings.js';
import { plainCipher } from '../../../support/ciphers.js';

const APP = 'file:///opt/natter/renderer/index.html';
const services: AppService[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
});

async function app(desktop: RecordingDesktop | null, settingsText?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'natter-rec-ipc-'));
  if (settingsText) writeFileSync(join(dir, 'settings.json'), settingsText);
  const store = new SettingsStore(join(dir, 'settings.json'), plainCipher);
  await store.load();
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  const service = createAppService({ store, history, desktop });
  services.push(service);
  const route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (u) => u === APP });
  return { dir, store, service, route };
}

describe('recording through main', () => {
  it('a settings file from before recording loads with its defaults', async () => {
    const { store } = await app(null, JSON.stringify({ version: 1, settings: { theme: 'dark' } }));
    expect(store.settings.theme).toBe('dark');
    expect(store.settings.recordingFolder).toBe(DEFAULT_SETTINGS.recordingFolder);
    expect(store.settings.recordingConsentReminder).toBe(true);
  });

  it('the folder comes from the dialog, is checked, and is saved; cancelling changes nothing', async () => {
    let answer: string | null = null;
    const asked: string[] = [];
    const { dir, route } = await app({
      chooseFolder: async (current) => {
        asked.push(current);
        return answer;
      },
      showFile: () => undefined,
    });
    const before = await route('getRecordingFolder', {}, APP);
    expect(before).toMatchObject({ ok: true, value: { isDefault: true } });
    expect(await route('chooseRecordingFolder', {}, APP)).toMatchObject({
      ok: true,
      value: { chosen: false, settings: { recordingFolder: null } },
    });
    expect(asked[0]).toMatch(/Natter recordings$/);
    answer = join(dir, 'missing');
    expect(await route('chooseRecordingFolder', {}, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-folder', message: `There is no folder ${answer}.` },
    });
    answer = dir;
    expect(await route('chooseRecordingFolder', {}, APP)).toMatchObject({
      ok: true,
      value: { chosen: true, settings: { recordingFolder: dir } },
    });
    expect(await route('getRecordingFolder', {}, APP)).toEqual({
      ok: true,
      value: { path: dir, isDefault: false },
    });
  });

  it('saving a folder by hand is checked as well, and a relative path is refused by the contract', async () => {
    const { dir, route } = await app(null);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(await route('saveSettings', { recordingFolder: file }, APP)).toMatchObject({
      ok: false,
      error: { message: `${file} is not a folder.` },
    });
    expect(await route('saveSettings', { recordingFolder: 'Music' }, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
    expect(await route('chooseRecordingFolder', {}, APP)).toMatchObject({
      ok: false,
      error: { code: 'no-desktop' },
    });
  });

  it('recording commands take a call id only, and a call that is not there is said plainly', async () => {
    const { route } = await app(null);
    expect(await route('startRecording', { callId: 'nope' }, APP)).toMatchObject({
      ok: false,
      error: { code: 'no-call', message: 'That call has ended.' },
    });
    expect(await route('showRecording', { callId: 'x', path: '/etc/passwd' }, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
    expect(await route('showRecording', { callId: 'x' }, APP)).toMatchObject({
      ok: false,
      error: { code: 'no-recording' },
    });
  });
});
