/**
 * The encryption settings as main takes them: mapped to the engine's options, a change of
 * transport or CA file registering again, a CA file checked before it is kept, and every value
 * the contract does not name refused at the IPC boundary with nothing stored.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { createIpcRouter } from '../../../src-main/app/ipc-router.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { DEFAULT_SETTINGS } from '../../../src-shared/settings.js';
import { plainCipher } from '../../support/ciphers.js';

const APP = 'file:///opt/natter/renderer/index.html';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const services: AppService[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
});

async function app() {
  const dir = mkdtempSync(join(tmpdir(), 'natter-encryption-'));
  const settingsFile = join(dir, 'settings.json');
  const store = new SettingsStore(settingsFile, plainCipher);
  await store.load();
  await store.update({
    account: { server: 'montreal.voip.ms', user: '123456_home' },
    password: 'sub-account secret',
  });
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  const service = createAppService({ store, history });
  services.push(service);
  // The engine's commands are watched, not run: no registrar answers here.
  const invoke = vi
    .spyOn(service.engine, 'invoke')
    .mockImplementation(async () => ({ state: 'registered' }) as never);
  const route = createIpcRouter({ handlers: service.handlers, isTrustedSender: (u) => u === APP });
  const registrations = () => invoke.mock.calls.filter(([command]) => command === 'register');
  const stored = () =>
    (JSON.parse(readFileSync(settingsFile, 'utf8')) as { settings: Record<string, unknown> })
      .settings;
  return { dir, service, route, registrations, stored };
}

describe('encryption settings in main', () => {
  it('start as UDP and plain RTP with the system’s authorities only, in the engine too', async () => {
    const { service } = await app();
    expect(DEFAULT_SETTINGS).toMatchObject({
      sipTransport: 'udp',
      mediaEncryption: 'off',
      tlsCaFile: null,
    });
    expect(service.engine.engineOptions).toMatchObject({
      sipTransport: 'udp',
      mediaEncryption: 'off',
      tlsCaFile: null,
    });
  });

  it('reach the engine when saved; a new transport or CA file registers again, SRTP alone does not', async () => {
    const { dir, service, route, registrations, stored } = await app();
    const caFile = join(dir, 'pbx-ca.pem');
    writeFileSync(caFile, PEM);

    expect(await route('saveSettings', { mediaEncryption: 'optional' }, APP)).toMatchObject({
      ok: true,
    });
    expect(service.engine.engineOptions.mediaEncryption).toBe('optional');
    // The next call offers SRTP; the registration stays as it is.
    expect(registrations()).toHaveLength(0);

    const saved = await route('saveSettings', { sipTransport: 'tls', tlsCaFile: caFile }, APP);
    expect(saved).toMatchObject({
      ok: true,
      value: { sipTransport: 'tls', mediaEncryption: 'optional', tlsCaFile: caFile },
    });
    expect(service.engine.engineOptions).toMatchObject({
      sipTransport: 'tls',
      tlsCaFile: caFile,
      mediaEncryption: 'optional',
    });
    expect(registrations()).toHaveLength(1);
    expect(registrations()[0]?.[1]).toEqual({
      account: { server: 'montreal.voip.ms', user: '123456_home' },
      password: 'sub-account secret',
    });
    expect(stored()).toMatchObject({ sipTransport: 'tls', tlsCaFile: caFile });

    // The same values again: nothing to reconnect.
    await route('saveSettings', { sipTransport: 'tls', tlsCaFile: caFile }, APP);
    expect(registrations()).toHaveLength(1);
    await route('saveSettings', { tlsCaFile: null }, APP);
    expect(service.engine.engineOptions.tlsCaFile).toBeNull();
    expect(registrations()).toHaveLength(2);
    await route('saveSettings', { sipTransport: 'udp' }, APP);
    expect(service.engine.engineOptions.sipTransport).toBe('udp');
    expect(registrations()).toHaveLength(3);
  });

  it('refuse a CA file that is missing, a folder, or no certificate, keeping the settings as they were', async () => {
    const { dir, service, route, registrations, stored } = await app();
    const notPem = join(dir, 'notes.txt');
    writeFileSync(notPem, 'hello');
    mkdirSync(join(dir, 'certs'));
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.pem'), /^There is no file .*missing\.pem\.$/],
      [join(dir, 'certs'), /is a folder, not a file\.$/],
      [notPem, /holds no certificate in PEM form/],
      ['/dev/zero', /is not a file\.$/],
    ];
    for (const [tlsCaFile, message] of cases) {
      const result = await route('saveSettings', { sipTransport: 'tls', tlsCaFile }, APP);
      expect(result, tlsCaFile).toEqual({
        ok: false,
        error: { code: 'bad-ca-file', message: expect.stringMatching(message) },
      });
    }
    expect(service.engine.engineOptions).toMatchObject({ sipTransport: 'udp', tlsCaFile: null });
    expect(stored()).toMatchObject({ sipTransport: 'udp', tlsCaFile: null });
    expect(registrations()).toHaveLength(0);
  });

  it('refuse hostile values at the IPC boundary, before anything is stored', async () => {
    const { service, route, stored } = await app();
    const hostile: unknown[] = [
      { sipTransport: 'ssl' },
      { sipTransport: 'TLS' },
      { sipTransport: null },
      { mediaEncryption: true },
      { mediaEncryption: 'sometimes' },
      { tlsCaFile: 'relative/ca.pem' },
      { tlsCaFile: '/etc/ssl/ca.pem\n' },
      { tlsCaFile: `/${'a'.repeat(2000)}` },
      { tlsCaFile: { path: '/etc/ssl/ca.pem' } },
      { tlsCaFile: '' },
      // There is no such option, and the contract takes no key it does not name.
      { acceptAnyCertificate: true },
      { tlsVerify: false },
    ];
    for (const payload of hostile) {
      const result = await route('saveSettings', payload, APP);
      expect(result, JSON.stringify(payload)).toMatchObject({
        ok: false,
        error: { code: 'bad-payload' },
      });
    }
    expect(stored()).toMatchObject({
      sipTransport: 'udp',
      mediaEncryption: 'off',
      tlsCaFile: null,
    });
    expect(service.engine.engineOptions).toMatchObject({
      sipTransport: 'udp',
      mediaEncryption: 'off',
    });
  });
});

describe('encryption settings in a damaged file', () => {
  it('fall back one by one to their defaults, keeping the valid ones beside them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natter-encryption-file-'));
    const path = join(dir, 'settings.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 2,
        settings: { sipTransport: 'tls', mediaEncryption: 'always', tlsCaFile: 'ca.pem' },
      }),
    );
    const store = new SettingsStore(path, plainCipher);
    expect(await store.load()).toMatchObject({
      sipTransport: 'tls',
      mediaEncryption: 'off',
      tlsCaFile: null,
    });
    expect(store.loadProblem?.invalidKeys).toEqual(['mediaEncryption', 'tlsCaFile']);
  });
});
