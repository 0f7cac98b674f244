import { describe, expect, it } from 'vitest';
import type { NatStatus, Registration } from '../../../src-shared/domain.js';
import { natVerdict } from '../../../src-shared/nat-verdict.js';

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
