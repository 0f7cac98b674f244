/**
 * Kamailio as the lab's provider: registrar and proxy at 198.51.100.10:5060 in the internet
 * namespace, with digest auth (qop=auth, nonces that expire), `force_rport`, nathelper's NAT
 * test and an in-memory location table. Behind it, the "carrier" at 198.51.100.20: a callee for
 * calls to any number and a caller for calls to the registered user, both sipp; parties that
 * register from that address (trusted there without digest, as the carrier is) are called at
 * their contacts, as the registered user is.
 *
 * The config is test/lab/kamailio/registrar.cfg with its placeholders filled per run; the user
 * table is a db_text directory written beside it. What Kamailio stored is read back with
 * `kamcmd ul.dump` over the run's control socket.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBLIC, type Lab } from './netns-lab.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  parseSippMessageLog,
  PROVIDER_SIP_PORT,
  REPO,
  SCENARIOS,
  type SippHandle,
} from './peers.js';
import { waitFor } from './wait.js';

/** The carrier's side of the provider: where the callee answers and the caller calls from. */
export const CARRIER = {
  address: PUBLIC.stunB,
  calleePort: 5060,
  calleeMediaPort: 16200,
  callerPort: 5062,
  callerMediaPort: 16300,
} as const;

export interface LocationContact {
  /** The Contact URI as the registrar stored it. */
  address: string;
  /** host:port of that URI. */
  hostPort: { address: string; port: number } | null;
  /** Seconds left, as Kamailio reports them. */
  expires: number;
  /** Branch flags: the NAT flag (bit 6) is set when nathelper's test found a NAT. */
  cflags: number;
  /** The source address Kamailio saw, when a config stores it ("[not set]" here). */
  received: string | null;
}

export interface KamailioHandle {
  process: ChildProcess;
  dir: string;
  /** The registered user's contacts in Kamailio's location table, now. */
  location(user?: string): LocationContact[];
  output(): string;
}

export interface KamailioOptions {
  /** Seconds a digest nonce stays valid (auth module's `nonce_expire`). */
  nonceExpireSeconds?: number;
  /** The digest algorithm of the challenges (auth module's `algorithm`); MD5 by default. */
  digestAlgorithm?: 'MD5' | 'SHA-256';
  /**
   * Also listen on TCP 5060 and TLS 5061, presenting this certificate (PEM files). Connections
   * live an hour unless closed: the router's timeouts are what the tests judge, not Kamailio's.
   */
  tls?: { certFile: string; keyFile: string };
  /**
   * Numbers routed elsewhere than the carrier's callee, as number → SIP URI (a second party
   * behind the provider, e.g. a transfer's target).
   */
  numberRoutes?: Record<string, string>;
}

export const PROVIDER_TLS_PORT = 5061;

function streamSettings(tls: KamailioOptions['tls']): { listeners: string; modules: string } {
  if (!tls) return { listeners: 'disable_tcp=yes', modules: '' };
  return {
    listeners: [
      `listen=tcp:${PUBLIC.provider}:5060`,
      `listen=tls:${PUBLIC.provider}:${PROVIDER_TLS_PORT}`,
      'enable_tls=yes',
      'tcp_connection_lifetime=3605',
      'tcp_accept_no_cl=no',
    ].join('\n'),
    modules: [
      'loadmodule "tls.so"',
      `modparam("tls", "certificate", "${tls.certFile}")`,
      `modparam("tls", "private_key", "${tls.keyFile}")`,
      'modparam("tls", "tls_method", "TLSv1.2+")',
      'modparam("tls", "verify_certificate", 0)',
      'modparam("tls", "require_certificate", 0)',
    ].join('\n'),
  };
}

/** The NAT branch flag the config sets when nathelper's `nat_uac_test` detects a NAT. */
export const NAT_BRANCH_FLAG = 1 << 6;

/** Starts Kamailio in the internet namespace; resolves once it answers on its control socket. */
export async function startKamailio(
  lab: Lab,
  options: KamailioOptions = {},
): Promise<KamailioHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-kamailio-'));
  const db = join(dir, 'db');
  mkdirSync(db);
  // db_text tables: a header line of typed columns, then rows separated by ':'.
  writeFileSync(join(db, 'version'), 'table_name(string) table_version(int) \nsubscriber:7\n');
  writeFileSync(
    join(db, 'subscriber'),
    `id(int,auto) username(string) domain(string,null) password(string) \n1:${LAB_USER}:${PUBLIC.provider}:${LAB_PASSWORD}\n`,
  );
  const stream = streamSettings(options.tls);
  const fill: Record<string, string> = {
    STREAM_LISTENERS: stream.listeners,
    STREAM_MODULES: stream.modules,
    PROVIDER_ADDR: `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
    PROVIDER_HOST: PUBLIC.provider,
    CARRIER_ADDR: CARRIER.address,
    CALLEE_URI: `sip:${CARRIER.address}:${CARRIER.calleePort}`,
    RUN_DIR: dir,
    NONCE_EXPIRE: String(options.nonceExpireSeconds ?? 300),
    DIGEST_ALGORITHM: options.digestAlgorithm ?? 'MD5',
    NUMBER_ROUTES: Object.entries(options.numberRoutes ?? {})
      .map(([number, uri]) => `if ($rU == "${number}") { $du = "${uri}"; route(RELAY); }`)
      .join(' '),
    LAB_USER,
  };
  let config = readFileSync(join(REPO, 'test/lab/kamailio/registrar.cfg'), 'utf8');
  for (const [name, value] of Object.entries(fill)) config = config.replaceAll(name, value);
  const configFile = join(dir, 'kamailio.cfg');
  writeFileSync(configFile, config);
  const child = lab.spawn(lab.internet, 'kamailio', [
    '-DD',
    '-E',
    '-f',
    configFile,
    '-P',
    join(dir, 'kamailio.pid'),
    '-Y',
    dir,
    '-m',
    '32',
    '-M',
    '8',
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const control = `unix:${join(dir, 'kamailio_ctl')}`;
  const dump = (): string =>
    execFileSync('kamcmd', ['-s', control, 'ul.dump'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const up = await waitFor(() => {
    if (child.exitCode !== null) return true;
    try {
      return dump().includes('location');
    } catch {
      return false;
    }
  }, 10_000);
  if (!up || child.exitCode !== null) {
    throw new Error(`kamailio did not start: ${output.slice(-1500)}`);
  }
  return {
    process: child,
    dir,
    location: (user = LAB_USER) => parseLocation(dump(), user),
    output: () => output,
  };
}

/** The contacts of one AoR in `kamcmd ul.dump`'s text output. */
export function parseLocation(dump: string, user: string): LocationContact[] {
  const aor = new RegExp(`AoR:\\s*${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm');
  const start = dump.search(aor);
  if (start < 0) return [];
  const next = dump.indexOf('AoR:', start + 4);
  const section = dump.slice(start, next < 0 ? undefined : next);
  return section
    .split(/\bContact:\s*\{/)
    .slice(1)
    .map((block) => {
      const field = (name: string) =>
        new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
      const address = field('Address');
      const match = /sips?:(?:[^@>;]*@)?([\d.]+)(?::(\d+))?/.exec(address);
      const received = field('Received');
      return {
        address,
        hostPort: match?.[1]
          ? { address: match[1], port: match[2] ? Number(match[2]) : 5060 }
          : null,
        expires: Number(field('Expires')),
        cflags: Number(field('CFlags') || 0),
        received: received === '' || received.startsWith('[not set]') ? null : received,
      };
    });
}

/**
 * sipp on the carrier's side: the callee (a server answering calls the registrar forwards) or
 * the caller (calling `user` through the registrar). Both echo RTP (`-rtp_echo`). Another party
 * behind the provider (a transfer's target) is a callee on a `port` and `mediaPort` of its own,
 * running its own `scenario` for up to `calls` calls.
 */
export async function startCarrier(
  lab: Lab,
  role: 'callee' | 'caller',
  options: {
    user?: string;
    scenario?: string;
    port?: number;
    mediaPort?: number;
    calls?: number;
  } = {},
): Promise<SippHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-carrier-'));
  const messageLog = join(dir, 'messages.log');
  const port = options.port ?? (role === 'callee' ? CARRIER.calleePort : CARRIER.callerPort);
  const mediaPort =
    options.mediaPort ?? (role === 'callee' ? CARRIER.calleeMediaPort : CARRIER.callerMediaPort);
  const scenario =
    options.scenario ?? (role === 'callee' ? 'kamailio-callee.xml' : 'kamailio-caller.xml');
  const args = [
    '-sf',
    join(SCENARIOS, scenario),
    '-i',
    CARRIER.address,
    '-p',
    String(port),
    '-mi',
    CARRIER.address,
    '-mp',
    String(mediaPort),
    '-m',
    String(options.calls ?? 1),
    '-rtp_echo',
    '-trace_msg',
    '-message_file',
    messageLog,
    '-nostdin',
    '-timeout',
    '60s',
    ...(role === 'caller'
      ? ['-s', options.user ?? LAB_USER, `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`]
      : []),
  ];
  const child = lab.spawn(lab.internet, 'sipp', args);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  const up = await waitFor(
    () =>
      child.exitCode !== null ||
      lab.exec(lab.internet, 'ss', ['-uan']).includes(`${CARRIER.address}:${port}`),
    10_000,
  );
  if (!up) throw new Error(`sipp (${role}, ${scenario}) did not start: ${output.slice(-800)}`);
  return {
    process: child,
    messageLog,
    exited,
    messages: () => parseSippMessageLog(messageLog),
    output: () => output,
  };
}
