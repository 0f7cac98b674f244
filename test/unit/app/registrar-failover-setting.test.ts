/**
 * The failover setting as main applies it: switched on, the engine may move the account among
 * voip.ms's points of presence; an account on another provider's server never moves to voip.ms.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { VOIPMS_SERVERS } from '../../../src-shared/settings.js';
import { plainCipher } from '../../support/ciphers.js';

const APP = 'file:///opt/natter/renderer/index.html';

const services: AppService[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
});

async function appWithAccountOn(server: string) {
  const dir = mkdtempSync(join(tmpdir(), 'natter-failover-'));
  const store = new SettingsStore(join(dir, 'settings.json'), plainCipher);
  await store.load();
  // Stored before the app starts, with no password: nothing registers during the test.
  await store.update({ account: { server, user: '123456_home' } });
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  const service = createAppService({ store, history });
  services.push(service);
  const route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (u) => u === APP });
  return { service, route };
}

describe('registrar failover setting', () => {
  it('is off by default, and on lets the engine move among the voip.ms servers', async () => {
    const { service, route } = await appWithAccountOn('montreal.voip.ms');
    expect(service.engine.engineOptions.failoverServers).toEqual([]);
    expect(await route('saveSettings', { registrarFailover: true }, APP)).toMatchObject({
      ok: true,
    });
    expect(service.engine.engineOptions.failoverServers).toEqual([...VOIPMS_SERVERS]);
    await route('saveSettings', { registrarFailover: false }, APP);
    expect(service.engine.engineOptions.failoverServers).toEqual([]);
  });

  it('never moves an account of another provider to voip.ms', async () => {
    const { service, route } = await appWithAccountOn('sip.example.net');
    await route('saveSettings', { registrarFailover: true }, APP);
    expect(service.engine.engineOptions.failoverServers).toEqual([]);
  });
});
