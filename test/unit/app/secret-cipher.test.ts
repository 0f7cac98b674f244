/**
 * safeStorage counts as secure storage only where it encrypts: on Linux the `basic_text`
 * backend (no keyring) is no encryption, whatever `isEncryptionAvailable()` says.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeStorageCipher } from '../../../src-main/app/shell/secret-cipher.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { createFakeElectron } from '../../support/fake-electron.js';

const settingsFile = () => join(mkdtempSync(join(tmpdir(), 'natter-cipher-')), 'settings.json');

describe('safeStorage as the settings cipher', () => {
  it('encrypts through safeStorage where a keyring backs it', async () => {
    const { module } = createFakeElectron();
    const path = settingsFile();
    const store = new SettingsStore(path, safeStorageCipher(module.safeStorage, 'linux'));
    await store.load();
    const settings = await store.update({ password: 'keyring-pw' });
    expect(settings).toMatchObject({ hasPassword: true, secureStorage: true });
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { password?: string };
    expect(stored.password).toBe(module.safeStorage.encryptString('keyring-pw').toString('base64'));
    expect(readFileSync(path, 'utf8')).not.toContain('keyring-pw');
  });

  it.each([
    ['Linux with the basic_text backend', 'linux', true, 'basic_text'],
    ['no encryption at all', 'linux', false, 'unknown'],
    ['no encryption on Windows', 'win32', false, 'unknown'],
  ] as const)('refuses to write the password: %s', async (_name, platform, available, backend) => {
    const { module } = createFakeElectron();
    module.safeStorage.isEncryptionAvailable = () => available;
    module.safeStorage.getSelectedStorageBackend = () => backend;
    let encrypted = 0;
    const encrypt = module.safeStorage.encryptString;
    module.safeStorage.encryptString = (plain: string) => {
      encrypted += 1;
      return encrypt(plain);
    };
    const path = settingsFile();
    const store = new SettingsStore(path, safeStorageCipher(module.safeStorage, platform));
    await store.load();
    const settings = await store.update({ password: 'no-keyring-pw' });
    expect(settings).toMatchObject({ hasPassword: true, secureStorage: false });
    expect(encrypted).toBe(0);
    expect(readFileSync(path, 'utf8')).not.toMatch(/no-keyring-pw|password/);
    expect(store.password()).toBe('no-keyring-pw');
  });

  it('basic_text is a Linux word only: elsewhere isEncryptionAvailable decides', () => {
    const { module } = createFakeElectron();
    module.safeStorage.getSelectedStorageBackend = () => 'basic_text';
    expect(safeStorageCipher(module.safeStorage, 'darwin').isAvailable()).toBe(true);
    expect(safeStorageCipher(module.safeStorage, 'linux').isAvailable()).toBe(false);
  });
});
