/**
 * The accounts beside the first, as the settings store keeps them: each password encrypted on
 * its own and never in what the renderer reads, dropped with its account, held for the session
 * only where nothing can encrypt it; a file written before there were several accounts loads.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsStore, type SecretCipher } from '../../../src-main/storage/settings-store.js';
import type { MoreAccount } from '../../../src-shared/accounts.js';
import { DEFAULT_SETTINGS, settingsUpdateSchema } from '../../../src-shared/settings.js';
import { xorCipher } from '../../support/ciphers.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'natter-accounts-')), 'settings.json');

const office: MoreAccount = {
  id: 'office',
  label: 'Office',
  account: { server: 'toronto.voip.ms', user: '123456_office' },
  sipTransport: 'tls',
  doNotDisturb: true,
  autoAnswerSeconds: 5,
  hasPassword: true,
};
const shop: MoreAccount = { ...office, id: 'shop', label: 'Shop', hasPassword: false };

describe('several accounts in the settings store', () => {
  it('keeps each password encrypted apart, out of the settings, and drops it with its account', async () => {
    const path = file();
    const store = new SettingsStore(path, xorCipher);
    await store.load();
    const saved = await store.update({
      moreAccounts: [{ ...office, hasPassword: false }, shop],
      accountPasswords: { office: 'office-pass-1', shop: 'shop-pass-2' },
    });
    expect(saved.moreAccounts.map((more) => more.hasPassword)).toEqual([true, true]);
    expect(JSON.stringify(saved)).not.toMatch(/office-pass|shop-pass/);
    const onDisk = readFileSync(path, 'utf8');
    expect(onDisk).not.toMatch(/office-pass|shop-pass/);
    expect(store.accountPassword('office')).toBe('office-pass-1');
    expect(store.accountPassword('shop')).toBe('shop-pass-2');
    // A renderer's claim about hasPassword is not taken: the store says what it holds.
    const edited = await store.update({ moreAccounts: [{ ...office, hasPassword: false }, shop] });
    expect(edited.moreAccounts[0]?.hasPassword).toBe(true);
    expect(store.accountPassword('office')).toBe('office-pass-1');

    // Reloaded from disk: the same accounts and passwords.
    const again = new SettingsStore(path, xorCipher);
    expect((await again.load()).moreAccounts).toEqual(edited.moreAccounts);
    expect(again.accountPassword('shop')).toBe('shop-pass-2');

    // Removed: its password leaves the file too.
    await again.update({ moreAccounts: [office] });
    expect(again.accountPassword('shop')).toBeNull();
    const stored = JSON.parse(readFileSync(path, 'utf8')) as {
      accountPasswords?: Record<string, string>;
    };
    expect(Object.keys(stored.accountPasswords ?? {})).toEqual(['office']);
  });

  it('without secure storage holds a password for the session only, never on disk', async () => {
    const path = file();
    const plainOnly: SecretCipher = { ...xorCipher, isAvailable: () => false };
    const store = new SettingsStore(path, plainOnly);
    await store.load();
    const saved = await store.update({
      moreAccounts: [office],
      accountPasswords: { office: 'office-pass-1' },
    });
    expect(saved.moreAccounts[0]?.hasPassword).toBe(true);
    expect(store.accountPassword('office')).toBe('office-pass-1');
    expect(readFileSync(path, 'utf8')).not.toContain('accountPasswords');
    // Kept across further saves in the session.
    await store.update({ autoAnswerSeconds: 3 });
    expect(store.accountPassword('office')).toBe('office-pass-1');
    const restarted = new SettingsStore(path, plainOnly);
    expect((await restarted.load()).moreAccounts[0]?.hasPassword).toBe(false);
  });

  it('loads a file from before several accounts, and refuses a bad account id or too many', async () => {
    const path = file();
    writeFileSync(
      path,
      JSON.stringify({
        version: 2,
        settings: {
          account: { server: 'montreal.voip.ms', user: '123456_home' },
          doNotDisturb: true,
        },
      }),
    );
    const store = new SettingsStore(path, xorCipher);
    const loaded = await store.load();
    expect(store.loadProblem).toBeNull();
    expect(loaded).toMatchObject({ moreAccounts: [], autoAnswerSeconds: 0, doNotDisturb: true });
    expect(DEFAULT_SETTINGS.moreAccounts).toEqual([]);

    expect(
      settingsUpdateSchema.safeParse({ moreAccounts: [{ ...office, id: 'Bad Id' }] }).success,
    ).toBe(false);
    const many = Array.from({ length: 8 }, (_, i) => ({ ...office, id: `a${i}` }));
    expect(settingsUpdateSchema.safeParse({ moreAccounts: many }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ autoAnswerSeconds: -1 }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ accountPasswords: { office: '' } }).success).toBe(
      false,
    );
  });

  it('a stored password for an account no longer listed, or not base64, is not kept', async () => {
    const path = file();
    writeFileSync(
      path,
      JSON.stringify({
        version: 2,
        settings: { moreAccounts: [office] },
        accountPasswords: { office: 'not base64 !', ghost: 'AAAA' },
      }),
    );
    const store = new SettingsStore(path, xorCipher);
    const loaded = await store.load();
    expect(loaded.moreAccounts[0]?.hasPassword).toBe(false);
    expect(store.accountPassword('ghost')).toBeNull();
  });
});
