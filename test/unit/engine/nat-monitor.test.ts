import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NatType, TransportAddress } from '../../../src-shared/domain.js';

const discovery = vi.hoisted(() => ({
  next: {
    mapped: null as TransportAddress | null,
    natType: 'blocked' as NatType,
  },
}));

vi.mock('../../../src-main/net/stun-discovery.js', () => ({
  discoverMapping: vi.fn(async () => ({
    local: { address: '192.168.50.2', port: 5060 },
    mapped: discovery.next.mapped,
    natType: discovery.next.natType,
    results: [],
    elapsedMs: 1,
  })),
}));

const { NatMonitor } = await import('../../../src-main/engine/nat-monitor.js');

const endpoint = { bound: { address: '0.0.0.0', port: 5060 } } as never;

function monitor(stunServers = ['stun.example:3478'], followRegistrar?: boolean, stream = false) {
  return new NatMonitor(endpoint, {
    ...(stream ? { stream } : {}),
    nat: {
      stunServers,
      stunEnabled: true,
      stunDeadlineMs: 1500,
      stunRtoMs: 500,
      turn: null,
      turnPolicy: 'symmetric',
      natStrategy: 'auto',
    },
    ...(followRegistrar === undefined ? {} : { followRegistrar }),
    keepaliveSeconds: 25,
    localAddress: '192.168.50.2',
  });
}

describe('NatMonitor chooses the Contact address', () => {
  beforeEach(() => {
    discovery.next = { mapped: null, natType: 'blocked' };
  });

  it('uses the STUN mapping behind a cone NAT', async () => {
    discovery.next = { mapped: { address: '198.51.100.1', port: 40001 }, natType: 'cone' };
    const nat = monitor();
    const status = await nat.check();
    expect(status.contact).toEqual({ address: '198.51.100.1', port: 40001 });
    expect(status.contactSource).toBe('stun');
  });

  it('uses the local address when there is no NAT', async () => {
    discovery.next = { mapped: { address: '192.168.50.2', port: 5060 }, natType: 'open' };
    const status = await monitor().check();
    expect(status.contact).toEqual({ address: '192.168.50.2', port: 5060 });
    expect(status.contactSource).toBe('local');
  });

  it('falls back to the local address when STUN gets no answer', async () => {
    const status = await monitor().check();
    expect(status.contact).toEqual({ address: '192.168.50.2', port: 5060 });
    expect(status.natType).toBe('blocked');
  });

  it('reports agreement with the registrar, and follows it when it disagrees', async () => {
    discovery.next = { mapped: { address: '198.51.100.1', port: 40001 }, natType: 'symmetric' };
    const nat = monitor();
    await nat.check();
    expect(nat.recordRegistrarView({ address: '198.51.100.1', port: 40001 })).toBe(false);
    expect(nat.status.registrarAgrees).toBe(true);
    expect(nat.recordRegistrarView({ address: '198.51.100.1', port: 40777 })).toBe(true);
    expect(nat.status.registrarAgrees).toBe(false);
    expect(nat.status.contact).toEqual({ address: '198.51.100.1', port: 40777 });
    expect(nat.status.contactSource).toBe('registrar');
  });

  it('keeps the local Contact when STUN is off, whatever the registrar sees', async () => {
    const nat = monitor([]);
    await nat.check();
    expect(nat.recordRegistrarView({ address: '198.51.100.1', port: 40777 })).toBe(false);
    expect(nat.status.contact).toEqual({ address: '192.168.50.2', port: 5060 });
    expect(nat.status.registrarSees).toEqual({ address: '198.51.100.1', port: 40777 });
  });

  it('keeps the STUN Contact when told not to follow the registrar', async () => {
    discovery.next = { mapped: { address: '198.51.100.1', port: 40001 }, natType: 'symmetric' };
    const nat = monitor(['stun.example:3478'], false);
    await nat.check();
    expect(nat.recordRegistrarView({ address: '198.51.100.1', port: 40777 })).toBe(false);
    expect(nat.status.contact).toEqual({ address: '198.51.100.1', port: 40001 });
    expect(nat.status.registrarAgrees).toBe(false);
  });

  it('after a network change, forgets the old registrar view so the new mapping wins', async () => {
    discovery.next = { mapped: { address: '198.51.100.1', port: 40001 }, natType: 'cone' };
    const nat = monitor();
    await nat.check();
    nat.recordRegistrarView({ address: '198.51.100.1', port: 40777 });
    expect(nat.status.contactSource).toBe('registrar');
    nat.forgetNetwork('192.168.60.2', endpoint);
    discovery.next = { mapped: { address: '198.51.100.2', port: 40002 }, natType: 'cone' };
    await nat.check();
    expect(nat.status.local).toEqual({ address: '192.168.60.2', port: 5060 });
    expect(nat.status.registrarSees).toBeNull();
    expect(nat.status.contact).toEqual({ address: '198.51.100.2', port: 40002 });
    expect(nat.status.contactSource).toBe('stun');
  });
});

describe('NatMonitor for SIP over a TCP/TLS connection', () => {
  it("never puts the UDP socket's STUN mapping in the Contact: the connection's side instead", async () => {
    discovery.next = { mapped: { address: '198.51.100.1', port: 40001 }, natType: 'cone' };
    const nat = monitor(undefined, undefined, true);
    nat.streamConnected({ address: '192.168.50.2', port: 51000 });
    const status = await nat.check();
    expect(status.mapped).toEqual({ address: '198.51.100.1', port: 40001 });
    expect(status.contact).toEqual({ address: '192.168.50.2', port: 51000 });
    // The registrar's view of the connection wins once it is known.
    nat.recordRegistrarView({ address: '198.51.100.1', port: 38888 });
    expect(nat.status.contact).toEqual({ address: '198.51.100.1', port: 38888 });
    expect(nat.status.contactSource).toBe('registrar');
  });

  it("agrees with the registrar on the public address alone: a connection's port is not the UDP mapping's", async () => {
    discovery.next = { mapped: { address: '198.51.100.1', port: 40001 }, natType: 'cone' };
    const nat = monitor(undefined, undefined, true);
    nat.streamConnected({ address: '192.168.50.2', port: 51000 });
    await nat.check();
    nat.recordRegistrarView({ address: '198.51.100.1', port: 38888 });
    expect(nat.status.registrarAgrees).toBe(true);
    // Another public address than STUN found is still a disagreement.
    nat.recordRegistrarView({ address: '203.0.113.9', port: 38888 });
    expect(nat.status.registrarAgrees).toBe(false);
  });

  it('forgets the registrar view of a connection that was replaced', () => {
    const nat = monitor(undefined, undefined, true);
    nat.streamConnected({ address: '192.168.50.2', port: 51000 });
    nat.recordRegistrarView({ address: '198.51.100.1', port: 38888 });
    nat.streamConnected({ address: '192.168.50.2', port: 51002 });
    expect(nat.status.registrarSees).toBeNull();
    expect(nat.status.contact).toEqual({ address: '192.168.50.2', port: 51002 });
  });
});
