/**
 * Call waiting as main serves it: the do-not-disturb setting reaches the engine the moment it is
 * saved, and the commands the call screen sends pass the IPC contract's validation.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { plainCipher } from '../../support/ciphers.js';

const APP = 'file:///opt/natter/renderer/index.html';
const cipher = plainCipher;

const services: AppService[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
});

async function app() {
  const dir = mkdtempSync(join(tmpdir(), 'natter-waiting-'));
  const store = new SettingsStore(join(dir, 'settings.json'), cipher);
  await store.load();
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  const service = createAppService({ store, history });
  services.push(service);
  const route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (u) => u === APP });
  return { service, route };
}

describe('call waiting through main', () => {
  it('do not disturb reaches the engine when saved, and leaves it when turned off', async () => {
    const { service, route } = await app();
    expect(service.engine.engineOptions.doNotDisturb).toBe(false);
    expect(await route('saveSettings', { doNotDisturb: true }, APP)).toMatchObject({ ok: true });
    expect(service.engine.engineOptions.doNotDisturb).toBe(true);
    await route('saveSettings', { doNotDisturb: false }, APP);
    expect(service.engine.engineOptions.doNotDisturb).toBe(false);
  });

  it('answer with holdOthers and switchTo are contract commands, validated before the engine', async () => {
    const { route } = await app();
    expect(await route('switchTo', { callId: 'nope' }, APP)).toMatchObject({
      ok: false,
      error: { code: 'no-call' },
    });
    expect(await route('answer', { callId: 'nope', holdOthers: true }, APP)).toMatchObject({
      ok: false,
      error: { code: 'no-call' },
    });
    expect(await route('switchTo', {}, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
    expect(await route('answer', { callId: 'x', holdOthers: 'yes' }, APP)).toMatchObject({
      ok: false,
      error: { code: 'bad-payload' },
    });
  });
});
