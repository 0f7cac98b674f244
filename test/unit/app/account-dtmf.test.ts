/**
 * Keypad digits per account, as main hands them to each account's engine: an account beside the
 * first may set its own way (its voip.ms sub-account's DTMF mode), and one that does not follows
 * Settings → Calls, as the first account does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../../src-main/app/app-service.js';
import { CallHistoryStore } from '../../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { accountSettingOf } from '../../../src-shared/accounts.js';
import { plainCipher } from '../../support/ciphers.js';
import { officeAccount } from '../../support/more-account.js';

let service: AppService | null = null;

afterEach(async () => {
  await service?.stop();
  service = null;
});

async function phoneWith(moreAccounts: ReturnType<typeof officeAccount>[]) {
  const dir = mkdtempSync(join(tmpdir(), 'natter-account-dtmf-'));
  const store = new SettingsStore(join(dir, 'settings.json'), plainCipher);
  await store.load();
  await store.update({ moreAccounts });
  const history = new CallHistoryStore(join(dir, 'history.json'));
  await history.load();
  service = createAppService({ store, history });
  await service.start();
  return service;
}

const wayOf = (phone: AppService, id: string) => phone.fleet.engineOf(id)?.engineOptions.dtmfMethod;

describe('keypad digits per account', () => {
  it('an account with its own way keeps it; one without follows Settings → Calls', async () => {
    const phone = await phoneWith([
      officeAccount({ dtmfMethod: 'sip-info' }),
      officeAccount({ id: 'shop', label: 'Shop' }),
    ]);
    expect(phone.engine.engineOptions.dtmfMethod).toBe('auto');
    expect(wayOf(phone, 'office')).toBe('sip-info');
    expect(wayOf(phone, 'shop')).toBe('auto');

    await phone.handlers.saveSettings({ dtmfMethod: 'inband' });
    expect(phone.engine.engineOptions.dtmfMethod).toBe('inband');
    expect(wayOf(phone, 'office')).toBe('sip-info');
    expect(wayOf(phone, 'shop')).toBe('inband');
  });

  it('an account that drops its own way follows the settings again, at once', async () => {
    const phone = await phoneWith([officeAccount({ dtmfMethod: 'rfc4733' })]);
    expect(wayOf(phone, 'office')).toBe('rfc4733');
    const saved = await phone.handlers.saveSettings({ moreAccounts: [officeAccount()] });
    expect(saved.moreAccounts[0]?.dtmfMethod).toBeUndefined();
    expect(wayOf(phone, 'office')).toBe('auto');
  });

  it('a stored way that is not one of the four is refused, and the account keeps its own', async () => {
    const phone = await phoneWith([officeAccount({ dtmfMethod: 'sip-info' })]);
    await expect(
      phone.handlers.saveSettings({
        moreAccounts: [{ ...officeAccount(), dtmfMethod: 'morse' as never }],
      }),
    ).rejects.toThrow();
    expect(wayOf(phone, 'office')).toBe('sip-info');
  });

  it('names the first account by the settings and any other by its own, else the settings', () => {
    const settings = {
      dtmfMethod: 'auto' as const,
      moreAccounts: [officeAccount({ dtmfMethod: 'inband' })],
    };
    expect(accountSettingOf(settings, 'first', 'dtmfMethod')).toBe('auto');
    expect(accountSettingOf(settings, 'office', 'dtmfMethod')).toBe('inband');
    expect(accountSettingOf(settings, 'gone', 'dtmfMethod')).toBe('auto');
  });
});
