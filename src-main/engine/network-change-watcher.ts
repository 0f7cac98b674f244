import { networkInterfaces } from 'node:os';
import type { TransportAddress } from '../../src-shared/domain.js';
import { localAddressToward } from '../net/udp-endpoint.js';

/** What one look at the machine's network shows: enough to tell that it changed. */
export interface NetworkSnapshot {
  /** Up, non-loopback IPv4 addresses as `interface/address`, sorted. */
  addresses: string[];
  /** The source address the kernel picks toward the registrar; null without a route. */
  routeToward: string | null;
}

export interface NetworkChangeWatcherOptions {
  /** The registrar: the route toward it is part of what is watched. */
  server: TransportAddress;
  /** Milliseconds between looks; a look costs one getifaddrs and one unsent UDP connect. */
  pollMs: number;
  /**
   * A change is reported once two looks this far apart agree, so that the few steps of one
   * move (address gone, link down, new address, new route) make one report, not four.
   */
  settleMs: number;
  onChange: (before: NetworkSnapshot, after: NetworkSnapshot) => void;
  /** Stand-ins for the machine, for tests. */
  readAddresses?: () => string[];
  routeToward?: (server: TransportAddress) => Promise<string | null>;
}

/**
 * Notices within about a second that the machine moved to another network or got another
 * address, by polling the interface list and the route toward the registrar. Without it the
 * engine learns of a move only at its next keepalive tick, tens of seconds later.
 */
export class NetworkChangeWatcher {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last: NetworkSnapshot | null = null;
  private stopped = false;

  constructor(private readonly options: NetworkChangeWatcherOptions) {}

  /** Takes the first look (the baseline) and starts polling. */
  async start(): Promise<void> {
    try {
      this.last = await this.look();
    } catch {
      // No baseline yet: the first look that works takes it.
    }
    this.schedule(this.options.pollMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.pollThenSchedule(), ms);
    this.timer.unref?.();
  }

  /**
   * One failed look (an interface list the system would not give, a listener's own fault) must
   * not end the watch: the next look comes as always.
   */
  private async pollThenSchedule(): Promise<void> {
    try {
      await this.poll();
    } catch {
      // Nothing to report: the next look decides.
    }
    this.schedule(this.options.pollMs);
  }

  private async poll(): Promise<void> {
    const before = this.last;
    let now = await this.look();
    if (before && !sameSnapshot(before, now)) {
      // Wait until the network holds still, bounded: a network that keeps flapping is reported
      // as it is after a few looks.
      for (let looks = 0; looks < 10 && !this.stopped; looks++) {
        await delay(this.options.settleMs);
        const next = await this.look();
        if (sameSnapshot(next, now)) break;
        now = next;
      }
      this.last = now;
      if (!this.stopped && movedAway(before, now)) this.options.onChange(before, now);
    } else {
      this.last = now;
    }
  }

  private async look(): Promise<NetworkSnapshot> {
    const routeToward = this.options.routeToward ?? routeTowardServer;
    return {
      addresses: (this.options.readAddresses ?? readInterfaceAddresses)(),
      routeToward: await routeToward(this.options.server).catch(() => null),
    };
  }
}

export function sameSnapshot(a: NetworkSnapshot, b: NetworkSnapshot): boolean {
  return (
    a.routeToward === b.routeToward &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((entry, i) => entry === b.addresses[i])
  );
}

/**
 * Whether the change can affect our traffic: the route toward the registrar changed or an
 * address went away (also the same address on another interface, a move between two networks
 * that both hand it out). An interface that only appeared (a VPN, a container bridge) beside an
 * unchanged route does not make the phone register again.
 */
export function movedAway(before: NetworkSnapshot, after: NetworkSnapshot): boolean {
  return (
    before.routeToward !== after.routeToward ||
    before.addresses.some((entry) => !after.addresses.includes(entry))
  );
}

/** Whether `address` is configured on an interface that is up now (0.0.0.0 always is). */
export function addressPresent(
  address: string,
  addresses: string[] = readInterfaceAddresses(),
): boolean {
  return address === '0.0.0.0' || addresses.some((entry) => entry.endsWith(`/${address}`));
}

/** The machine's up, non-loopback IPv4 addresses as `interface/address`, sorted. */
export function readInterfaceAddresses(): string[] {
  const entries: string[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal)
        entries.push(`${name}/${address.address}`);
    }
  }
  return entries.sort();
}

async function routeTowardServer(server: TransportAddress): Promise<string | null> {
  return localAddressToward(server.address, server.port);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });
}

/** What changed between two looks, in a few words for the log and the NAT panel. */
export function describeNetworkChange(before: NetworkSnapshot, after: NetworkSnapshot): string {
  const address = (entry: string) => entry.slice(entry.indexOf('/') + 1);
  const gone = before.addresses.filter((entry) => !after.addresses.includes(entry));
  const added = after.addresses.filter((entry) => !before.addresses.includes(entry));
  const parts: string[] = [];
  if (gone.length > 0) parts.push(`address ${gone.map(address).join(', ')} gone`);
  if (added.length > 0) parts.push(`new address ${added.map(address).join(', ')}`);
  if (before.routeToward !== after.routeToward) {
    parts.push(
      after.routeToward === null
        ? 'no route to the provider'
        : `traffic to the provider now leaves from ${after.routeToward}`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : 'the network changed';
}
