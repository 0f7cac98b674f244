/**
 * `npm run bench`: speed and cost of the engine, measured in the NAT lab (root and the lab's
 * Debian packages needed), with baresip measured beside it where it can do the same thing.
 * Prints one table; ratios and medians, since the machine is shared and noisy.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installLabCleanup, Lab, PUBLIC } from '../lab/support/netns-lab.js';
import {
  REPO,
  LAB_PASSWORD,
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  startCoturn,
  startSipp,
} from '../lab/support/peers.js';
import { BRIDGE_RELAY_THREAD, measureAppCost, type CpuShare } from './app-cost.js';
import { measureAudioFloors } from './audio-floors.js';
import { measureRelayLatency } from './relay-latency.js';
import { measureRescueRecovery } from './rescue-recovery.js';
import { measureNetworkChangeTimes } from './network-change-time.js';
import { measureInviteFlood } from './invite-flood.js';
import { measureSrtpCost } from './srtp-cost.js';
import { measureTlsRegister } from './tls-register.js';
import { boundedExit, describeEnd, type PeerEnd } from './bounded-exit.js';
import {
  formatSummary,
  readProfileFrom,
  summariseProfile,
  type CpuProfile,
} from './cpu-profile.js';
import { median, percentile, round } from './stats.js';
import useRunTempDir from '../support/run-temp-dir.js';

/**
 * Where profiles and a call's output are left for the reader: the bench's own temporary
 * directory, not the run's scratch, which is removed at the end.
 */
const KEPT_DIR = tmpdir();
const WORKER = join(REPO, 'dist/test/bench/bench-worker.js');
const NODE_FLOOR = join(REPO, 'dist/test/bench/node-floor.js');
/** BENCH_NODE_FLOOR=0 leaves out the bare Node process measured after the two phones. */
const MEASURE_NODE_FLOOR = process.env.BENCH_NODE_FLOOR !== '0';
const PACING_SECONDS = Number(process.env.BENCH_PACING_SECONDS ?? 30);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
/** How many calls the `load` rows run at once, each a row: BENCH_LOAD_CALLS=10 for one. */
const LOAD_CALLS = (process.env.BENCH_LOAD_CALLS ?? '1,10,50').split(',').map(Number);
const RELAY_SECONDS = Number(process.env.BENCH_RELAY_SECONDS ?? 10);
const APP_SECONDS = Number(process.env.BENCH_APP_SECONDS ?? 20);
const RESCUE_RUNS = Number(process.env.BENCH_RESCUE_RUNS ?? 5);
const NETCHANGE_RUNS = Number(process.env.BENCH_NETCHANGE_RUNS ?? 5);
const FLOOD_RATE = Number(process.env.BENCH_FLOOD_RATE ?? 500);
const FLOOD_SECONDS = Number(process.env.BENCH_FLOOD_SECONDS ?? 10);
const SRTP_SECONDS = Number(process.env.BENCH_SRTP_SECONDS ?? 10);
const SRTP_RUNS = Number(process.env.BENCH_SRTP_RUNS ?? 5);
const FLOOR_SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 20);
const FLOOR_ROUNDS = Number(process.env.BENCH_FLOOR_ROUNDS ?? 3);
/**
 * BENCH_ONLY=relay (or a comma list of stun, invite, pacing, load, relay, rescue, netchange, app,
 * invite-flood, srtp, tls-register, audio-floors)
 * runs just those; `audio-floors` runs only when named (its rounds take minutes).
 */
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
/**
 * BENCH_PROFILE=1 profiles the CPU of Natter's calls in `pacing` and `load` (V8's sampler, so
 * their CPU figures include the profiler's cost): each profile is written as a .cpuprofile and
 * its top self-time entries are printed.
 */
const PROFILE = process.env.BENCH_PROFILE === '1';
/**
 * BENCH_NATTER_NODE_FLAGS="--trace-gc --v8-pool-size=1" gives the Natter call of `pacing` those
 * Node and V8 flags on its command line, where flags V8 reads only at start-up take effect.
 */
const NATTER_NODE_FLAGS = (process.env.BENCH_NATTER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
/** The parts measured in the NAT lab; `app` runs Chromium and the engine on loopback. */
const LAB_SECTIONS = ['stun', 'invite', 'pacing', 'load', 'relay'];
/**
 * Each builds a lab of its own per run: `rescue` breaks the router's mapping, and a client
 * `netchange` moved cannot be moved back in place.
 */
const OWN_LAB_SECTIONS = ['rescue', 'netchange'];
const SECTIONS = [
  ...LAB_SECTIONS,
  ...OWN_LAB_SECTIONS,
  'app',
  'invite-flood',
  'srtp',
  'tls-register',
  'audio-floors',
];
/** Sections a run without BENCH_ONLY leaves out. */
const NAMED_ONLY_SECTIONS = ['audio-floors'];
const TLS_REGISTER_RUNS = Number(process.env.BENCH_TLS_REGISTER_RUNS ?? 10);
const runs = (section: string): boolean =>
  ONLY.includes(section) || (ONLY.length === 0 && !NAMED_ONLY_SECTIONS.includes(section));
const SERVER = `${PUBLIC.provider}:5060`;
const STUN = `${PUBLIC.stunA}:3478`;

interface Row {
  measure: string;
  natter: string;
  target: string;
  baresip?: string;
  ratio?: string;
}

function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function worker(
  lab: Lab,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Record<string, number>> {
  progress(`measuring ${args[0]} ${args[3] ?? ''}`.trim());
  const child = lab.spawn(lab.client, process.execPath, [WORKER, ...args], {
    NATTER_PASSWORD: LAB_PASSWORD,
    ...env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // No task of the worker takes minutes; one that does is stuck, and the bench says so.
  const ended = peerEnd(child, WORKER_MAX_MS);
  return ended.then((end) => {
    if (end !== 'exited') {
      throw new Error(`worker ${args[0]}: ${stoppedNote('worker', end)}`);
    }
    if (child.exitCode !== 0) throw new Error(`worker ${args[0]} failed: ${stderr.trim()}`);
    return JSON.parse(stdout) as Record<string, number>;
  });
}

/** The longest a bench worker's task may run: fifty calls' set-up and the load window. */
const WORKER_MAX_MS = 120_000 + LOAD_SECONDS * 1000;

/** How long past its expected end a spawned peer may run before the bench stops it. */
const PEER_GRACE_MS = 10_000;

/** Waits for a peer due to end `runMs` from now, stopping it once it ran the grace past that. */
function peerEnd(child: ChildProcess, runMs: number): Promise<PeerEnd> {
  return boundedExit(child, { expectedEndAt: Date.now() + runMs, graceMs: PEER_GRACE_MS });
}

/** What a row says of a peer that had to be stopped; empty when it ended by itself. */
function stoppedNote(name: string, end: PeerEnd): string {
  return describeEnd(name, end, PEER_GRACE_MS);
}

/** Captures the client's RTP as the provider receives it and returns the arrival intervals. */
function capture(lab: Lab, seconds: number): { done: Promise<number[]>; end: Promise<PeerEnd> } {
  const file = join(mkdtempSync(join(tmpdir(), 'natter-bench-')), 'rtp.pcap');
  const child = lab.spawn(lab.internet, 'tshark', [
    '-q',
    '-i',
    lab.internetInterface,
    '-a',
    `duration:${seconds}`,
    '-w',
    file,
    '-f',
    `udp and src host ${PUBLIC.router} and dst port ${PROVIDER_MEDIA_PORT}`,
  ]);
  const end = peerEnd(child, seconds * 1000);
  const done = new Promise<number[]>((resolveDone) => {
    void end.then(() => {
      chmodReadable(file);
      const times = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch'], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean)
        .map((line) => Number(line) * 1000);
      resolveDone(times.slice(1).map((t, i) => t - (times[i] ?? t)));
    });
  });
  return { done, end };
}

function chmodReadable(file: string): void {
  try {
    execFileSync('chmod', ['a+r', file]);
  } catch {
    // tshark ran as root and wrote a readable file already
  }
}

function deviation(intervals: number[]): { p50: number; p99: number } {
  // Skip the first second: call set-up, not steady pacing.
  const steady = intervals.slice(50).map((interval) => Math.abs(interval - 20));
  return { p50: percentile(steady, 50), p99: percentile(steady, 99) };
}

/** A fresh directory for one profile, or null when not profiling. */
function profileDir(): string | null {
  return PROFILE ? mkdtempSync(join(KEPT_DIR, 'natter-profile-')) : null;
}

function reportProfile(
  title: string,
  profile: CpuProfile,
  window: { fromMs?: number; toMs?: number } = {},
): void {
  progress(formatSummary(title, summariseProfile(profile, window)));
}

interface PacingRun {
  p50: number;
  p99: number;
  cpu: number;
  wakeups: number;
  /** Which peers had to be stopped (the phone, the capture); empty when all ended in time. */
  stopped: string;
}

/** The notes of peers that had to be stopped, for a row. */
function stoppedNotes(notes: string[]): string {
  return notes.filter(Boolean).join('; ');
}

async function natterPacing(lab: Lab): Promise<PacingRun> {
  const captured = capture(lab, PACING_SECONDS - 2);
  const profiles = profileDir();
  const child = lab.spawn(
    lab.client,
    process.execPath,
    [
      ...NATTER_NODE_FLAGS,
      ...(profiles ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []),
      join(REPO, 'bin/natter.js'),
      'call',
      '4443',
      '--server',
      SERVER,
      '--user',
      LAB_USER,
      '--stun',
      STUN,
      '--seconds',
      String(PACING_SECONDS),
    ],
    { NATTER_PASSWORD: LAB_PASSWORD },
  );
  const spawnedAt = Date.now();
  // What V8 prints for tracing flags (--trace-opt) goes to stdout: kept in a file to read after,
  // each chunk stamped with its arrival since spawning, since most of V8's traces carry no time.
  let output = '';
  if (NATTER_NODE_FLAGS.length > 0) {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += `@${Date.now() - spawnedAt} ms\n${chunk.toString()}`;
    });
  }
  // Its progress on stderr says when the call is answered: the CPU window starts there.
  await outputLine(child.stderr, /^Connected/, 'natter never said the call was connected');
  // `--seconds` counts from the answer.
  const ended = peerEnd(child, PACING_SECONDS * 1000);
  const windowFromMs = Date.now() - spawnedAt + CPU_WARMUP_SECONDS * 1000;
  const { cpu, wakeups } = await sampleCpu(child.pid ?? 0, CPU_SECONDS, CPU_WARMUP_SECONDS);
  const stopped = stoppedNotes([
    stoppedNote('natter', await ended),
    stoppedNote('tshark', await captured.end),
  ]);
  const intervals = await captured.done;
  if (NATTER_NODE_FLAGS.length > 0) {
    const file = join(mkdtempSync(join(KEPT_DIR, 'natter-output-')), 'stdout.txt');
    writeFileSync(file, output);
    progress(`natter call with ${NATTER_NODE_FLAGS.join(' ')}: its output in ${file}`);
  }
  if (profiles) {
    progress(`profile of the natter call: ${profiles}`);
    // The window the CPU figure is sampled over: the call, without start-up and hang-up.
    reportProfile('natter call, one call', readProfileFrom(profiles), {
      fromMs: windowFromMs,
      toMs: windowFromMs + CPU_SECONDS * 1000,
    });
  }
  return { ...deviation(intervals), cpu, wakeups, stopped };
}

/**
 * The CPU of a call is sampled from its answer (plus a second), the same for both phones: the
 * window of a fixed delay after start-up it replaced caught seconds of Natter's start-up (loading
 * modules, sip.js, registering) whenever the shared machine was loaded, and none of baresip's.
 */
const CPU_WARMUP_SECONDS = 1;
const CPU_SECONDS = PACING_SECONDS - 8;

/** Resolves at the first line of `stream` that matches `pattern`. */
function outputLine(
  stream: NodeJS.ReadableStream | null,
  pattern: RegExp,
  failure: string,
): Promise<void> {
  return new Promise((resolveLine, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      stream?.off('data', onData);
      reject(new Error(failure));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (lines.some((line) => pattern.test(line))) {
        clearTimeout(timer);
        stream?.off('data', onData);
        resolveLine();
      }
    };
    stream?.on('data', onData);
  });
}

/** Percentage of one core a process used over `seconds`, after `warmupSeconds`. */
async function sampleCpu(
  pid: number,
  seconds: number,
  warmupSeconds: number,
): Promise<{ cpu: number; wakeups: number }> {
  const processes = () =>
    execFileSync('sh', ['-c', `pgrep -P ${pid}; echo ${pid}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  const ticks = () => {
    let total = 0;
    for (const child of processes()) {
      try {
        const fields = readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        total += Number(fields[11]) + Number(fields[12]);
      } catch {
        // exited
      }
    }
    return total;
  };
  // Voluntary context switches of every thread: how often the process slept and was woken,
  // which on a shared machine costs more than most of the work done once awake.
  const switches = () => {
    let total = 0;
    for (const child of processes()) {
      try {
        for (const thread of readdirSync(`/proc/${child}/task`)) {
          const status = readFileSync(`/proc/${child}/task/${thread}/status`, 'utf8');
          total += Number(/^voluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1] ?? 0);
        }
      } catch {
        // exited
      }
    }
    return total;
  };
  // Per thread, user and system time apart: which thread the cost is on, and whether it is the
  // kernel's (sending and waking) or the process's own. Each is named by its place in the order
  // the threads were started and its name: Node 20 names every thread "node", and its start-up
  // order says what each is (README, Benchmark: 1 the platform's delayed-task thread, 2–5 V8's
  // worker threads, which run the optimising compiler's jobs and the GC's helper tasks).
  const threadTicks = () => {
    const byThread = new Map<
      string,
      { label: string; user: number; system: number; switches: number; runNs: number }
    >();
    for (const child of processes()) {
      try {
        const threads = readdirSync(`/proc/${child}/task`).sort((a, b) => Number(a) - Number(b));
        for (const [order, thread] of threads.entries()) {
          const stat = readFileSync(`/proc/${child}/task/${thread}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
          const status = readFileSync(`/proc/${child}/task/${thread}/status`, 'utf8');
          const schedstat = readFileSync(`/proc/${child}/task/${thread}/schedstat`, 'utf8');
          byThread.set(`${child}/${thread}`, {
            label: `thread ${order}, ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`,
            runNs: Number(schedstat.split(' ')[0]),
            user: Number(fields[11]),
            system: Number(fields[12]),
            switches: Number(/^voluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1] ?? 0),
          });
        }
      } catch {
        // exited
      }
    }
    return byThread;
  };
  await sleep(warmupSeconds * 1000);
  const before = ticks();
  const switchesBefore = switches();
  const threadsBefore = threadTicks();
  const started = Date.now();
  await sleep(seconds * 1000);
  const used = ticks() - before;
  const threadsAfter = threadTicks();
  const elapsed = (Date.now() - started) / 1000;
  const wakeups = (switches() - switchesBefore) / elapsed;
  const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  const percent = (value: number) => round((value / clockTicks / elapsed) * 100, 2);
  const split = [...threadsAfter]
    .map(([id, after]) => {
      const start = threadsBefore.get(id) ?? { user: 0, system: 0, switches: 0, runNs: 0 };
      const [owner, thread] = id.split('/');
      return {
        name: `${id} (${owner === thread ? 'main' : after.label})`,
        user: after.user - start.user,
        system: after.system - start.system,
        switches: (after.switches - start.switches) / elapsed,
        run: round(((after.runNs - start.runNs) / 1e9 / elapsed) * 100, 2),
      };
    })
    .filter((t) => t.user + t.system > 0 || t.switches >= 1 || t.run > 0.01)
    .map(
      (t) =>
        `${t.name} user ${percent(t.user)} % system ${percent(t.system)} % ran ${t.run} % ${Math.round(t.switches)} wake-ups/s`,
    );
  progress(`threads of ${pid}: ${split.join('; ')}`);
  return { cpu: (used / clockTicks / elapsed) * 100, wakeups };
}

/**
 * A bare Node process doing one call's packets and nothing else (test/bench/node-floor.ts),
 * sampled like the phones: what no call in Node can go below on this machine at this moment.
 */
async function nodeFloor(lab: Lab): Promise<{ cpu: number; wakeups: number; stopped: string }> {
  const child = lab.spawn(lab.client, process.execPath, [
    NODE_FLOOR,
    PUBLIC.provider,
    String(PROVIDER_MEDIA_PORT),
    String(PACING_SECONDS),
  ]);
  const ended = peerEnd(child, PACING_SECONDS * 1000);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // The floor has no answer to wait for: its packets start within a tick of start-up.
  const sampled = await sampleCpu(child.pid ?? 0, CPU_SECONDS, CPU_WARMUP_SECONDS);
  const stopped = stoppedNote('node floor', await ended);
  const counts = /\{.*\}/.exec(output)?.[0];
  const echoed = counts ? (JSON.parse(counts) as { sent: number; received: number }) : null;
  // Without echoes it measured sending alone, not a call's packets both ways.
  const unechoed = echoed && echoed.received > echoed.sent / 2 ? '' : 'no echo came back';
  return { ...sampled, stopped: stoppedNotes([unechoed, stopped]) };
}

/** baresip's run beside Natter's, or why there are no figures. */
async function baresipPacing(lab: Lab): Promise<PacingRun | string> {
  try {
    execFileSync('sh', ['-c', 'command -v baresip']);
  } catch {
    return 'not installed';
  }
  const dir = mkdtempSync(join(tmpdir(), 'natter-baresip-'));
  writeFileSync(
    join(dir, 'config'),
    [
      'module_path /usr/lib/baresip/modules',
      'sip_listen 0.0.0.0:5072',
      // ausine makes a 48 kHz stereo sine; baresip resamples it for G.711.
      'audio_source ausine,1000',
      'ausrc_srate 48000',
      'auplay_srate 48000',
      'ausrc_channels 2',
      'auplay_channels 1',
      'audio_player aufile,/dev/null',
      'audio_alert aufile,/dev/null',
      'module g711.so',
      'module ausine.so',
      'module aufile.so',
      'module_app account.so',
      'module_app menu.so',
      'rtp_tos 0',
      'audio_buffer 20-160',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${LAB_USER}@${PUBLIC.provider}>;regint=0;audio_codecs=PCMU\n`,
  );
  const captured = capture(lab, PACING_SECONDS - 2);
  const child = lab.spawn(lab.client, 'baresip', [
    '-f',
    dir,
    '-t',
    String(PACING_SECONDS),
    '-e',
    `/dial sip:4443@${PUBLIC.provider}`,
  ]);
  // `-t` counts from start-up.
  const ended = peerEnd(child, PACING_SECONDS * 1000);
  const established = await outputLine(
    child.stdout,
    /Call established/,
    'baresip never said the call was established',
  ).then(
    () => '',
    (error: Error) => error.message,
  );
  const sampled = established
    ? null
    : await sampleCpu(child.pid ?? 0, CPU_SECONDS, CPU_WARMUP_SECONDS);
  const stopped = stoppedNotes([
    established,
    stoppedNote('baresip', await ended),
    stoppedNote('tshark', await captured.end),
  ]);
  const intervals = await captured.done;
  if (!sampled) return stopped;
  if (intervals.length < 100)
    return stoppedNotes([`${intervals.length} packets captured`, stopped]);
  return { ...deviation(intervals), ...sampled, stopped };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

function table(rows: Row[]): string {
  const headers: Array<keyof Row> = ['measure', 'natter', 'target', 'baresip', 'ratio'];
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(headers.map(String)),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(headers.map((h) => r[h] ?? ''))),
  ].join('\n');
}

async function main(): Promise<void> {
  const unknown = ONLY.filter((section) => !SECTIONS.includes(section));
  if (unknown.length > 0) {
    throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')}; expected ${SECTIONS.join(', ')}`);
  }
  const rows: Row[] = [];
  if (LAB_SECTIONS.some(runs)) await labRows(rows);
  if (runs('rescue')) await rescueRows(rows);
  if (runs('netchange')) await networkChangeRows(rows);
  if (runs('app')) await appRows(rows);
  if (runs('invite-flood')) await inviteFloodRows(rows);
  if (runs('srtp')) await srtpRows(rows);
  if (runs('tls-register')) await tlsRegisterRows(rows);
  if (runs('audio-floors')) await audioFloorRows(rows);
  process.stdout.write(
    `\n${table(rows)}\n\nMedians over repeated runs; p50/p99 over every packet. Machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, shared.\n`,
  );
}

/** SRTP's CPU per call beside plain RTP's, both ends of a call on loopback, runs interleaved. */
async function srtpRows(rows: Row[]): Promise<void> {
  const cost = await measureSrtpCost({ seconds: SRTP_SECONDS, runs: SRTP_RUNS, progress });
  const each = (values: number[]) => values.map((value) => round(value, 2)).join(', ');
  rows.push({
    measure: `CPU of one call's media, both ends, SRTP (AES_CM_128_HMAC_SHA1_80) vs plain RTP, ${SRTP_RUNS} × ${SRTP_SECONDS} s each`,
    natter: `SRTP median ${round(cost.srtpMedian, 2)} % of a core (runs ${each(cost.srtp)}); plain ${round(cost.plainMedian, 2)} % (runs ${each(cost.plain)}); ${cost.srtpPacketsReceived} SRTP packets opened, ${cost.srtpDropped} dropped`,
    target: '≤ 2 % of a core (1 % per end)',
    ratio: `SRTP ×${round(cost.srtpMedian / Math.max(cost.plainMedian, 0.01), 2)} of plain`,
  });
}

/** INVITEs from the registrar's address faster than any user can take calls, on loopback. */
async function inviteFloodRows(rows: Row[]): Promise<void> {
  progress(`flooding the engine with ${FLOOD_RATE} INVITEs/s for ${FLOOD_SECONDS} s`);
  const flood = await measureInviteFlood({ rate: FLOOD_RATE, seconds: FLOOD_SECONDS });
  const statuses = Object.entries(flood.byStatus)
    .map(([status, count]) => `${count} × ${status}`)
    .join(', ');
  rows.push({
    measure: `INVITE flood from the registrar, ${flood.sent} new calls from 3 callers in ${round(flood.seconds, 1)} s`,
    natter: `${round(flood.answeredPerSecond, 0)} INVITEs/s answered, ${round(flood.refusedPerSecond, 0)}/s refused (${statuses}); ${flood.unanswered} unanswered; ${flood.rang} rang`,
    target: 'every INVITE answered; ≤ 1 ring per caller per 5 s',
  });
  rows.push({
    measure: '  engine CPU while flooded (the 3 s after included)',
    natter: `${round(flood.cpuMicrosPerInvite, 0)} µs per INVITE, ${round(flood.cpuPercent, 1)} % of a core`,
    target: 'as little as refusing takes',
  });
  rows.push({
    measure: '  a call placed right after the flood',
    natter: flood.callAfterConnected ? 'connected' : 'did not connect',
    target: 'connected',
  });
}

/** Registration over TLS (handshake included) against over UDP, on loopback, side by side. */
async function tlsRegisterRows(rows: Row[]): Promise<void> {
  progress(`registering ${TLS_REGISTER_RUNS} times over UDP and over TLS on loopback`);
  const times = await measureTlsRegister(TLS_REGISTER_RUNS);
  rows.push({
    measure: `TLS handshake + REGISTER on loopback, ${times.runs} runs (UDP REGISTER beside it)`,
    natter: `median ${round(times.tlsMs, 1)} ms over TLS, ${round(times.udpMs, 1)} ms over UDP`,
    target: 'measured side by side (no target set)',
    ratio: `TLS +${round(times.tlsMs - times.udpMs, 1)} ms`,
  });
}

/** One-way audio to audio both ways after the rescue: the watch's 3 s plus the re-INVITE. */
const RESCUE_TARGET_MS = 5000;

async function rescueRows(rows: Row[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root (network namespaces)');
  installLabCleanup();
  const samples: number[] = [];
  let failed = 0;
  for (let run = 0; run < RESCUE_RUNS; run++) {
    progress(
      `measuring one-way audio to both ways after the rescue, run ${run + 1}/${RESCUE_RUNS}`,
    );
    const ms = await measureRescueRecovery();
    if (ms === null) failed++;
    else samples.push(ms);
  }
  rows.push({
    measure: `one-way → both ways after rescue (moved RTP mapping, STUN refresh), ${RESCUE_RUNS} runs`,
    natter: `median ${round(median(samples) / 1000, 2)} s (min ${round(Math.min(...samples) / 1000, 2)}, max ${round(Math.max(...samples) / 1000, 2)})${failed ? `; ${failed} never recovered` : ''}`,
    target: `≤ ${RESCUE_TARGET_MS / 1000} s`,
    ratio: `×${round(median(samples) / RESCUE_TARGET_MS, 2)} of target`,
  });
}

/** Targets of the app's own cost; the delay is ITU-T G.114's budget for the two terminals. */
const APP_IDLE_CPU_TARGET = 1;
const APP_CALL_CPU_TARGET = 5;
const APP_DELAY_TARGET_MS = 80;

/** The desktop app's own cost: its renderer's CPU and the delay its audio path adds. */
async function appRows(rows: Row[]): Promise<void> {
  const cost = await measureAppCost({
    idleSeconds: APP_SECONDS,
    callSeconds: APP_SECONDS,
    progress,
  });
  const threads = (share: CpuShare) =>
    Object.entries(share.rendererThreads)
      .filter(([, used]) => used >= 0.05)
      .sort(([, a], [, b]) => b - a)
      .map(([name, used]) => `${name} ${round(used, 2)} %`)
      .join(', ');
  progress(`renderer threads idle: ${threads(cost.idle)}`);
  progress(`renderer threads in call: ${threads(cost.call)}`);
  const cpu = (share: CpuShare) =>
    `${round(share.renderer, 2)} % of a core (main thread ${round(share.mainThread, 2)} %, ${round(share.layoutsPerSecond, 2)} layouts a second; all of Chromium ${round(share.chromium, 2)} %)`;
  rows.push({
    measure: `app renderer CPU, idle on the dialer, ${APP_SECONDS} s`,
    natter: cpu(cost.idle),
    target: `≤ ${APP_IDLE_CPU_TARGET} % of a core`,
    ratio: `×${round(cost.idle.renderer / APP_IDLE_CPU_TARGET, 2)} of target`,
  });
  rows.push({
    measure: `app renderer CPU, in a call with meters and sparklines, ${APP_SECONDS} s`,
    natter: cpu(cost.call),
    target: `≤ ${APP_CALL_CPU_TARGET} % of a core`,
    ratio: `×${round(cost.call.renderer / APP_CALL_CPU_TARGET, 2)} of target`,
  });
  const relay = cost.call.rendererThreads[BRIDGE_RELAY_THREAD] ?? 0;
  rows.push({
    measure: `  of which the test bridge's audio socket worker (${BRIDGE_RELAY_THREAD}), absent in the app`,
    natter: `${round(relay, 2)} % of a core; without it ${round(cost.call.renderer - relay, 2)} %`,
    target: `≤ ${APP_CALL_CPU_TARGET} % of a core`,
    ratio: `×${round((cost.call.renderer - relay) / APP_CALL_CPU_TARGET, 2)} of target`,
  });
  progress(`renderer threads of the bare audio page: ${threads(cost.bare)}`);
  rows.push({
    measure: `  beside it: a bare page with the microphone, a pass-through worklet and the speaker, ${APP_SECONDS} s`,
    natter: `${round(cost.bare.renderer, 2)} % of a core; the call without the bridge's worker costs ×${round((cost.call.renderer - relay) / Math.max(cost.bare.renderer, 0.01), 2)} of it`,
    target: `≤ ${APP_CALL_CPU_TARGET} % of a core`,
    ratio: `×${round(cost.bare.renderer / APP_CALL_CPU_TARGET, 2)} of target`,
  });
  const ms = (value: number) => `${round(value, 1)} ms`;
  const shown = cost.shownUplink.median + cost.shownPlayout.median;
  rows.push({
    measure: `app audio path delay as the call screen shows it, ${cost.shownPlayout.samples} one-second readings`,
    natter: `mic → RTP median ${ms(cost.shownUplink.median)} (p90 ${ms(cost.shownUplink.p90)}), RTP → speaker median ${ms(cost.shownPlayout.median)} (p90 ${ms(cost.shownPlayout.p90)}); together ${ms(shown)}`,
    target: `≤ ${APP_DELAY_TARGET_MS} ms together (G.114 terminal budget)`,
    ratio: `×${round(shown / APP_DELAY_TARGET_MS, 2)} of target`,
  });
  rows.push({
    measure:
      '  of which the app’s own link (worklet ⇄ main ⇄ RTP), without the output device buffer',
    natter: `mic → RTP median ${ms(cost.uplink.median)}, RTP → worklet output median ${ms(cost.playout.median)} (p90 ${ms(cost.playout.p90)}); together ${ms(cost.uplink.median + cost.playout.median)}`,
    target: '',
  });
  rows.push({
    measure: `app audio gaps during the ${APP_SECONDS} s call`,
    natter: `speaker ran dry ${cost.gaps.speakerUnderruns}×, RTP found no mic frame ${cost.gaps.micUnderruns}×, standing mic frames trimmed ${cost.gaps.micFramesTrimmed}`,
    target: 'none heard',
  });
}

/** Chromium's floor for call audio, graph by graph, alternating (test/bench/audio-floors.ts). */
async function audioFloorRows(rows: Row[]): Promise<void> {
  const runs = await measureAudioFloors({
    seconds: FLOOR_SECONDS,
    rounds: FLOOR_ROUNDS,
    progress,
  });
  for (const run of runs) {
    const threads = Object.entries(run.cpu.rendererThreads)
      .filter(([, used]) => used >= 0.05)
      .map(([name, used]) => `${name} ${round(used, 2)} %`)
      .join(', ');
    progress(
      `${run.graph}: ${round(run.cpu.renderer, 2)} % (load ${run.loadAverage}; ${threads}); frames ${run.framesCarried ?? '-'}, capture lag ${run.captureLagMs === null ? '-' : `${round(run.captureLagMs, 1)} ms`}`,
    );
  }
  const graphs = [...new Set(runs.map((run) => run.graph))];
  for (const graph of graphs) {
    const mine = runs.filter((run) => run.graph === graph);
    const lags = mine.flatMap((run) => (run.captureLagMs === null ? [] : [run.captureLagMs]));
    // A run whose graph carried nothing to the speaker did not cost what carrying does.
    const carried = mine.filter((run) => run.framesCarried !== 0);
    const silent = mine.length - carried.length;
    rows.push({
      measure: `audio floor: a bare page, graph ${graph}, renderer CPU, ${mine.length} runs of ${FLOOR_SECONDS} s`,
      natter: `${carried.length > 0 ? `median ${round(median(carried.map((run) => run.cpu.renderer)), 2)} % of a core (${carried.map((run) => round(run.cpu.renderer, 2)).join(', ')})` : 'no run carried a frame'}${lags.length > 0 ? `; microphone frames ${round(median(lags), 1)} ms behind capture` : ''}${silent > 0 ? `; ${silent} more runs carried no frame and are left out` : ''}`,
      target: `≤ ${APP_CALL_CPU_TARGET} % of a core (the whole call)`,
    });
  }
}

const NETCHANGE_TARGET_SECONDS = 5;

/** Time to heal a move to another router: registered again, and a call's audio both ways. */
async function networkChangeRows(rows: Row[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root (network namespaces)');
  installLabCleanup();
  const times = await measureNetworkChangeTimes({ runs: NETCHANGE_RUNS, progress });
  const each = (runs: number[]) => runs.map((value) => round(value, 2)).join(', ');
  rows.push({
    measure: `network change (move to another router) → re-registered, provider side, ${NETCHANGE_RUNS} runs`,
    natter: `median ${round(times.reRegistered.median, 2)} s (runs: ${each(times.reRegistered.runs)} s)`,
    target: `≤ ${NETCHANGE_TARGET_SECONDS} s`,
    ratio: `×${round(times.reRegistered.median / NETCHANGE_TARGET_SECONDS, 2)} of target`,
  });
  rows.push({
    measure: `network change in a call → audio both ways (re-INVITE), provider side, ${NETCHANGE_RUNS} runs`,
    natter: `median ${round(times.audioResumed.median, 2)} s (runs: ${each(times.audioResumed.runs)} s)`,
    target: `≤ ${NETCHANGE_TARGET_SECONDS} s`,
    ratio: `×${round(times.audioResumed.median / NETCHANGE_TARGET_SECONDS, 2)} of target`,
  });
}

async function labRows(rows: Row[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root (network namespaces)');
  installLabCleanup();
  const lab = Lab.create({ nat: 'cone' });
  try {
    await startCoturn(lab);
    const provider = await startSipp(lab, 'provider-comedia.xml', {
      calls: 100_000,
      extraArgs: ['-rtp_echo'],
    });
    process.on('exit', () => {
      if (process.exitCode) progress(`provider said: ${provider.output().slice(-400)}`);
    });

    if (runs('stun')) {
      const stun = await worker(lab, ['stun', STUN]);
      rows.push({
        measure: 'STUN discovery (median) vs lab UDP RTT',
        natter: `${stun.discoveryMedianMs} ms = RTT ${stun.rttMedianMs} ms + ${round((stun.discoveryMedianMs ?? 0) - (stun.rttMedianMs ?? 0), 3)} ms (×${round((stun.discoveryMedianMs ?? 0) / (stun.rttMedianMs ?? 1), 1)})`,
        target: '≤ 1 RTT + 5 ms',
      });
    }
    if (runs('invite')) {
      const invite = await worker(lab, ['invite', SERVER, STUN]);
      rows.push({
        measure: 'call command → INVITE on the wire (warm mapping)',
        natter: `median ${invite.inviteMedianMs} ms, p90 ${invite.inviteP90Ms} ms`,
        target: '≤ 20 ms',
      });
    }
    if (runs('pacing')) {
      const natter = await natterPacing(lab);
      const baresip = await baresipPacing(lab);
      const note = (run: PacingRun) => (run.stopped ? ` (${run.stopped})` : '');
      rows.push({
        measure: `RTP send interval − 20 ms, on the wire, ${PACING_SECONDS} s`,
        natter: `p50 ${round(natter.p50, 3)} ms, p99 ${round(natter.p99, 3)} ms${note(natter)}`,
        target: 'p99 ≤ 2 ms',
        ...(typeof baresip !== 'string'
          ? {
              baresip: `p50 ${round(baresip.p50, 3)} ms, p99 ${round(baresip.p99, 3)} ms${note(baresip)}`,
              ratio: `p99 ×${round(natter.p99 / Math.max(baresip.p99, 0.001), 2)}`,
            }
          : { baresip: `not measured: ${baresip}` }),
      });
      rows.push({
        measure: 'CPU of one call (whole process)',
        natter: `${round(natter.cpu, 2)} % of a core, ${Math.round(natter.wakeups)} wake-ups/s`,
        target: '≤ 1 % of a core per call',
        ...(typeof baresip !== 'string'
          ? {
              baresip: `${round(baresip.cpu, 2)} % of a core, ${Math.round(baresip.wakeups)} wake-ups/s`,
              ratio: `×${round(natter.cpu / Math.max(baresip.cpu, 0.01), 2)}`,
            }
          : {}),
      });
      if (MEASURE_NODE_FLOOR) {
        const floor = await nodeFloor(lab);
        rows.push({
          measure: "  beside them: Node's floor, one socket, the 20 ms grid timer, a 172-byte echo",
          natter: `${round(floor.cpu, 2)} % of a core, ${Math.round(floor.wakeups)} wake-ups/s${floor.stopped ? ` (${floor.stopped})` : ''}; the call ×${round(natter.cpu / Math.max(floor.cpu, 0.01), 2)} of it`,
          target: '',
          ...(typeof baresip !== 'string'
            ? { ratio: `floor ×${round(floor.cpu / Math.max(baresip.cpu, 0.01), 2)} of baresip` }
            : {}),
        });
      }
    }
    if (runs('load')) {
      const idle = await worker(lab, ['load', SERVER, STUN, '0', String(LOAD_SECONDS)]);
      rows.push({
        measure: 'engine registered, no call (baseline)',
        natter: `${idle.corePercent} % core, RSS ${idle.rssMb} MB`,
        target: '',
      });
      for (const count of LOAD_CALLS) {
        const profiles = profileDir();
        const load = await worker(
          lab,
          ['load', SERVER, STUN, String(count), String(LOAD_SECONDS)],
          profiles ? { NATTER_BENCH_PROFILE_DIR: profiles } : {},
        );
        if (profiles) {
          progress(`profile of ${count} calls: ${profiles}`);
          reportProfile(`${count} calls in one process`, readProfileFrom(profiles));
        }
        // What each call adds over its engine registered and idle, measured in the same process.
        const perCall = ((load.corePercent ?? 0) - (load.idleCorePercent ?? 0)) / count;
        rows.push({
          measure: `${count} call${count > 1 ? 's' : ''} in one process, an engine each (${load.flowing} with audio both ways)`,
          natter: `${load.corePercent} % core (+${round(perCall, 3)} % per call over ${load.idleCorePercent} % idle), RSS ${load.rssMb} MB`,
          target: '≤ 1 % of a core per call',
        });
      }
    }
    if (runs('relay')) {
      progress(`measuring the RTP round trip, direct and through TURN, ${RELAY_SECONDS} s each`);
      const { direct, relayed } = await measureRelayLatency(lab, {
        server: SERVER,
        stun: STUN,
        seconds: RELAY_SECONDS,
      });
      progress(
        `round trips: ${direct.samples} direct, ${relayed.samples} relayed (sent as ${relayed.sent['channel-data']} ChannelData, ${relayed.sent.indication} Send indications)`,
      );
      rows.push({
        measure: `RTP round trip added by a TURN relay, on the wire, ${RELAY_SECONDS} s each`,
        natter: `+${round(relayed.p50 - direct.p50, 3)} ms median, +${round(relayed.p90 - direct.p90, 3)} ms p90 (direct ${round(direct.p50, 3)} / ${round(direct.p90, 3)} ms, relayed ${round(relayed.p50, 3)} / ${round(relayed.p90, 3)} ms)`,
        target: '—',
        ratio: `×${round(relayed.p50 / Math.max(direct.p50, 0.001), 2)}`,
      });
    }
  } finally {
    lab.destroy();
  }
}

// Scratch (captures, peers' configs, microphone files) goes to a directory of the run's own,
// removed when the process exits however it ends; what the bench points its reader to is kept
// in KEPT_DIR.
process.once('exit', useRunTempDir());
main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
