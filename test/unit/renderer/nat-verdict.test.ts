import { describe, expect, it } from 'vitest';
import type { NatStatus, Registration } from '../../../src-shared/domain.js';
import { natVerdict, worstAccountVerdict } from '../../../src-shared/nat-verdict.js';
import { describeRelay } from '../../../src-renderer/src/network/relay-words.js';
import {
  addressSourceWords,
  routerLong,
  routerShort,
} from '../../../src-renderer/src/network/nat-words.js';

const registered: Registration = {
  state: 'registered',
  account: { server: 'montreal.voip.ms', user: '123456_home' },
  contact: null,
  expiresAt: null,
  error: null,
};

function nat(patch: Partial<NatStatus>): NatStatus {
  return {
    local: { address: '192.168.1.20', port: 5060 },
    mapped: { address: '203.0.113.5', port: 40000 },
    natType: 'cone',
    servers: [],
    checkedAt: new Date(0).toISOString(),
    registrarSees: null,
    registrarAgrees: null,
    contact: { address: '203.0.113.5', port: 40000 },
    contactSource: 'stun',
    keepaliveSeconds: 25,
    ...patch,
  };
}

const turn = (state: 'allocated' | 'failed') => ({
  server: 'turn.example:3478',
  state,
  relayed: state === 'allocated' ? { address: '198.51.100.20', port: 49200 } : null,
  rttMs: state === 'allocated' ? 12 : null,
  error: state === 'allocated' ? null : 'wrong TURN user name or password',
});
const stunTurnedOff = nat({
  natType: 'unknown',
  mapped: null,
  contact: { address: '192.168.1.20', port: 5060 },
  contactSource: 'local',
});
const deadStun = nat({
  natType: 'blocked',
  mapped: null,
  servers: [{ server: '127.0.0.1:3999', mapped: null, rttMs: null, error: 'no answer' }],
});

/** Words of the engine that mean nothing to a person and must not reach the screen. */
const INTERNAL_WORDS = /\b(from stun|blocked|open|cone|symmetric|mapped|contactSource|natType)\b/i;

describe('NAT verdict: colour, words and the button that acts', () => {
  it.each([
    ['public address known', nat({}), 'green', /audio should work/, null],
    ['no router', nat({ natType: 'open' }), 'green', /public address/, null],
    ['registrar agrees', nat({ registrarAgrees: true }), 'green', /known/, null],
    ['one server answered', nat({ natType: 'unknown' }), 'green', /known/, null],
    [
      'router with a port per destination',
      nat({ natType: 'symmetric' }),
      'amber',
      /relay \(TURN server\)/,
      'open-relay-settings',
    ],
    ['registrar disagrees', nat({ registrarAgrees: false }), 'amber', /SIP ALG/, 'run-check'],
    [
      'dead STUN, registrar reports our address',
      { ...deadStun, registrarSees: { address: '203.0.113.5', port: 40000 } },
      'amber',
      /calls use that, so they should work/,
      'open-stun-settings',
    ],
    ['dead STUN, registrar silent', deadStun, 'amber', /firewall allows UDP/, 'open-stun-settings'],
    [
      'relay working',
      nat({ natType: 'symmetric', turn: turn('allocated') }),
      'green',
      /through the relay turn\.example:3478/,
      null,
    ],
    [
      'relay refusing us',
      nat({ natType: 'symmetric', turn: turn('failed') }),
      'red',
      /wrong TURN user name or password/,
      'open-relay-settings',
    ],
    ['STUN turned off', stunTurnedOff, 'green', /STUN is off/, 'turn-stun-on'],
    ['not checked yet', null, 'amber', /Looking/, null],
  ] as const)('%s → %s', (_name, status, color, advice, action) => {
    const verdict = natVerdict(status, registered);
    expect(verdict.color).toBe(color);
    expect(verdict.advice).toMatch(advice);
    expect(verdict.action).toBe(action);
    expect(verdict.title).not.toMatch(INTERNAL_WORDS);
  });

  it('is amber while registering, whatever the network', () => {
    const verdict = natVerdict(deadStun, { ...registered, state: 'registering' });
    expect(verdict).toMatchObject({ color: 'amber', title: 'Registering…', action: null });
  });

  it('is red when registration failed, with the reason and the account button', () => {
    const verdict = natVerdict(nat({}), {
      ...registered,
      state: 'failed',
      error: { code: 'auth-failed', message: 'wrong user name or password' },
    });
    expect(verdict.color).toBe('red');
    expect(verdict.advice).toContain('wrong user name or password');
    expect(verdict.action).toBe('open-account-settings');
  });

  it('is red without an account, and offers to set one up', () => {
    const verdict = natVerdict(null, { ...registered, state: 'unregistered', account: null });
    expect(verdict).toMatchObject({
      color: 'red',
      title: 'No account',
      action: 'open-account-settings',
    });
  });

  it('is red when signed out with an account and no error', () => {
    const verdict = natVerdict(nat({}), { ...registered, state: 'unregistered' });
    expect(verdict).toMatchObject({ color: 'red', title: 'Not registered' });
    expect(verdict.advice).toMatch(/until the account signs in/);
  });

  it('says one-way audio during a call, above everything, with the fix that fits', () => {
    expect(natVerdict(nat({}), registered, { oneWayAudio: true })).toMatchObject({
      color: 'red',
      title: 'One-way audio',
      action: 'run-check',
    });
    expect(natVerdict(stunTurnedOff, registered, { oneWayAudio: true }).action).toBe(
      'turn-stun-on',
    );
    expect(
      natVerdict(nat({ natType: 'symmetric' }), registered, { oneWayAudio: true }).action,
    ).toBe('open-relay-settings');
    expect(
      natVerdict(nat({ natType: 'symmetric', turn: turn('allocated') }), registered, {
        oneWayAudio: true,
      }).action,
    ).toBe('run-check');
    expect(natVerdict(nat({}), registered, { oneWayAudio: false }).color).toBe('green');
  });
});

describe('relay in words', () => {
  it('names the relayed address and round trip, or why it does not work', () => {
    expect(
      describeRelay({
        server: 't:3478',
        state: 'allocated',
        relayed: { address: '198.51.100.20', port: 49200 },
        rttMs: 12.4,
        error: null,
      }),
    ).toBe('Working: relayed address 198.51.100.20:49200, round trip 12 ms');
    expect(
      describeRelay({ server: 't', state: 'failed', relayed: null, rttMs: null, error: 'timeout' }),
    ).toBe('Not working: timeout');
    expect(describeRelay(null)).toBe('Not checked yet');
  });
});

describe('the network panel in plain words', () => {
  it.each(['open', 'cone', 'symmetric', 'blocked', 'unknown'] as const)(
    'says what a %s router does without naming it',
    (natType) => {
      const status = nat({ natType });
      for (const words of [routerShort(status), routerLong(status)]) {
        expect(words).not.toMatch(INTERNAL_WORDS);
        expect(words.length).toBeGreaterThan(0);
      }
    },
  );

  it('says STUN is off, or not checked yet, instead of a type', () => {
    expect(routerShort(stunTurnedOff)).toBe('not checked (STUN off)');
    expect(routerLong(null)).toBe('Not checked yet');
  });

  it('names where the address in calls came from', () => {
    expect(addressSourceWords('stun')).toBe('found by the STUN server');
    expect(addressSourceWords('registrar')).toBe('as voip.ms sees it');
    expect(addressSourceWords('local')).toBe('this computer’s own address');
    expect(addressSourceWords(null)).toBe('');
  });
});

describe('natVerdict after a network change', () => {
  const change = (state: 'reconnecting' | 'recovered' | 'failed') => ({
    at: new Date(0).toISOString(),
    state,
    detail: 'address 192.168.50.2 gone; new address 192.168.60.2',
    recoveredInMs: state === 'recovered' ? 1200 : null,
  });

  it('says "Reconnecting…" while it heals, even while registering again', () => {
    const registering: Registration = { ...registered, state: 'registering' };
    for (const registration of [registered, registering]) {
      const verdict = natVerdict(nat({ networkChange: change('reconnecting') }), registration);
      expect(verdict).toMatchObject({ color: 'amber', title: 'Reconnecting…' });
    }
  });

  it('goes back to the usual verdict once healed', () => {
    const verdict = natVerdict(nat({ networkChange: change('recovered') }), registered);
    expect(verdict.title).not.toContain('Network changed');
    expect(verdict).toEqual(natVerdict(nat({}), registered));
  });
});

describe('the header pill with several accounts', () => {
  const first = natVerdict(nat({}), registered);
  const office = (registration: Registration, status: NatStatus | null = nat({})) => ({
    label: 'Office',
    registration,
    nat: status,
  });
  const refused: Registration = {
    ...registered,
    state: 'failed',
    error: { code: 'auth', message: 'wrong password' },
  };

  it("keeps the first account's verdict while the others are as well off", () => {
    expect(worstAccountVerdict(first, [office(registered)])).toBe(first);
    expect(worstAccountVerdict(first, [])).toBe(first);
  });

  it('says which other account is worse off, in its colour', () => {
    const verdict = worstAccountVerdict(first, [office(registered), office(refused)]);
    expect(verdict).toMatchObject({ color: 'red', title: 'Office offline' });
    expect(verdict.advice).toMatch(/^Office: Calls cannot come in or go out: wrong password/);
  });

  it('does not call an account listed in Settings "No account" when it has not signed in', () => {
    const never = office({ ...registered, state: 'unregistered', account: null }, null);
    const verdict = worstAccountVerdict(first, [never]);
    expect(verdict).toMatchObject({ color: 'red', title: 'Office offline' });
    expect(verdict.advice).toMatch(/^Office: Calls cannot come in or go out on it/);
  });

  it('lets the first account speak when it is the worst off', () => {
    const down = natVerdict(nat({}), refused);
    const amber = office(registered, nat({ natType: 'blocked' }));
    expect(worstAccountVerdict(down, [amber])).toBe(down);
  });
});
