import { describe, expect, it } from 'vitest';
import { settingsFromText } from '../../../src-main/storage/settings-store.js';
import { DEFAULT_SETTINGS, settingsUpdateSchema } from '../../../src-shared/settings.js';
import { accountSettingOf, FIRST_ACCOUNT_ID } from '../../../src-shared/accounts.js';

describe('the voicemail number setting', () => {
  it('loads from a settings file written before it existed, as *97', () => {
    const { voicemailNumber: _left, ...older } = DEFAULT_SETTINGS;
    const loaded = settingsFromText(
      JSON.stringify({ version: 3, settings: { ...older, doNotDisturb: true } }),
    );
    expect(loaded?.stored.settings.voicemailNumber).toBe('*97');
    expect(loaded?.stored.settings.doNotDisturb).toBe(true);
  });

  it('keeps a dialable number and sets aside one that is not', () => {
    const kept = settingsFromText(
      JSON.stringify({ version: 3, settings: { ...DEFAULT_SETTINGS, voicemailNumber: '*98#' } }),
    );
    expect(kept?.stored.settings.voicemailNumber).toBe('*98#');
    const bad = settingsFromText(
      JSON.stringify({ version: 3, settings: { ...DEFAULT_SETTINGS, voicemailNumber: 'sip:x;y' } }),
    );
    expect(bad?.stored.settings.voicemailNumber).toBe('*97');
    expect(settingsUpdateSchema.safeParse({ voicemailNumber: '*97 ' }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ voicemailNumber: '4443' }).success).toBe(true);
  });

  it('gives each further account a number of its own, and loads accounts saved before it', () => {
    const office = {
      id: 'office',
      label: 'Office',
      account: { server: 'toronto.voip.ms', user: '123456_office' },
      sipTransport: 'udp',
      doNotDisturb: false,
      autoAnswerSeconds: 0,
      hasPassword: false,
    };
    const older = settingsFromText(
      JSON.stringify({ version: 3, settings: { ...DEFAULT_SETTINGS, moreAccounts: [office] } }),
    );
    expect(older?.problem).toBeNull();
    const [loaded] = older?.stored.settings.moreAccounts ?? [];
    expect(loaded?.label).toBe('Office');
    expect(accountSettingOf(older!.stored.settings, 'office', 'voicemailNumber')).toBe('*97');

    const own = settingsFromText(
      JSON.stringify({
        version: 3,
        settings: {
          ...DEFAULT_SETTINGS,
          voicemailNumber: '*98',
          moreAccounts: [{ ...office, voicemailNumber: '*97#' }],
        },
      }),
    );
    expect(accountSettingOf(own!.stored.settings, 'office', 'voicemailNumber')).toBe('*97#');
    expect(accountSettingOf(own!.stored.settings, FIRST_ACCOUNT_ID, 'voicemailNumber')).toBe('*98');
    expect(
      settingsUpdateSchema.safeParse({ moreAccounts: [{ ...office, voicemailNumber: '*97 x' }] })
        .success,
    ).toBe(false);
  });
});
