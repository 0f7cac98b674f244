import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DND_BUSY_REASON,
  doNotDisturbAnswer,
} from '../../../src-main/engine/do-not-disturb-answer.js';
import {
  doNotDisturbForwardOf,
  doNotDisturbWords,
  forwardNumberOf,
} from '../../../src-shared/do-not-disturb.js';
import { DEFAULT_SETTINGS } from '../../../src-shared/settings.js';
import { moreAccountSchema } from '../../../src-shared/accounts.js';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { xorCipher } from '../../support/ciphers.js';

const account = { user: '123456_home', server: 'montreal5.voip.ms' };

describe('what a call gets while do not disturb is on', () => {
  it('rings when do not disturb is off, whatever number is set', () => {
    expect(
      doNotDisturbAnswer({ doNotDisturb: false, doNotDisturbForwardTo: '15145550123' }, account),
    ).toBeNull();
  });

  it('is refused 486 without a forward number', () => {
    expect(
      doNotDisturbAnswer({ doNotDisturb: true, doNotDisturbForwardTo: null }, account),
    ).toEqual({ status: 486, reason: DND_BUSY_REASON });
  });

  it('is sent on with 302 to the number at the account server, the number dialled as the dialer would', () => {
    expect(
      doNotDisturbAnswer(
        { doNotDisturb: true, doNotDisturbForwardTo: '+1 (514) 555-0123' },
        { user: '123456_home', server: 'montreal5.voip.ms:5060' },
      ),
    ).toEqual({
      status: 302,
      contact: '<sip:15145550123@montreal5.voip.ms>',
      diversion: '<sip:123456_home@montreal5.voip.ms>;reason=do-not-disturb',
      reason: 'Forwarded to 15145550123, do not disturb',
    });
  });

  it('falls back to 486 when nothing dialable is left or no account is registered', () => {
    expect(
      doNotDisturbAnswer({ doNotDisturb: true, doNotDisturbForwardTo: '()- ' }, account)?.status,
    ).toBe(486);
    expect(
      doNotDisturbAnswer({ doNotDisturb: true, doNotDisturbForwardTo: '15145550123' }, null)
        ?.status,
    ).toBe(486);
  });

  it('keeps star codes, as for "forward to my voicemail"', () => {
    expect(
      doNotDisturbAnswer({ doNotDisturb: true, doNotDisturbForwardTo: '*97' }, account),
    ).toMatchObject({ status: 302, contact: '<sip:*97@montreal5.voip.ms>' });
  });
});

describe('an account setting read as the engine and the account list read it', () => {
  it('forwards only when do not disturb is on, forwarding is chosen and a number is set', () => {
    const on = {
      doNotDisturb: true,
      doNotDisturbAction: 'forward',
      doNotDisturbForwardTo: '5145550123',
    } as const;
    expect(doNotDisturbForwardOf(on)).toBe('15145550123');
    expect(doNotDisturbForwardOf({ ...on, doNotDisturbAction: 'busy' })).toBeNull();
    expect(doNotDisturbForwardOf({ ...on, doNotDisturb: false })).toBeNull();
    expect(doNotDisturbForwardOf({ ...on, doNotDisturbForwardTo: null })).toBeNull();
    // An account saved before the choice existed: busy.
    expect(doNotDisturbForwardOf({ doNotDisturb: true })).toBeNull();
    expect(doNotDisturbWords(on)).toBe('Do not disturb: forwarded to 15145550123');
    expect(doNotDisturbWords({ ...on, doNotDisturbAction: 'busy' })).toBe(
      'Do not disturb: callers hear busy',
    );
    expect(doNotDisturbWords({ ...on, doNotDisturb: false })).toBeNull();
  });

  it('normalises a typed number like a dialled one, or finds none', () => {
    expect(forwardNumberOf(' 514-555-0123 ')).toBe('15145550123');
    expect(forwardNumberOf('+44 (0)20 7946 0018')).toBe('011442079460018');
    expect(forwardNumberOf('call me')).toBeNull();
  });

  it('loads a settings file written before the choice existed: busy, no number, on every account', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'natter-dnd-')), 'settings.json');
    const { doNotDisturbAction: _action, doNotDisturbForwardTo: _to, ...old } = DEFAULT_SETTINGS;
    const office = {
      id: 'office',
      label: 'Office',
      account: { server: 'toronto.voip.ms', user: '123456_office' },
      sipTransport: 'udp',
      doNotDisturb: true,
      autoAnswerSeconds: 0,
      hasPassword: false,
    };
    writeFileSync(
      path,
      JSON.stringify({ settings: { ...old, doNotDisturb: true, moreAccounts: [office] } }),
    );
    const settings = await new SettingsStore(path, xorCipher).load();
    expect(settings).toMatchObject({
      doNotDisturb: true,
      doNotDisturbAction: 'busy',
      doNotDisturbForwardTo: null,
    });
    expect(settings.moreAccounts.map((more) => more.label)).toEqual(['Office']);
    expect(doNotDisturbForwardOf(settings.moreAccounts[0]!)).toBeNull();
    expect(doNotDisturbForwardOf(settings)).toBeNull();
    // A forward number that no dialler would dial is refused, not stored.
    expect(
      moreAccountSchema.safeParse({ ...office, doNotDisturbForwardTo: 'not a number' }).success,
    ).toBe(false);
  });
});
