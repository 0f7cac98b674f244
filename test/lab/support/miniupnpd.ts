/**
 * miniupnpd (Debian `miniupnpd-iptables` 2.3.1) as the lab router's port-mapping daemon, NAT-PMP
 * and PCP on 192.168.50.1:5351, UPnP off. Needs a lab made with `portMapping: true` and coturn
 * running: the router's external address 198.51.100.1 is in a reserved range, and miniupnpd
 * forwards nothing there until its own STUN check (`ext_perform_stun`) finds no NAT in front.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINIUPNPD_CHAINS, PUBLIC, type Lab } from './netns-lab.js';
import { waitFor } from './wait.js';

export interface MiniupnpdOptions {
  /** Shortest lifetime granted to a PCP request (miniupnpd's `min_lifetime`), seconds. */
  minLifetimeSeconds?: number;
}

/** One mapping as miniupnpd's lease file records it. */
export interface MiniupnpdLease {
  protocol: string;
  externalPort: number;
  internalAddress: string;
  internalPort: number;
  /** When the mapping expires, seconds since the epoch. */
  expiresAt: number;
  description: string;
}

export interface Miniupnpd {
  process: ChildProcess;
  /** What the daemon logged so far. */
  log(): string;
  /** The lease file: the daemon's own record of the mappings it holds. */
  leases(): MiniupnpdLease[];
  /** `iptables-legacy -S` of its chains in the router: the rules it installed. */
  rules(): { forward: string; dnat: string; snat: string };
}

export async function startMiniupnpd(lab: Lab, options: MiniupnpdOptions = {}): Promise<Miniupnpd> {
  if (lab.routerIptables !== 'iptables-legacy') {
    throw new Error('miniupnpd needs a lab created with portMapping: true');
  }
  const dir = mkdtempSync(join(tmpdir(), 'natter-miniupnpd-'));
  const leaseFile = join(dir, 'leases');
  const config = join(dir, 'miniupnpd.conf');
  writeFileSync(
    config,
    [
      `ext_ifname=${lab.routerWanInterface}`,
      `listening_ip=${lab.routerLanInterface}`,
      'port=0',
      'enable_upnp=no',
      'enable_natpmp=yes',
      'ext_perform_stun=yes',
      `ext_stun_host=${PUBLIC.stunA}`,
      'ext_stun_port=3478',
      `lease_file=${leaseFile}`,
      'secure_mode=yes',
      'system_uptime=no',
      `min_lifetime=${options.minLifetimeSeconds ?? 120}`,
      'max_lifetime=86400',
      'uuid=8d1f6a52-3c1e-4f0b-9a57-6b1f0c2d3e4f',
      'allow 1024-65535 192.168.50.0/24 1024-65535',
      'deny 0-65535 0.0.0.0/0 0-65535',
      '',
    ].join('\n'),
  );
  const child = lab.spawn(lab.router, '/usr/sbin/miniupnpd', [
    '-f',
    config,
    '-d',
    '-P',
    join(dir, 'miniupnpd.pid'),
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = await waitFor(
    () => output.includes('Listening for NAT-PMP/PCP traffic') || child.exitCode !== null,
    15_000,
  );
  if (!ready || child.exitCode !== null) {
    throw new Error(`miniupnpd did not start: ${output.slice(-800)}`);
  }
  if (!output.includes('Port forwarding is now enabled')) {
    throw new Error(`miniupnpd will not forward ports: ${output.slice(-800)}`);
  }
  const iptables = (args: string[]) => lab.exec(lab.router, 'iptables-legacy', args);
  return {
    process: child,
    log: () => output,
    leases: () => (existsSync(leaseFile) ? parseLeases(readFileSync(leaseFile, 'utf8')) : []),
    rules: () => ({
      forward: iptables(['-t', 'filter', '-S', MINIUPNPD_CHAINS.filter]),
      dnat: iptables(['-t', 'nat', '-S', MINIUPNPD_CHAINS.nat]),
      snat: iptables(['-t', 'nat', '-S', MINIUPNPD_CHAINS.postrouting]),
    }),
  };
}

/** Lines of `PROTO:EPORT:IADDR:IPORT:EXPIRES:DESCRIPTION`. */
export function parseLeases(text: string): MiniupnpdLease[] {
  const leases: MiniupnpdLease[] = [];
  for (const line of text.split('\n')) {
    const [protocol, externalPort, internalAddress, internalPort, expiresAt, ...description] =
      line.split(':');
    if (!protocol || description.length === 0) continue;
    leases.push({
      protocol,
      externalPort: Number(externalPort),
      internalAddress: internalAddress ?? '',
      internalPort: Number(internalPort),
      expiresAt: Number(expiresAt),
      description: description.join(':'),
    });
  }
  return leases;
}
