/**
 * A NAT lab in network namespaces: a client behind a router doing iptables NAT, and an
 * "internet" with public addresses where the provider and the STUN servers live.
 *
 * ```
 *  client ns                router ns                         internet ns
 *  192.168.50.2 ── LAN ── 192.168.50.1 | 198.51.100.1 ── WAN ── 198.51.100.10 (provider, STUN A)
 *  (203.0.113.2 when nat = none)                                198.51.100.20 (STUN B)
 *                                                               198.51.100.30 (silent STUN)
 * ```
 * With `secondRouter`, a second router stands beside the first, with its own LAN and public
 * address, for a client that moves between networks:
 * ```
 *  client ns (link down until the move)   router2 ns
 *  192.168.60.2 ─────── LAN2 ─────── 192.168.60.1 | 198.51.100.2 ── WAN2 ── internet ns
 * ```
 * Every name carries a per-run id; `destroy()` removes every namespace and process it made.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export type NatMode = 'none' | 'cone' | 'symmetric';

export interface LabOptions {
  nat: NatMode;
  /** Builds a second router (another LAN, public 198.51.100.2) the client can move to. */
  secondRouter?: boolean;
  /** Packet loss on the router, both directions, in percent. */
  lossPercent?: number;
  /** conntrack UDP timeouts on the router (unreplied and stream), seconds. */
  udpTimeoutSeconds?: number;
  /**
   * Maps every socket with an odd local port (RTCP's, RFC 3550 §11, when SIP's is even) to this
   * one public port, whatever the destination: still a cone, but RTCP's public port is no longer
   * RTP's plus one, as on routers that do not keep the ports they are given.
   */
  oddPortsTo?: number;
  /**
   * Prepares the router for a port-mapping daemon (test/lab/support/miniupnpd.ts): its NAT and
   * filter rules go into the legacy iptables tables, where miniupnpd 2.3.1 writes its own, so
   * that its chains are ordered before the NAT rule instead of racing nftables at the same
   * hook priority (seen here: with the NAT rule in nftables, a mapped socket's packets still
   * left with a random port behind a symmetric NAT). The NAT rule then covers only the LAN, so the router's own traffic (the
   * daemon's STUN check of its external address) keeps its ports even when NAT is symmetric.
   */
  portMapping?: boolean;
  /**
   * Drops what arrives on the WAN for the router itself unasked, as a home router's firewall
   * does (OpenWrt's wan zone). Without it such a datagram (a far party's RTP that beats our
   * first packet to it) leaves a conntrack entry that holds the public port our own mapping
   * toward that party needs, and Linux moves the mapping to another port: audio from the party
   * then reaches nothing.
   */
  wanFirewall?: boolean;
}

/**
 * The chains miniupnpd 2.3.1 fills. Its iptables_init.sh would make them, but Debian's package
 * leaves out the miniupnpd_functions.sh that script sources.
 */
export const MINIUPNPD_CHAINS = {
  nat: 'MINIUPNPD',
  postrouting: 'MINIUPNPD-POSTROUTING',
  filter: 'MINIUPNPD',
} as const;

export const PUBLIC = {
  router: '198.51.100.1',
  secondRouter: '198.51.100.2',
  provider: '198.51.100.10',
  stunA: '198.51.100.10',
  stunB: '198.51.100.20',
  silent: '198.51.100.30',
} as const;

const NAMESPACE_PREFIX = 'ntr';

export class Lab {
  readonly client: string;
  readonly router: string;
  readonly internet: string;
  readonly clientAddress: string;
  /** The client's end of the LAN link. */
  readonly clientInterface: string;
  /** The router's end of the LAN link: traffic as the client sent it, before NAT and loss. */
  readonly routerLanInterface: string;
  /** The router's end of the WAN link: traffic after NAT and loss. */
  readonly routerWanInterface: string;
  /** The internet side of the router's WAN link: where the provider sees the client's traffic. */
  readonly internetInterface: string;
  /** The iptables the router's rules live in: `iptables-legacy` with `portMapping`. */
  readonly routerIptables: 'iptables' | 'iptables-legacy';
  /** The second router's namespace (only with `secondRouter`). */
  readonly secondRouter: string;
  /** The client's end of the second LAN, down until the client moves. */
  readonly secondClientInterface: string;
  readonly secondRouterWanInterface: string;
  /** The internet side of the second router's WAN link. */
  readonly secondInternetInterface: string;
  /** The client's address now: it changes when the client moves or is given another. */
  clientAddressNow: string;
  private readonly processes = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(
    readonly id: string,
    readonly options: LabOptions,
  ) {
    this.client = `${NAMESPACE_PREFIX}${id}-c`;
    this.router = `${NAMESPACE_PREFIX}${id}-r`;
    this.internet = `${NAMESPACE_PREFIX}${id}-i`;
    this.clientAddress = options.nat === 'none' ? '203.0.113.2' : '192.168.50.2';
    this.clientInterface = `nl${id}c`;
    this.routerLanInterface = `nl${id}r`;
    this.routerWanInterface = `nw${id}r`;
    this.internetInterface = `nw${id}i`;
    this.routerIptables = options.portMapping ? 'iptables-legacy' : 'iptables';
    this.secondRouter = `${NAMESPACE_PREFIX}${id}-s`;
    this.secondClientInterface = `nl${id}d`;
    this.secondRouterWanInterface = `nw${id}s`;
    this.secondInternetInterface = `nw${id}j`;
    this.clientAddressNow = this.clientAddress;
  }

  private get namespaces(): string[] {
    return [
      this.client,
      this.router,
      this.internet,
      ...(this.options.secondRouter ? [this.secondRouter] : []),
    ];
  }

  static create(options: LabOptions): Lab {
    installLabCleanup();
    sweepStaleNamespaces();
    const lab = new Lab(randomBytes(3).toString('hex'), options);
    activeLabs.add(lab);
    try {
      lab.build();
    } catch (error) {
      lab.destroy();
      throw error;
    }
    return lab;
  }

  private build(): void {
    const { client, router, internet, options } = this;
    // The owner pid lets a later run sweep the namespaces of a run that crashed.
    writeFileSync(ownerFile(this.id), `${process.pid}\n`);
    for (const ns of [client, router, internet]) {
      run('ip', ['netns', 'add', ns]);
      run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    }
    const [lanC, lanR, wanR, wanI] = [
      this.clientInterface,
      this.routerLanInterface,
      this.routerWanInterface,
      this.internetInterface,
    ];
    addVethPair(lanC, client, lanR, router);
    addVethPair(wanR, router, wanI, internet);
    const lanPrefix = options.nat === 'none' ? '203.0.113' : '192.168.50';
    this.exec(client, 'ip', ['addr', 'add', `${lanPrefix}.2/24`, 'dev', lanC]);
    this.exec(client, 'ip', ['link', 'set', lanC, 'up']);
    this.exec(client, 'ip', ['route', 'add', 'default', 'via', `${lanPrefix}.1`]);
    this.exec(router, 'ip', ['addr', 'add', `${lanPrefix}.1/24`, 'dev', lanR]);
    this.exec(router, 'ip', ['addr', 'add', `${PUBLIC.router}/24`, 'dev', wanR]);
    this.exec(router, 'ip', ['link', 'set', lanR, 'up']);
    this.exec(router, 'ip', ['link', 'set', wanR, 'up']);
    this.exec(router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    for (const address of [PUBLIC.provider, PUBLIC.stunB, PUBLIC.silent]) {
      this.exec(internet, 'ip', ['addr', 'add', `${address}/24`, 'dev', wanI]);
    }
    this.exec(internet, 'ip', ['link', 'set', wanI, 'up']);
    if (options.nat === 'none') {
      this.exec(internet, 'ip', ['route', 'add', '203.0.113.0/24', 'via', PUBLIC.router]);
    } else {
      if (options.portMapping) this.addMiniupnpdChains();
      const masquerade = ['-t', 'nat', '-A', 'POSTROUTING', '-o', wanR];
      if (options.portMapping) masquerade.push('-s', `${lanPrefix}.0/24`);
      masquerade.push('-j', 'MASQUERADE');
      if (options.nat === 'symmetric') masquerade.push('--random-fully');
      if (options.oddPortsTo) {
        // u32: the UDP source port (the header's first 16 bits, after the IP header) is odd.
        // Only the LAN's flows: the lab's own STUN probes from the router (startCoturn's
        // readiness check, from random ports) would otherwise take router:40001 toward each
        // STUN server first, and the phone's RTCP Binding to that server could not be mapped.
        this.exec(router, this.routerIptables, [
          ...['-t', 'nat', '-A', 'POSTROUTING', '-o', wanR, '-s', `${lanPrefix}.0/24`, '-p', 'udp'],
          ...['-m', 'u32', '--u32', '0>>22&0x3C@0>>16&1=1'],
          ...['-j', 'SNAT', '--to-source', `${PUBLIC.router}:${options.oddPortsTo}`],
        ]);
      }
      this.exec(router, this.routerIptables, masquerade);
    }
    if (options.lossPercent) {
      const probability = (options.lossPercent / 100).toFixed(3);
      this.exec(router, this.routerIptables, [
        '-A',
        'FORWARD',
        '-p',
        'udp',
        '-m',
        'statistic',
        '--mode',
        'random',
        '--probability',
        probability,
        '-j',
        'DROP',
      ]);
    }
    if (options.udpTimeoutSeconds) {
      // Linux uses the stream timeout once a flow has seen two-way traffic for 2 s.
      this.exec(router, 'sysctl', [
        '-q',
        '-w',
        `net.netfilter.nf_conntrack_udp_timeout=${options.udpTimeoutSeconds}`,
        `net.netfilter.nf_conntrack_udp_timeout_stream=${options.udpTimeoutSeconds}`,
      ]);
    }
    if (options.wanFirewall && options.nat !== 'none') {
      // Dropped before conntrack confirms it, the datagram leaves no entry behind.
      this.exec(router, this.routerIptables, [
        ...['-A', 'INPUT', '-i', this.routerWanInterface],
        ...['-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'],
      ]);
    }
    // The silent STUN server: packets vanish, no ICMP tells the client anything.
    this.exec(internet, 'iptables', ['-A', 'INPUT', '-d', PUBLIC.silent, '-j', 'DROP']);
    if (options.secondRouter) this.buildSecondRouter();
  }

  private buildSecondRouter(): void {
    const { client, internet, secondRouter: router, options } = this;
    if (options.nat === 'none') throw new Error('a second router needs a NAT mode');
    run('ip', ['netns', 'add', router]);
    this.exec(router, 'ip', ['link', 'set', 'lo', 'up']);
    const lanR = `nl${this.id}s`;
    const [lanC, wanR, wanI] = [
      this.secondClientInterface,
      this.secondRouterWanInterface,
      this.secondInternetInterface,
    ];
    addVethPair(lanC, client, lanR, router);
    addVethPair(wanR, router, wanI, internet);
    this.exec(router, 'ip', ['addr', 'add', '192.168.60.1/24', 'dev', lanR]);
    this.exec(router, 'ip', ['addr', 'add', `${PUBLIC.secondRouter}/24`, 'dev', wanR]);
    this.exec(router, 'ip', ['link', 'set', lanR, 'up']);
    this.exec(router, 'ip', ['link', 'set', wanR, 'up']);
    this.exec(router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    const masquerade = ['-t', 'nat', '-A', 'POSTROUTING', '-o', wanR, '-j', 'MASQUERADE'];
    if (options.nat === 'symmetric') masquerade.push('--random-fully');
    this.exec(router, 'iptables', masquerade);
    // The internet reaches the second router over its own link; the /24 stays on the first.
    this.exec(internet, 'ip', ['link', 'set', wanI, 'up']);
    this.exec(internet, 'ip', ['route', 'add', `${PUBLIC.secondRouter}/32`, 'dev', wanI]);
  }

  /**
   * The client leaves the first router's network for the second's, as a laptop moving from one
   * Wi-Fi to another: its address on the first LAN goes, that link goes down, and it comes up on
   * the second LAN with 192.168.60.2 and a default route through the second router.
   */
  moveClientToSecondRouter(): void {
    if (!this.options.secondRouter) throw new Error('the lab was built without a second router');
    const { client } = this;
    this.exec(client, 'ip', ['addr', 'flush', 'dev', this.clientInterface]);
    this.exec(client, 'ip', ['link', 'set', this.clientInterface, 'down']);
    this.exec(client, 'ip', ['link', 'set', this.secondClientInterface, 'up']);
    this.exec(client, 'ip', ['addr', 'add', '192.168.60.2/24', 'dev', this.secondClientInterface]);
    this.exec(client, 'ip', ['route', 'replace', 'default', 'via', '192.168.60.1']);
    this.clientAddressNow = '192.168.60.2';
  }

  /**
   * The client's address on its LAN is replaced in place (a new DHCP lease): the old address
   * goes, `address` (e.g. 192.168.50.3) comes, the router stays. Old mappings in the router point
   * at an address nobody has any more.
   */
  replaceClientAddress(address: string): void {
    const { client } = this;
    const prefix = this.options.nat === 'none' ? '203.0.113' : '192.168.50';
    this.exec(client, 'ip', [
      'addr',
      'del',
      `${this.clientAddressNow}/24`,
      'dev',
      this.clientInterface,
    ]);
    this.exec(client, 'ip', ['addr', 'add', `${address}/24`, 'dev', this.clientInterface]);
    this.exec(client, 'ip', ['route', 'replace', 'default', 'via', `${prefix}.1`]);
    this.clientAddressNow = address;
  }

  /** Jumps from the WAN side into miniupnpd's (empty) chains, ahead of every other rule. */
  private addMiniupnpdChains(): void {
    const wan = this.routerWanInterface;
    const iptables = (args: string[]) => this.exec(this.router, 'iptables-legacy', args);
    iptables(['-t', 'nat', '-N', MINIUPNPD_CHAINS.nat]);
    iptables(['-t', 'nat', '-N', MINIUPNPD_CHAINS.postrouting]);
    iptables(['-t', 'filter', '-N', MINIUPNPD_CHAINS.filter]);
    iptables(['-t', 'nat', '-A', 'PREROUTING', '-i', wan, '-j', MINIUPNPD_CHAINS.nat]);
    iptables(['-t', 'nat', '-A', 'POSTROUTING', '-o', wan, '-j', MINIUPNPD_CHAINS.postrouting]);
    iptables([
      '-t',
      'filter',
      '-A',
      'FORWARD',
      '-i',
      wan,
      '!',
      '-o',
      wan,
      '-j',
      MINIUPNPD_CHAINS.filter,
    ]);
  }

  /** Runs a command in a namespace and returns its stdout; throws with stderr on failure. */
  exec(ns: string, command: string, args: string[], options: { timeoutMs?: number } = {}): string {
    // Legacy iptables takes /run/xtables.lock, one file for every namespace: with labs side by
    // side it waits (-w) for the lock instead of failing while another lab's rule goes in.
    const lockWait = command === 'iptables-legacy' ? ['-w'] : [];
    return run('ip', ['netns', 'exec', ns, command, ...lockWait, ...args], options.timeoutMs);
  }

  /**
   * Starts a long-running process in a namespace; it is killed by `destroy()`. `stdin: 'pipe'`
   * for a process driven through its standard input.
   */
  spawn(
    ns: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
    options: { stdin?: 'ignore' | 'pipe' } = {},
  ): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
      env: { ...process.env, ...env },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    this.processes.add(child);
    child.once('exit', () => this.processes.delete(child));
    return child;
  }

  /** Packets and bytes an iptables rule counted (rules are added with a comment). */
  counter(ns: string, chain: string, comment: string): { packets: number; bytes: number } {
    const iptables = ns === this.router ? this.routerIptables : 'iptables';
    const listing = this.exec(ns, iptables, ['-L', chain, '-v', '-n', '-x']);
    for (const line of listing.split('\n')) {
      if (line.includes(`/* ${comment} */`)) {
        const [packets, bytes] = line.trim().split(/\s+/);
        return { packets: Number(packets), bytes: Number(bytes) };
      }
    }
    throw new Error(`no iptables rule "${comment}" in ${ns}/${chain}`);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const child of this.processes) child.kill('SIGKILL');
    for (const ns of this.namespaces) removeNamespace(ns);
    rmSync(ownerFile(this.id), { force: true });
    activeLabs.delete(this);
  }
}

/** Builds a lab (see {@link Lab}); the caller must `destroy()` it, also when a test fails. */
export function createLab(options: LabOptions): Lab {
  return Lab.create(options);
}

/** Kills every process still inside the namespace, then removes it. */
function removeNamespace(ns: string): void {
  try {
    const pids = run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // not created, or already removed
  }
  try {
    run('ip', ['netns', 'del', ns]);
  } catch {
    // not created, or already removed
  }
}

function run(command: string, args: string[], timeoutMs = 15_000): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

function ownerFile(id: string): string {
  return `/run/natter-lab-${id}.pid`;
}

/** A veth link between two namespaces: `a` in `aNamespace`, its peer `b` in `bNamespace`. */
function addVethPair(a: string, aNamespace: string, b: string, bNamespace: string): void {
  run('ip', [
    'link',
    'add',
    a,
    'netns',
    aNamespace,
    'type',
    'veth',
    'peer',
    'name',
    b,
    'netns',
    bNamespace,
  ]);
}

/** Removes namespaces left by lab runs whose process is gone. */
function sweepStaleNamespaces(): void {
  let names: string[];
  try {
    names = run('ip', ['netns', 'list'])
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '');
  } catch {
    return;
  }
  for (const name of names) {
    const match = new RegExp(`^${NAMESPACE_PREFIX}([0-9a-f]{6})-[cris]$`).exec(name);
    if (!match?.[1]) continue;
    let owner = NaN;
    try {
      owner = Number(readFileSync(ownerFile(match[1]), 'utf8').trim());
    } catch {
      // no owner file: stale
    }
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) continue;
    removeNamespace(name);
    rmSync(ownerFile(match[1]), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const activeLabs = new Set<Lab>();
let cleanupInstalled = false;

/** Removes every lab of this process on exit or on a signal. */
export function installLabCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const cleanup = () => {
    for (const lab of [...activeLabs]) lab.destroy();
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
}
