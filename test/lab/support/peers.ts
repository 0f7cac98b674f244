/**
 * Third-party peers in the lab's internet namespace (coturn, sipp) and the natter CLI in its
 * client namespace, with what the provider's side of the wire saw.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLIC, type Lab } from './netns-lab.js';
import { waitFor } from './wait.js';

export { waitFor, delay } from './wait.js';
export { header, sdpOf } from './capture.js';

/** The repository root, from the sources (test/lab/support) or the build (dist/test/lab/support). */
export const REPO = findRepositoryRoot(fileURLToPath(new URL('.', import.meta.url)));

function findRepositoryRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, '..', 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}
export const SCENARIOS = join(REPO, 'test/lab/scenarios');
export const PROVIDER_SIP_PORT = 5060;
export const PROVIDER_MEDIA_PORT = 16000;
export const LAB_USER = '123456_home';
export const LAB_PASSWORD = 'lab-secret-7';

/** coturn as a plain STUN server on the two public addresses (RFC 5780 OTHER-ADDRESS too). */
export async function startCoturn(lab: Lab): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-coturn-'));
  const child = lab.spawn(lab.internet, 'turnserver', [
    '-n',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--stun-only',
    '-L',
    PUBLIC.stunA,
    '-L',
    PUBLIC.stunB,
    '--listening-port',
    '3478',
    '--pidfile',
    join(dir, 'turn.pid'),
    '--log-file',
    'stdout',
    '--simple-log',
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const up = await waitFor(() => {
    const listening = lab.exec(lab.internet, 'ss', ['-uln']);
    return listening.includes(`${PUBLIC.stunA}:3478`) && listening.includes(`${PUBLIC.stunB}:3478`);
  }, 10_000);
  if (!up) throw new Error(`coturn did not start: ${output.slice(-500)}`);
  // Listening is not answering: wait for a Binding response on both addresses.
  for (const server of [PUBLIC.stunA, PUBLIC.stunB]) {
    const answered = await stunBinding(lab, lab.router, `${server}:3478`);
    if (!answered) throw new Error(`coturn does not answer on ${server}: ${output.slice(-500)}`);
  }
  return child;
}

const STUN_PROBE = `
const dgram = require('node:dgram');
const { randomBytes } = require('node:crypto');
const [host, port] = process.argv[1].split(':');
const socket = dgram.createSocket('udp4');
const id = randomBytes(12);
const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), id]);
socket.on('message', (msg) => {
  if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0101 || !msg.subarray(8, 20).equals(id)) return;
  for (let at = 20; at + 4 <= msg.length; ) {
    const type = msg.readUInt16BE(at);
    const length = msg.readUInt16BE(at + 2);
    if (type === 0x0020 && length >= 8) {
      const mappedPort = msg.readUInt16BE(at + 6) ^ 0x2112;
      const address = [0, 1, 2, 3].map((i) => msg[at + 8 + i] ^ msg[4 + i]).join('.');
      console.log(JSON.stringify({ address, port: mappedPort }));
      process.exit(0);
    }
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
});
socket.bind(0, () => {
  const send = () => socket.send(request, Number(port), host);
  send();
  setInterval(send, 250);
  setTimeout(() => process.exit(1), 3000);
});
`;

/**
 * One STUN Binding request from a fresh socket in `ns` to `server` (host:port), independent of
 * the engine: the XOR-MAPPED-ADDRESS it answered, or null after 3 s of silence.
 */
export async function stunBinding(
  lab: Lab,
  ns: string,
  server: string,
): Promise<{ address: string; port: number } | null> {
  const child = lab.spawn(ns, process.execPath, ['-e', STUN_PROBE, server]);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  // 'close', not 'exit': the answer printed just before exiting may still be in the pipe.
  const code = await new Promise<number | null>((resolveExit) =>
    child.once('close', (exitCode) => resolveExit(exitCode)),
  );
  if (code !== 0) return null;
  return JSON.parse(stdout) as { address: string; port: number };
}

export interface SippHandle {
  process: ChildProcess;
  messageLog: string;
  /** Resolves with sipp's exit code. */
  exited: Promise<number | null>;
  messages(): SipTraceEntry[];
  output(): string;
}

export interface SipTraceEntry {
  direction: 'received' | 'sent';
  text: string;
  startLine: string;
}

/**
 * The sipp arguments that load a scenario of ours, with the registration lifetime the registrar
 * grants for scenarios that declare it. The scenarios stay alive a few seconds after answering a
 * REGISTER to re-answer its retransmissions; after that a finished call is forgotten at once, so
 * a refresh or un-REGISTER with the same Call-ID is challenged and answered like a new one.
 */
export function scenarioArgs(scenario: string, expiresSeconds = 300): string[] {
  const file = join(SCENARIOS, scenario);
  const grantsExpires = readFileSync(file, 'utf8').includes('<Global variables="expires" />');
  return [
    '-sf',
    file,
    '-deadcall_wait',
    '500',
    ...(grantsExpires ? ['-set', 'expires', String(expiresSeconds)] : []),
  ];
}

/**
 * sipp as the provider at 198.51.100.10:5060, running one scenario file: as a server, or as a
 * client calling `options.target` (host:port) from the provider's own address and port.
 */
export async function startSipp(
  lab: Lab,
  scenario: string,
  options: {
    extraArgs?: string[];
    calls?: number;
    target?: string;
    expiresSeconds?: number;
    /** Another address of the internet namespace, for a second provider server. */
    address?: string;
  } = {},
): Promise<SippHandle> {
  const address = options.address ?? PUBLIC.provider;
  const dir = mkdtempSync(join(tmpdir(), 'natter-sipp-'));
  const messageLog = join(dir, 'messages.log');
  const args = [
    ...scenarioArgs(scenario, options.expiresSeconds),
    '-i',
    address,
    '-p',
    String(PROVIDER_SIP_PORT),
    '-mi',
    address,
    '-mp',
    String(PROVIDER_MEDIA_PORT),
    '-m',
    String(options.calls ?? 10),
    '-trace_msg',
    '-message_file',
    messageLog,
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    '-nostdin',
    '-timeout',
    '170s',
    ...(options.extraArgs ?? []),
    ...(options.target ? [options.target] : []),
  ];
  const child = lab.spawn(lab.internet, 'sipp', args);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  // A client-mode sipp may finish (and free its port) before the first look.
  const up = await waitFor(
    () =>
      child.exitCode !== null ||
      lab.exec(lab.internet, 'ss', ['-uan']).includes(`${address}:${PROVIDER_SIP_PORT}`),
    10_000,
  );
  if (!up) throw new Error(`sipp did not start: ${output.slice(-800)}`);
  return {
    process: child,
    messageLog,
    exited,
    messages: () => parseSippMessageLog(messageLog),
    output: () => output,
  };
}

/** Splits sipp's `-trace_msg` file into the messages it received and sent. */
export function parseSippMessageLog(path: string): SipTraceEntry[] {
  if (!existsSync(path)) return [];
  const entries: SipTraceEntry[] = [];
  const blocks = readFileSync(path, 'utf8').split(/^-{10,} .*$/m);
  for (const block of blocks) {
    const match = /^\s*UDP message (received|sent) [^\n]*\n([\s\S]*)$/.exec(block);
    if (!match?.[1] || match[2] === undefined) continue;
    const text = match[2].replace(/^\s+/, '');
    entries.push({
      direction: match[1] === 'received' ? 'received' : 'sent',
      text,
      startLine: text.split(/\r?\n/)[0] ?? '',
    });
  }
  return entries;
}

export interface NatterRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | null;
  elapsedMs: number;
}

/** Runs the built natter CLI inside the lab's client namespace. */
export function runNatter(
  lab: Lab,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<NatterRun> {
  const started = Date.now();
  const child = lab.spawn(lab.client, process.execPath, [join(REPO, 'bin/natter.js'), ...args], {
    NATTER_PASSWORD: LAB_PASSWORD,
    ...options.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  return new Promise((resolveRun) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = null;
      }
      resolveRun({ code, stdout, stderr, json, elapsedMs: Date.now() - started });
    });
  });
}

/**
 * Counts the provider side's RTP with iptables rules in the internet namespace: packets from
 * the router's public address to the provider's media port, and back.
 */
export function installRtpCounters(lab: Lab): () => { toProvider: number; fromProvider: number } {
  const port = String(PROVIDER_MEDIA_PORT);
  lab.exec(lab.internet, 'iptables', [
    '-I',
    'INPUT',
    '-p',
    'udp',
    '-d',
    PUBLIC.provider,
    '--dport',
    port,
    '-m',
    'comment',
    '--comment',
    'rtp-in',
  ]);
  lab.exec(lab.internet, 'iptables', [
    '-I',
    'OUTPUT',
    '-p',
    'udp',
    '-s',
    PUBLIC.provider,
    '--sport',
    port,
    '-m',
    'comment',
    '--comment',
    'rtp-out',
  ]);
  return () => ({
    toProvider: lab.counter(lab.internet, 'INPUT', 'rtp-in').packets,
    fromProvider: lab.counter(lab.internet, 'OUTPUT', 'rtp-out').packets,
  });
}

/**
 * sipp's command line for `scenario` on 127.0.0.1:`port` (media on port + 2), ending after
 * `calls` calls, with no keyboard; the caller appends its own options and any target.
 */
export function loopbackSippArgs(scenario: string, port: number, calls: number): string[] {
  return [
    ...scenarioArgs(scenario),
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-mi',
    '127.0.0.1',
    '-mp',
    String(port + 2),
    '-m',
    String(calls),
    '-nostdin',
  ];
}

export interface LoopbackSipp {
  port: number;
  child: ChildProcess;
  /** sipp's message log (`-trace_msg`). */
  log: string;
  output(): string;
}

/**
 * sipp on 127.0.0.1 in this namespace, on a random even port (media on port + 2), for tests that
 * drive the engine in-process rather than through a NAT: as a server, or as a client placing
 * `options.calls` calls to `options.target` (host:port). The caller kills `child`.
 */
export async function startLoopbackSipp(
  scenario: string,
  extraArgs: string[] = [],
  options: { calls?: number; target?: string } = {},
): Promise<LoopbackSipp> {
  // The port is a random pick on a loopback shared with the suites running beside this one:
  // when it (or its media port) is taken, sipp says so at once, and another is picked.
  for (let attempt = 1; ; attempt++) {
    const started = await spawnLoopbackSipp(scenario, extraArgs, options);
    const taken = /Unable to bind .*Address already in use/.test(started.output());
    if (!taken || attempt === 5) return started;
  }
}

async function spawnLoopbackSipp(
  scenario: string,
  extraArgs: string[],
  options: { calls?: number; target?: string },
): Promise<LoopbackSipp> {
  const port = 20000 + Math.floor(Math.random() * 10000) * 2;
  const log = join(mkdtempSync(join(tmpdir(), 'natter-sipp-')), 'messages.log');
  const child = spawn(
    'sipp',
    [
      ...loopbackSippArgs(scenario, port, options.calls ?? 10),
      '-trace_msg',
      '-message_file',
      log,
      '-timeout',
      '60s',
      ...extraArgs,
      ...(options.target ? [options.target] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => existsSync(log) || child.exitCode !== null, 3000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { port, child, log, output: () => output };
}

/**
 * sipp arguments naming a caller: `-set caller NAME` for its display name and, for scenarios
 * whose From user is `[$number][call_number]`, a number of its own, since the phone lets each
 * caller ring only once in a few seconds and two callers must not share one.
 */
export function namedCallerArgs(scenario: string, name: string): string[] {
  const numbered = readFileSync(join(SCENARIOS, scenario), 'utf8').includes('[$number]');
  if (!numbered) return ['-set', 'caller', name];
  callersNumbered = (callersNumbered + 1) % 90;
  return ['-set', 'caller', name, '-set', 'number', `15145551${callersNumbered + 10}`];
}
let callersNumbered = 0;
