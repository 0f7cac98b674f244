import { describe, expect, it } from 'vitest';
import { ContactIndex } from '../../../src-shared/contacts.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../src-shared/settings.js';
import { callPartyName } from '../../../src-renderer/src/contacts/party-name.js';

const contacts = new ContactIndex([
  {
    id: 'c1',
    name: 'Jane Doe',
    favourite: false,
    numbers: [{ number: '514-555-0101', label: 'mobile' }],
  },
]);
const settings: Settings = {
  ...DEFAULT_SETTINGS,
  voicemailNumber: '*97',
  moreAccounts: [
    {
      id: 'office',
      label: 'Office',
      account: { server: 'toronto.voip.ms', user: '123456_office' },
      sipTransport: 'udp',
      doNotDisturb: false,
      autoAnswerSeconds: 0,
      hasPassword: false,
      voicemailNumber: '*98',
    },
  ],
};

const call = (remote: string, extra: Partial<Parameters<typeof callPartyName>[0]> = {}) => ({
  direction: 'outgoing' as const,
  remote,
  remoteDisplayName: null,
  ...extra,
});

describe('callPartyName', () => {
  it("names a call to the account's own voicemail number Voicemail", () => {
    expect(callPartyName(call('*97'), contacts, settings)).toBe('Voicemail');
    expect(callPartyName(call('*98', { accountId: 'office' }), contacts, settings)).toBe(
      'Voicemail',
    );
  });

  it("does not name another account's mailbox, or a caller, Voicemail", () => {
    expect(callPartyName(call('*98'), contacts, settings)).toBeNull();
    expect(callPartyName(call('*97', { accountId: 'office' }), contacts, settings)).toBeNull();
    expect(callPartyName(call('*97', { direction: 'incoming' }), contacts, settings)).toBeNull();
    expect(callPartyName(call('*97'), contacts, null)).toBeNull();
  });

  it("names a contact's number after the contact, else as the call presented itself", () => {
    expect(callPartyName(call('15145550101'), contacts, settings)).toBe('Jane Doe');
    expect(
      callPartyName(call('15145550199', { remoteDisplayName: 'Bob' }), contacts, settings),
    ).toBe('Bob');
  });
});
