import { describe, expect, it } from 'vitest';
import { decide } from '../../../src-main/engine/doctor/doctor.js';
import type { TestCallResult } from '../../../src-main/engine/doctor/test-phone.js';

const call = (outcome: TestCallResult['outcome']): TestCallResult => ({
  outcome,
  answered: outcome !== 'no-answer',
  rtp: { sent: 200, received: outcome === 'two-way' ? 200 : 0 },
  toneFramesBack: 0,
  contact: null,
  sdp: null,
  remoteMedia: null,
  relay: null,
  end: null,
});

const base = {
  reachable: true,
  reachabilityProblem: '',
  natType: 'cone' as const,
  algDetected: false,
  noStunWorked: false,
  stunWorked: false,
  turnWorked: false,
  calls: [call('one-way'), call('one-way')],
};

describe('the doctor decision table', () => {
  it('an unreachable provider comes first, with its reason', () => {
    const verdict = decide({ ...base, reachable: false, reachabilityProblem: 'wrong password' });
    expect(verdict.code).toBe('unreachable');
    expect(verdict.message).toContain('wrong password');
  });

  it('a rewriting router is named even when audio happens to work, or registration broke', () => {
    expect(decide({ ...base, algDetected: true, noStunWorked: true }).code).toBe('alg-detected');
    expect(decide({ ...base, algDetected: true, reachable: false }).code).toBe('alg-detected');
  });

  it('two-way without STUN: the provider handles NAT', () => {
    expect(decide({ ...base, noStunWorked: true }).code).toBe('provider-handles-nat');
  });

  it('two-way only with STUN: STUN fixes it', () => {
    expect(decide({ ...base, stunWorked: true }).code).toBe('stun-fixes');
  });

  it('the relay carried audio: TURN fixes it', () => {
    expect(decide({ ...base, natType: 'symmetric', turnWorked: true }).code).toBe('turn-fixes');
  });

  it('one-way both ways behind a symmetric NAT: a relay is required', () => {
    expect(decide({ ...base, natType: 'symmetric' }).code).toBe('turn-required');
  });

  it('no answer at all, or one-way behind a cone: blocked, with different advice', () => {
    const unanswered = decide({ ...base, calls: [call('no-answer'), null] });
    const oneWay = decide(base);
    expect(unanswered.code).toBe('blocked');
    expect(oneWay.code).toBe('blocked');
    expect(unanswered.message).not.toBe(oneWay.message);
  });
});
