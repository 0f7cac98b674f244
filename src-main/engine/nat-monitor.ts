import type { AddressSource, NatStatus, TransportAddress } from '../../src-shared/domain.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import {
  contactStrategyId,
  natStrategy,
  type NatSettings,
  type NatStrategy,
} from '../nat/index.js';

export interface NatMonitorOptions {
  /** What the NAT strategies read; the contact strategy is picked from it. */
  nat: NatSettings;
  keepaliveSeconds: number;
  /** The local address traffic to the provider leaves from. */
  localAddress: string;
  /** False: the Contact ignores what the registrar reports (see EngineOptions). */
  followRegistrar?: boolean;
  /**
   * SIP runs over a TCP or TLS connection: the Contact is that connection's address as the
   * registrar sees it, or its local address until then. The socket's STUN mapping (UDP) says
   * nothing about a TCP flow, and no STUN runs on the connection.
   */
  stream?: boolean;
  /** Where the contact strategy tells what it did (a router's mapping refused, lost, moved). */
  log?: (level: 'info' | 'warn', message: string) => void;
}

export function sameAddress(a: TransportAddress | null, b: TransportAddress | null): boolean {
  return a !== null && b !== null && a.address === b.address && a.port === b.port;
}

/**
 * What the network does to the SIP socket: its STUN mapping and NAT type, what the registrar
 * reports seeing, and from those the address the Contact header must carry.
 */
export class NatMonitor {
  private current: NatStatus;
  private strategy: NatStrategy;

  constructor(
    private endpoint: UdpEndpoint,
    private options: NatMonitorOptions,
  ) {
    this.strategy = this.pickStrategy();
    this.current = {
      local: { address: options.localAddress, port: endpoint.bound.port },
      mapped: null,
      natType: 'unknown',
      servers: [],
      checkedAt: new Date().toISOString(),
      registrarSees: null,
      registrarAgrees: null,
      contact: null,
      contactSource: null,
      keepaliveSeconds: options.keepaliveSeconds,
    };
  }

  get status(): NatStatus {
    return this.current;
  }

  /** Whether the contact strategy learns a public address (and so is worth re-checking). */
  get mapsContact(): boolean {
    return this.strategy.mapsContact;
  }

  /** The settings changed: the contact strategy is picked again, used from the next check. */
  configure(settings: NatSettings): void {
    this.options = { ...this.options, nat: settings };
    void this.strategy.release?.();
    this.strategy = this.pickStrategy();
  }

  /** Gives back what the contact strategy holds (a router's mapping); bounded, never throws. */
  async close(): Promise<void> {
    await this.strategy.release?.();
  }

  private pickStrategy(): NatStrategy {
    return natStrategy(contactStrategyId(this.options.nat), {
      settings: this.options.nat,
      localAddress: this.options.localAddress,
      bindAddress: this.endpoint.bound.address,
      ...(this.options.log ? { log: this.options.log } : {}),
    });
  }

  /** Asks the contact strategy, from the SIP socket itself, and recomputes the Contact address. */
  async check(): Promise<NatStatus> {
    const mapping = await this.strategy.discoverContact(this.endpoint);
    this.update({ mapped: mapping.mapped, natType: mapping.natType, servers: mapping.servers });
    return this.current;
  }

  /**
   * After a network change: what was learned about the old network is forgotten (the
   * registrar's view above all, which would otherwise keep winning over the new mapping), and
   * the socket's local address is the one traffic leaves from now; `endpoint` is the socket
   * itself, a new one if the old one's address is gone.
   */
  forgetNetwork(localAddress: string, endpoint: UdpEndpoint): void {
    this.options = { ...this.options, localAddress };
    this.endpoint = endpoint;
    // The strategy learns the new network's side: its environment names the local address.
    this.strategy = this.pickStrategy();
    this.update({
      ...(this.options.stream
        ? {}
        : { local: { address: localAddress, port: endpoint.bound.port } }),
      mapped: null,
      natType: 'unknown',
      servers: [],
      registrarSees: null,
    });
  }

  /**
   * The SIP connection is (again) up from `local`: a new flow, whose public side the registrar
   * has not reported yet.
   */
  streamConnected(local: TransportAddress): void {
    this.update({ local, registrarSees: null });
  }

  /** Records the registrar's view (Via received/rport, RFC 3581); true if the Contact must change. */
  recordRegistrarView(seen: TransportAddress): boolean {
    const before = this.current.contact;
    this.update({ registrarSees: seen });
    return !sameAddress(before, this.current.contact);
  }

  private update(patch: Partial<NatStatus>): void {
    const next: NatStatus = { ...this.current, ...patch, checkedAt: new Date().toISOString() };
    next.registrarAgrees =
      next.registrarSees && next.mapped ? this.agrees(next.registrarSees, next.mapped) : null;
    const { address, source } = this.chooseContact(next);
    next.contact = address;
    next.contactSource = source;
    this.current = next;
  }

  /**
   * Whether what the registrar sees matches the STUN mapping. Over TCP or TLS the registrar sees
   * the connection's public side, whose port no UDP mapping foretells: only the addresses compare.
   */
  private agrees(seen: TransportAddress, mapped: TransportAddress): boolean {
    return this.options.stream ? seen.address === mapped.address : sameAddress(seen, mapped);
  }

  /**
   * The registrar's view wins over STUN when both are known and differ: it is the mapping toward
   * the registrar itself, the one incoming requests arrive through (a symmetric NAT gives the STUN
   * server another port). Without NAT help the Contact stays local: that is the user's choice,
   * and the doctor's "test without NAT help" depends on it.
   */
  private chooseContact(status: NatStatus): { address: TransportAddress; source: AddressSource } {
    const local = status.local;
    if (!this.mapsContact) return { address: local, source: 'local' };
    const follow = this.options.followRegistrar !== false;
    if (follow && status.registrarSees && !sameAddress(status.registrarSees, local)) {
      if (!status.mapped || !sameAddress(status.registrarSees, status.mapped)) {
        return { address: status.registrarSees, source: 'registrar' };
      }
    }
    if (this.options.stream) return { address: local, source: 'local' };
    if (status.mapped && status.natType !== 'open')
      return { address: status.mapped, source: 'stun' };
    return { address: local, source: 'local' };
  }
}
