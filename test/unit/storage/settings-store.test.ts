import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsStore, type SecretCipher } from '../../../src-main/storage/settings-store.js';
import { DEFAULT_SETTINGS, settingsUpdateSchema } from '../../../src-shared/settings.js';

/** Reversible but visibly not the plaintext: enough to see what reaches the disk. */
const cipher: SecretCipher = {
  isAvailable: () => true,
  encrypt: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((byte) => byte ^ 0x5a)),
  decrypt: (data) => Buffer.from(data.map((byte) => byte ^ 0x5a)).toString('utf8'),
};

const file = () => join(mkdtempSync(join(tmpdir(), 'natter-settings-')), 'settings.json');

describe('settings store', () => {
  it('falls back to the defaults when the file is missing or corrupt', async () => {
    const path = file();
    expect(await new SettingsStore(path, cipher).load()).toEqual(DEFAULT_SETTINGS);
    writeFileSync(path, '{ not json');
    expect(await new SettingsStore(path, cipher).load()).toEqual(DEFAULT_SETTINGS);
    writeFileSync(path, JSON.stringify({ settings: { keepaliveSeconds: 'often' } }));
    expect(await new SettingsStore(path, cipher).load()).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps the password encrypted at rest and out of the settings the renderer reads', async () => {
    const path = file();
    const store = new SettingsStore(path, cipher);
    await store.load();
    const settings = await store.update({
      account: { server: 'montreal.voip.ms', user: '123456_home' },
      password: 'hunter2-secret',
    });
    expect(settings.hasPassword).toBe(true);
    expect(JSON.stringify(settings)).not.toContain('hunter2');
    expect(readFileSync(path, 'utf8')).not.toContain('hunter2');
    const reloaded = new SettingsStore(path, cipher);
    expect((await reloaded.load()).account?.user).toBe('123456_home');
    expect(reloaded.password()).toBe('hunter2-secret');
  });

  it('refuses to store a password where the system has no secure storage', async () => {
    const store = new SettingsStore(file(), { ...cipher, isAvailable: () => false });
    await store.load();
    await expect(store.update({ password: 'x' })).rejects.toThrow(/secure storage/);
  });

  it('validates updates: bad STUN servers, keepalive and unknown fields are refused', () => {
    expect(settingsUpdateSchema.safeParse({ stunServers: ['stun.example.com:3478'] }).success).toBe(
      true,
    );
    expect(settingsUpdateSchema.safeParse({ stunServers: ['bad host'] }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ keepaliveSeconds: -1 }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ hasPassword: true }).success).toBe(false);
  });
});
