import { afterEach, describe, expect, it } from 'vitest';
import {
  contactStrategyId,
  mediaStrategyId,
  natStrategy,
  registerNatStrategy,
  type NatEnvironment,
  type NatMedia,
  type NatSettings,
  type NatStrategyId,
} from '../../../src-main/nat/index.js';
import { secondOpinion } from '../../../src-main/nat/stun-strategy.js';

const settings = (patch: Partial<NatSettings> = {}): NatSettings => ({
  stunServers: ['stun.example:3478'],
  stunEnabled: true,
  stunDeadlineMs: 300,
  stunRtoMs: 100,
  turn: null,
  turnPolicy: 'symmetric',
  natStrategy: 'auto',
  ...patch,
});
const relay = { server: 'turn.example:3478', username: 'u', password: 'p' };
const environment = (patch: Partial<NatSettings> = {}): NatEnvironment => ({
  settings: settings(patch),
  localAddress: '127.0.0.1',
  bindAddress: '127.0.0.1',
});

describe('the NAT policy picks a strategy by id', () => {
  it('asks the router first for the Contact while NAT help is on, and gives none when it is off', () => {
    expect(contactStrategyId(settings())).toBe('portmap');
    expect(contactStrategyId(settings({ stunServers: [] }))).toBe('portmap');
    expect(contactStrategyId(settings({ stunEnabled: false }))).toBe('none');
  });

  it('relays a call under the TURN policy only where a relay is the fix', () => {
    const withRelay = settings({ turn: relay });
    expect(mediaStrategyId(withRelay, 'symmetric')).toBe('turn');
    expect(mediaStrategyId(withRelay, 'cone')).toBe('stun');
    expect(mediaStrategyId(settings({ turn: relay, turnPolicy: 'always' }), 'open')).toBe('turn');
    expect(mediaStrategyId(settings({ turn: relay, turnPolicy: 'never' }), 'symmetric')).toBe(
      'stun',
    );
    expect(mediaStrategyId(settings(), 'symmetric')).toBe('stun');
  });

  it('uses a forced strategy for the Contact and every call', () => {
    const forced = settings({ natStrategy: 'none', turn: relay, turnPolicy: 'always' });
    expect(contactStrategyId(forced)).toBe('none');
    expect(mediaStrategyId(forced, 'symmetric')).toBe('none');
  });

  it('asks a configured TURN server for the second opinion one STUN server cannot give', () => {
    expect(secondOpinion(settings({ turn: relay }))).toEqual([
      'stun.example:3478',
      'turn.example:3478',
    ]);
    expect(secondOpinion(settings())).toEqual(['stun.example:3478']);
    const two = ['a.example:3478', 'b.example:3478'];
    expect(secondOpinion(settings({ stunServers: two, turn: relay }))).toEqual(two);
  });

  it('says in words when a strategy has no module', () => {
    const unknown = 'upnp' as NatStrategyId;
    expect(() => natStrategy(unknown, environment())).toThrow(/"upnp" is not available/);
  });
});

describe('strategies', () => {
  const opened: NatMedia[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((media) => media.close()));
  });

  it('takes a new strategy module by id, without the engine knowing it', async () => {
    registerNatStrategy('portmap', (env) => ({
      ...natStrategy('none', env),
      id: 'portmap',
      mapsContact: true,
    }));
    const strategy = natStrategy('portmap', environment({ natStrategy: 'portmap' }));
    expect(strategy.id).toBe('portmap');
    expect(strategy.mapsContact).toBe(true);
  });

  it('none: opens an even RTP port with RTCP above it, at the local address', async () => {
    const media = await natStrategy('none', environment()).openMedia();
    opened.push(media);
    expect(media.strategy).toBe('none');
    expect(media.address.source).toBe('local');
    expect(media.address.connection).toBe('127.0.0.1');
    expect(media.address.audioPort % 2).toBe(0);
    expect(media.state).toBe('open');
    expect(media.relay()).toBeNull();
    await media.close();
    expect(media.state).toBe('closed');
  });

  it('turn without a working relay falls back to its STUN-less address and says why', async () => {
    const statuses: unknown[] = [];
    const strategy = natStrategy(
      'turn',
      environment({ stunEnabled: false, turn: { ...relay, server: '127.0.0.1:9' } }),
    );
    expect(strategy.mapsContact).toBe(false);
    const media = await strategy.openMedia({ onRelay: (status) => statuses.push(status) });
    opened.push(media);
    expect(media.strategy).toBe('none');
    expect(media.address.source).toBe('local');
    expect(media.relay()?.state).toBe('failed');
    expect(media.relay()?.error).toMatch(/this call uses its local address instead/);
    expect(statuses).toHaveLength(1);
  });
});
