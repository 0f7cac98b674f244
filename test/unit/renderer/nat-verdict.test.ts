import { describe, expect, it } from 'vitest';
import type { NatStatus, Registration } from '../../../src-shared/domain.js';
import { natVerdict } from '../../../src-shared/nat-verdict.js';
import { describeRelay } from '../../../src-renderer/src/network/relay-words.js';

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

describe('NAT verdict and advice', () => {
  it.each([
    ['cone, registered', nat({}), 'green', /audio should work/],
    ['no NAT', nat({ natType: 'open' }), 'green', /public address/],
    ['cone, registrar agrees', nat({ registrarAgrees: true }), 'green', /known/],
    ['symmetric', nat({ natType: 'symmetric' }), 'amber', /TURN server or disable SIP ALG/],
    ['registrar disagrees', nat({ registrarAgrees: false }), 'amber', /SIP ALG/],
    ['no STUN answer', nat({ natType: 'blocked', mapped: null }), 'red', /No STUN server answered/],
    [
      'symmetric, relay working',
      nat({
        natType: 'symmetric',
        turn: {
          server: 'turn.example:3478',
          state: 'allocated',
          relayed: { address: '198.51.100.20', port: 49200 },
          rttMs: 12,
          error: null,
        },
      }),
      'green',
      /go through the TURN relay turn\.example:3478/,
    ],
    [
      'symmetric, relay refusing us',
      nat({
        natType: 'symmetric',
        turn: {
          server: 'turn.example:3478',
          state: 'failed',
          relayed: null,
          rttMs: null,
          error: 'wrong TURN user name or password',
        },
      }),
      'red',
      /wrong TURN user name or password/,
    ],
    [
      'STUN turned off',
      nat({ natType: 'unknown', mapped: null, contact: null, contactSource: 'local' }),
      'green',
      /STUN is off/,
    ],
  ] as const)('%s → %s', (_name, status, color, advice) => {
    const verdict = natVerdict(status, registered);
    expect(verdict.color).toBe(color);
    expect(verdict.advice).toMatch(advice);
  });

  it('is amber, not red, while registering, whatever the NAT says', () => {
    for (const status of [null, nat({}), nat({ natType: 'blocked', mapped: null })]) {
      const verdict = natVerdict(status, { ...registered, state: 'registering' });
      expect(verdict.color).toBe('amber');
      expect(verdict.title).toBe('Registering…');
      expect(verdict.advice).toContain('Asking montreal.voip.ms to accept 123456_home');
    }
  });

  it('is red when not registered, with the reason', () => {
    const verdict = natVerdict(nat({}), {
      ...registered,
      state: 'failed',
      error: { code: 'auth-failed', message: 'wrong user name or password' },
    });
    expect(verdict.color).toBe('red');
    expect(verdict.advice).toContain('wrong user name or password');
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
