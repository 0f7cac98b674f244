import { describe, expect, it } from 'vitest';
import { trayStatus } from '../../../src-main/app/tray-status.js';
import { callInfo } from '../../support/call-info.js';
import type { CallInfo, NatStatus, Registration } from '../../../src-shared/domain.js';

const registered: Registration = {
  state: 'registered',
  account: { server: 'montreal.voip.ms', user: '123456_home' },
  contact: null,
  expiresAt: null,
  error: null,
};
const cone: NatStatus = {
  local: { address: '192.168.1.20', port: 5060 },
  mapped: { address: '203.0.113.5', port: 40000 },
  natType: 'cone',
  servers: [],
  checkedAt: new Date(0).toISOString(),
  registrarSees: null,
  registrarAgrees: null,
  contact: null,
  contactSource: 'stun',
  keepaliveSeconds: 25,
};
const call = (state: CallInfo['state']): CallInfo => callInfo({ remoteDisplayName: 'Ada', state });

describe('tray status', () => {
  it('is green and names the account when registered behind a sound NAT', () => {
    expect(trayStatus(registered, cone, [])).toMatchObject({
      state: 'registered',
      tooltip: 'Natter — Registered as 123456_home · Ready',
    });
  });

  it('is amber, not red, for a router with a port per destination or a dead STUN server', () => {
    expect(trayStatus(registered, { ...cone, natType: 'symmetric' }, []).state).toBe('nat-problem');
    expect(trayStatus(registered, { ...cone, natType: 'blocked', mapped: null }, [])).toMatchObject(
      {
        state: 'nat-problem',
        tooltip: 'Natter — STUN server not answering',
      },
    );
  });

  it('is amber while registering', () => {
    expect(trayStatus({ ...registered, state: 'registering' }, null, [])).toMatchObject({
      state: 'nat-problem',
      tooltip: 'Natter — Registering…',
    });
  });

  it('is red when not registered, whatever the NAT', () => {
    expect(trayStatus({ ...registered, state: 'failed' }, cone, [])).toMatchObject({
      state: 'offline',
      tooltip: 'Natter — Not registered',
    });
    expect(
      trayStatus({ ...registered, state: 'unregistered', account: null }, null, []),
    ).toMatchObject({
      state: 'offline',
      tooltip: 'Natter — No account',
    });
  });

  it('is red when registered but audio cannot flow (the relay a symmetric NAT needs fails)', () => {
    const relayFailed: NatStatus = {
      ...cone,
      natType: 'symmetric',
      turn: { server: 't:3478', state: 'failed', relayed: null, rttMs: null, error: 'timeout' },
    };
    expect(trayStatus(registered, relayFailed, [])).toMatchObject({
      state: 'offline',
      tooltip: 'Natter — Relay not working',
    });
  });

  it('shows a call above everything, and forgets it once ended', () => {
    expect(trayStatus({ ...registered, state: 'failed' }, null, [call('incoming')])).toMatchObject({
      state: 'in-call',
      tooltip: 'Natter — Incoming call from Ada',
    });
    expect(trayStatus(registered, cone, [call('on-hold')]).tooltip).toBe(
      'Natter — On hold with Ada',
    );
    expect(trayStatus(registered, cone, [call('ended')]).state).toBe('registered');
  });
});

describe('the tray and the voicemail count', () => {
  const registration = {
    state: 'registered' as const,
    account: { server: 'montreal.voip.ms', user: '123456_home' },
    contact: null,
    expiresAt: null,
    error: null,
  };
  const report = (newMessages: number | null, waiting = true) => ({
    waiting,
    newMessages,
    oldMessages: newMessages === null ? null : 4,
    urgentNew: null,
    urgentOld: null,
    at: '2026-12-01T22:00:00.000Z',
  });

  const alone = (voicemail: ReturnType<typeof report>) => ({
    mailboxes: [{ label: 'Home', voicemail }],
  });

  it('names new messages in the menu and the tooltip', () => {
    const status = trayStatus(registration, null, [], alone(report(2)));
    expect(status.voicemailLabel).toBe('Voicemail: 2 new messages');
    expect(status.tooltip).toMatch(/ · Voicemail: 2 new messages$/);
    expect(trayStatus(registration, null, [], alone(report(1))).voicemailLabel).toBe(
      'Voicemail: 1 new message',
    );
  });

  it('says plainly when nothing is new, and keeps the tooltip short then', () => {
    const none = trayStatus(registration, null, [], alone(report(0, false)));
    expect(none.voicemailLabel).toBe('Voicemail: no new messages');
    expect(none.tooltip).not.toContain('Voicemail');
    expect(trayStatus(registration, null, [], alone(report(null))).voicemailLabel).toBe(
      'Voicemail: new messages',
    );
    expect(trayStatus(registration, null, []).voicemailLabel).toBeUndefined();
  });

  it('with several accounts, says which account has news, and counts each account alone', () => {
    const mailboxes = [
      { label: 'Home', voicemail: report(2) },
      { label: 'Office', voicemail: report(1) },
      { label: 'Shop', voicemail: report(0, false) },
      { label: 'Cabin', voicemail: null },
    ];
    const status = trayStatus(registration, null, [], { mailboxes });
    expect(status.voicemailLabel).toBe('Voicemail: 2 new (Home), 1 new (Office)');
    expect(status.tooltip).toMatch(/ · Voicemail: 2 new \(Home\), 1 new \(Office\)$/);
    // Only the second account has a report: the menu line still names it.
    const officeOnly = trayStatus(registration, null, [], {
      mailboxes: [
        { label: 'Home', voicemail: null },
        { label: 'Office', voicemail: report(null) },
      ],
    });
    expect(officeOnly.voicemailLabel).toBe('Voicemail: new messages (Office)');
    const quiet = trayStatus(registration, null, [], {
      mailboxes: [
        { label: 'Home', voicemail: report(0, false) },
        { label: 'Office', voicemail: null },
      ],
    });
    expect(quiet.voicemailLabel).toBe('Voicemail: no new messages');
    expect(quiet.tooltip).not.toContain('Voicemail');
  });
});

describe('the tray and the address book', () => {
  it('names the caller as the address book does, else as the caller presented', () => {
    const ringing = callInfo({ remote: '5145550101', remoteDisplayName: 'WIRELESS CALLER' });
    const incoming = { ...ringing, state: 'incoming' as const };
    const book = (number: string, presented: string | null) =>
      number === '5145550101' ? 'Ada Lovelace' : presented;
    expect(trayStatus(registered, cone, [incoming], { nameFor: book }).tooltip).toBe(
      'Natter — Incoming call from Ada Lovelace',
    );
    const stranger = { ...incoming, remote: '5145550199' };
    expect(trayStatus(registered, cone, [stranger], { nameFor: book }).tooltip).toBe(
      'Natter — Incoming call from WIRELESS CALLER',
    );
  });
});

describe('the tray with several accounts, and do not disturb', () => {
  const home = { label: 'Home', registration: registered, nat: cone, doNotDisturb: false };
  const office = {
    label: 'Office',
    registration: { ...registered, state: 'failed' as const },
    nat: cone,
    doNotDisturb: false,
  };

  it('takes the worst account’s colour and names each account, so a dropped line shows', () => {
    expect(trayStatus(registered, cone, [], { accounts: [home, office] })).toMatchObject({
      state: 'offline',
      tooltip: 'Natter — Home: Ready · Office: Not registered',
    });
    const registering = {
      ...office,
      registration: { ...registered, state: 'registering' as const },
    };
    expect(trayStatus(registered, cone, [], { accounts: [home, registering] }).state).toBe(
      'nat-problem',
    );
    expect(
      trayStatus(registered, cone, [], { accounts: [home, { ...home, label: 'Shop' }] }),
    ).toMatchObject({ state: 'registered', tooltip: 'Natter — Home: Ready · Shop: Ready' });
  });

  it('says do not disturb, naming the accounts when only some refuse calls', () => {
    expect(
      trayStatus(registered, cone, [], { accounts: [{ ...home, doNotDisturb: true }] }).tooltip,
    ).toBe('Natter — Registered as 123456_home · Ready · Do not disturb');
    const both = [
      { ...home, doNotDisturb: true },
      { ...office, registration: registered, doNotDisturb: true },
    ];
    expect(trayStatus(registered, cone, [], { accounts: both }).tooltip).toBe(
      'Natter — Home: Ready · Office: Ready · Do not disturb',
    );
    const onlyOffice = [home, { ...office, doNotDisturb: true }];
    expect(trayStatus(registered, cone, [], { accounts: onlyOffice }).tooltip).toMatch(
      / · Do not disturb \(Office\)$/,
    );
  });

  it('ticks its menu switch only while every account refuses calls, and says "every account" with several', () => {
    const switchOf = (accounts: (typeof home)[]) =>
      trayStatus(registered, cone, [], { accounts }).doNotDisturb;
    expect(switchOf([home])).toEqual({ label: 'Do not disturb', checked: false });
    expect(switchOf([{ ...home, doNotDisturb: true }])).toEqual({
      label: 'Do not disturb',
      checked: true,
    });
    const on = { label: 'Do not disturb on every account', checked: true };
    const off = { ...on, checked: false };
    expect(switchOf([home, office])).toEqual(off);
    expect(switchOf([home, { ...office, doNotDisturb: true }])).toEqual(off);
    expect(
      switchOf([
        { ...home, doNotDisturb: true },
        { ...office, doNotDisturb: true },
      ]),
    ).toEqual(on);
    // A call on screen changes the tooltip, not the switch.
    expect(
      trayStatus(registered, cone, [call('connected')], {
        accounts: [{ ...home, doNotDisturb: true }],
      }).doNotDisturb.checked,
    ).toBe(true);
  });

  it('lets a call speak above every account', () => {
    expect(
      trayStatus(registered, cone, [call('connected')], { accounts: [home, office] }),
    ).toMatchObject({ state: 'in-call', tooltip: 'Natter — In call with Ada' });
  });
});
