import { describe, expect, it } from 'vitest';
import type { NatStatus, Registration } from '../../../src-shared/domain.js';
import { callPathWords, healingEvents } from '../../../src-renderer/src/network/healing-model.js';
import { callInfo } from '../../support/call-info.js';

const registered: Registration = {
  state: 'registered',
  account: { server: 'toronto.voip.ms', user: '123456_home' },
  contact: 'sip:123456_home@198.51.100.1:5060',
  expiresAt: null,
  error: null,
};

describe('what Natter healed', () => {
  it('is nothing when nothing went wrong', () => {
    expect(healingEvents(null, registered, [callInfo()])).toEqual([]);
  });

  it('lists a network change, a failover and a rescued call, newest first', () => {
    const nat = {
      networkChange: {
        at: '2026-12-01T12:00:00.000Z',
        state: 'recovered',
        detail: 'moved to another router',
        recoveredInMs: 1200,
      },
    } as unknown as NatStatus;
    const events = healingEvents(
      nat,
      {
        ...registered,
        failover: {
          from: 'montreal.voip.ms',
          to: 'toronto.voip.ms',
          at: '2026-12-01T11:00:00.000Z',
        },
      },
      [
        callInfo({
          remote: '15145550100',
          answeredAt: '2026-12-01T12:30:00.000Z',
          rescue: { at: 4.5, from: 'stun', to: 'turn', recovered: true },
        }),
      ],
    );
    expect(events.map((event) => event.atMs)).toEqual([
      Date.parse('2026-12-01T12:30:04.500Z'),
      Date.parse('2026-12-01T12:00:00.000Z'),
      Date.parse('2026-12-01T11:00:00.000Z'),
    ]);
    expect(events[0]?.text).toBe(
      'Call with (514) 555-0100: Audio was one-way; switched to the relay — audio is back.',
    );
    expect(events[1]?.text).toBe('Network changed: reconnected in 1.2 s');
    expect(events[2]?.text).toBe(
      'montreal.voip.ms stopped answering: registered on toronto.voip.ms',
    );
  });

  it('leaves out an event whose time does not parse', () => {
    const failover = { from: 'a.voip.ms', to: 'b.voip.ms', at: 'garbage' };
    expect(healingEvents(null, { ...registered, failover }, [])).toEqual([]);
  });

  it('says which way a call’s audio goes', () => {
    expect(callPathWords(null)).toBe('not connected yet');
    expect(callPathWords({ connection: '198.51.100.1', audioPort: 40000, source: 'stun' })).toBe(
      'direct, to the public address STUN found',
    );
    expect(callPathWords({ connection: '198.51.100.30', audioPort: 50000, source: 'turn' })).toBe(
      'through the TURN relay',
    );
    expect(callPathWords({ connection: '192.168.1.20', audioPort: 40000, source: 'local' })).toBe(
      'direct, from this computer’s own address',
    );
  });
});
