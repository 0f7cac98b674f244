import { describe, expect, it } from 'vitest';
import type { NatStatus } from '../../../src-shared/domain.js';
import { decide } from '../../../src-main/engine/doctor/doctor.js';
import { phoneFactNotes, registrarDisagrees } from '../../../src-main/engine/doctor/phone-facts.js';

function natSeen(mapped: [string, number] | null, registrar: [string, number] | null): NatStatus {
  return {
    mapped: mapped && { address: mapped[0], port: mapped[1] },
    registrarSees: registrar && { address: registrar[0], port: registrar[1] },
  } as unknown as NatStatus;
}

describe('the doctor reads voip.ms’s view of the phone beside STUN’s', () => {
  it('sees a router that maps voip.ms apart from STUN', () => {
    expect(registrarDisagrees(natSeen(['198.51.100.1', 40001], ['198.51.100.1', 40777]))).toBe(
      true,
    );
    expect(registrarDisagrees(natSeen(['198.51.100.1', 40001], ['198.51.100.1', 40001]))).toBe(
      false,
    );
    expect(registrarDisagrees(natSeen(['198.51.100.1', 40001], null))).toBe(false);
    expect(registrarDisagrees(null)).toBe(false);
  });

  it('says so under the verdict', () => {
    expect(
      phoneFactNotes(natSeen(['198.51.100.1', 40001], ['198.51.100.1', 40777]), undefined),
    ).toEqual([
      'voip.ms sees your phone at 198.51.100.1:40777, STUN at 198.51.100.1:40001: the router gives each destination its own port. Natter registers the address voip.ms sees, so calls still reach you.',
    ]);
    expect(
      phoneFactNotes(natSeen(['198.51.100.1', 40001], ['198.51.100.1', 40001]), undefined),
    ).toEqual([]);
  });

  it('a router symmetric toward voip.ms makes "no call worked" read as relay-required', () => {
    const findings = {
      reachable: true,
      reachabilityProblem: '',
      algDetected: false,
      noStunWorked: false,
      stunWorked: false,
      turnWorked: false,
      calls: [],
    };
    expect(decide({ ...findings, natType: 'symmetric' }).code).toBe('turn-required');
    expect(decide({ ...findings, natType: 'cone' }).code).toBe('blocked');
  });
});

describe('the doctor reads what the phone healed by itself', () => {
  it('names calls rescued by the relay, and by a fresh address, and the last network change', () => {
    const notes = phoneFactNotes(null, {
      rescues: [
        { to: 'turn', recovered: true },
        { to: 'turn', recovered: false },
        { to: 'stun', recovered: true },
      ],
      networkChange: {
        at: '2026-12-01T12:00:00.000Z',
        state: 'recovered',
        detail: 'moved to another router',
        recoveredInMs: 900,
      },
    });
    expect(notes).toHaveLength(3);
    expect(notes[0]).toMatch(
      /^Earlier today 2 calls went one-way until moved to the relay \(1 came back\)/,
    );
    expect(notes[1]).toMatch(
      /^Earlier today one call went one-way until Natter sent the router’s new address/,
    );
    expect(notes[2]).toMatch(
      /^The network changed at .+ \(moved to another router\): this check tests the network you are on now\.$/,
    );
  });

  it('has nothing to add when nothing happened', () => {
    expect(phoneFactNotes(null, { rescues: [], networkChange: null })).toEqual([]);
  });
});
