import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  addressPresent,
  describeNetworkChange,
  NetworkChangeWatcher,
  type NetworkSnapshot,
} from '../../../src-main/engine/network-change-watcher.js';

const SERVER = { address: '198.51.100.10', port: 5060 };

/** A machine whose interfaces and route the test changes between polls. */
function machine(addresses: string[], route: string | null) {
  const state = { addresses, route };
  const changes: Array<[NetworkSnapshot, NetworkSnapshot]> = [];
  const watcher = new NetworkChangeWatcher({
    server: SERVER,
    pollMs: 1000,
    settleMs: 250,
    onChange: (before, after) => changes.push([before, after]),
    readAddresses: () => [...state.addresses],
    routeToward: async () => {
      if (state.route === null) throw new Error('ENETUNREACH');
      return state.route;
    },
  });
  return { state, changes, watcher };
}

describe('NetworkChangeWatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports nothing while the network holds still', async () => {
    const { changes, watcher } = machine(['eth0/192.168.50.2'], '192.168.50.2');
    await watcher.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(changes).toEqual([]);
    watcher.stop();
  });

  it('reports a move to another network once, within about a second, after it settled', async () => {
    const { state, changes, watcher } = machine(['eth0/192.168.50.2'], '192.168.50.2');
    await watcher.start();
    // The steps of one move, spread over a few hundred milliseconds.
    await vi.advanceTimersByTimeAsync(900);
    state.addresses = [];
    state.route = null;
    await vi.advanceTimersByTimeAsync(200);
    state.addresses = ['wlan0/192.168.60.2'];
    await vi.advanceTimersByTimeAsync(100);
    state.route = '192.168.60.2';
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toHaveLength(1);
    const [before, after] = changes[0]!;
    expect(before).toEqual({ addresses: ['eth0/192.168.50.2'], routeToward: '192.168.50.2' });
    expect(after).toEqual({ addresses: ['wlan0/192.168.60.2'], routeToward: '192.168.60.2' });
    expect(describeNetworkChange(before, after)).toBe(
      'address 192.168.50.2 gone; new address 192.168.60.2; traffic to the provider now leaves from 192.168.60.2',
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(changes).toHaveLength(1);
    watcher.stop();
  });

  it('notices a new route with the same addresses (another gateway), and the loss of every route', async () => {
    const { state, changes, watcher } = machine(
      ['eth0/192.168.50.2', 'wlan0/10.0.0.7'],
      '192.168.50.2',
    );
    await watcher.start();
    state.route = '10.0.0.7';
    await vi.advanceTimersByTimeAsync(1500);
    state.route = null;
    await vi.advanceTimersByTimeAsync(1500);
    expect(changes.map(([before, after]) => describeNetworkChange(before, after))).toEqual([
      'traffic to the provider now leaves from 10.0.0.7',
      'no route to the provider',
    ]);
    watcher.stop();
  });

  it('lets an interface that only appeared beside an unchanged route be', async () => {
    const { state, changes, watcher } = machine(['eth0/192.168.50.2'], '192.168.50.2');
    await watcher.start();
    state.addresses = ['docker0/172.17.0.1', 'eth0/192.168.50.2'];
    await vi.advanceTimersByTimeAsync(3000);
    expect(changes).toEqual([]);
    // The same address on another interface is a move all the same.
    state.addresses = ['docker0/172.17.0.1', 'wlan0/192.168.50.2'];
    await vi.advanceTimersByTimeAsync(1500);
    expect(changes).toHaveLength(1);
    watcher.stop();
  });

  it('keeps watching through looks that fail and a listener that throws', async () => {
    const state = { addresses: ['eth0/192.168.50.2'], unreadable: true };
    const changes: NetworkSnapshot[] = [];
    const watcher = new NetworkChangeWatcher({
      server: SERVER,
      pollMs: 1000,
      settleMs: 250,
      onChange: (_before, after) => {
        changes.push(after);
        throw new Error('a listener that chokes');
      },
      readAddresses: () => {
        if (state.unreadable) throw new Error('getifaddrs failed');
        return [...state.addresses];
      },
      routeToward: async () => state.addresses[0]?.split('/')[1] ?? null,
    });
    // Neither the first look nor the polls that follow may reject: nothing would handle it.
    await watcher.start();
    await vi.advanceTimersByTimeAsync(2_500);
    state.unreadable = false;
    await vi.advanceTimersByTimeAsync(1_000);
    state.addresses = ['wlan0/192.168.60.2'];
    await vi.advanceTimersByTimeAsync(1_500);
    state.addresses = ['eth0/192.168.50.2'];
    await vi.advanceTimersByTimeAsync(1_500);
    expect(changes.map((after) => after.routeToward)).toEqual(['192.168.60.2', '192.168.50.2']);
    watcher.stop();
  });

  it('stops polling when stopped', async () => {
    const { state, changes, watcher } = machine(['eth0/192.168.50.2'], '192.168.50.2');
    await watcher.start();
    watcher.stop();
    state.addresses = ['eth0/192.168.50.3'];
    await vi.advanceTimersByTimeAsync(5000);
    expect(changes).toEqual([]);
  });
});

describe('addressPresent', () => {
  const addresses = ['eth0/192.168.50.2'];
  it('finds a configured address, and never loses the wildcard', () => {
    expect(addressPresent('192.168.50.2', addresses)).toBe(true);
    expect(addressPresent('192.168.50.20', addresses)).toBe(false);
    expect(addressPresent('0.0.0.0', addresses)).toBe(true);
  });
});
