/**
 * A registered `natter listen` behind a NAT router takes 100,000 hostile datagrams on its public
 * SIP and RTP ports, at 5,000 a second, before and during a call: malformed, oversized and
 * strangers' SIP, forged STUN answers, random RTP, RTP and RTCP forged with the call's SSRC, TURN
 * ChannelData for channels nobody bound, and during the call an INVITE flood from the registrar's
 * address. Judged on the provider's side of the wire and from /proc: the process lives and
 * answers OPTIONS, the INVITEs are refused but for one ring per caller per few seconds, the
 * call's audio goes on both ways (the test tone decoded from the wire), the send pacing stays
 * within twice its clean p99, the floods leave RSS less than 20 MB higher than before them, and
 * CPU is back within 2 s. An INVITE flood from the registrar's own address and port before a
 * call (500 a second) is judged beside it: refused but for one ring per caller per few seconds,
 * on the wire, the calls it answered never confirmed (no ACK), and the provider's call right
 * after answered with audio both ways.
 *
 * A Linux MASQUERADE router lets in only what comes from the address and port a mapping was
 * made towards. Routers with endpoint-independent filtering (RFC 4787 §5: "full cone") let the
 * whole internet reach a mapped port; the router here is made one, for the engine's SIP and RTP
 * mappings, so that strangers' datagrams arrive as they would at such a home.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_TONE_HZ } from '../../src-main/cli/cli-session.js';
import { decodeG711 } from '../../src-main/media/g711.js';
import { ToneDetector } from '../../src-main/media/tone.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { contactHostPort, startCapture, type UdpPacket } from './support/capture.js';
import type { FloodKind, FloodPlan, FloodReport } from './support/flood.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  delay,
  header,
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  REPO,
  runNatter,
  startCoturn,
  startSipp,
  waitFor,
} from './support/peers.js';
import type { ListenReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: floods',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack', 'tshark']),
);

const FLOOD = join(REPO, 'dist/test/lab/support/flood.js');
const RATE = 5000;
const BEFORE_CALL = 40_000;
const DURING_CALL = 60_000;
const CALL_MS = 24_000;
const CLEAN_MS = 4000;
/** The identities the INVITE flood calls from (support/flood.ts). */
const FLOOD_CALLERS = ['100', '1001', '2000'];
/** A caller rings at most once in this window (src-main/sip/invite-admission.ts). */
const CALLER_WINDOW_S = 5;
/** Strangers: the internet namespace's other addresses. */
const STRANGERS = [PUBLIC.stunB, PUBLIC.stunB, PUBLIC.silent];
/** Before the call, on the SIP port (media kinds land there too: one socket demultiplexes). */
const SIP_KINDS: FloodKind[] = [
  'sip-malformed',
  'sip-oversized',
  'sip-stranger',
  'stun-forged',
  'channeldata',
  'rtp-random',
  'sip-malformed',
  'sip-stranger',
];
const MEDIA_AND_STRANGERS: FloodKind[] = [
  'rtp-forged',
  'rtp-random',
  'rtcp-forged',
  'channeldata',
  'stun-forged',
  'sip-malformed',
  'sip-stranger',
  'sip-oversized',
  'rtp-forged',
];
/**
 * During the call, on the SIP and RTP ports, with an INVITE flood from the registrar's address
 * among them (one datagram in ten, 500 a second) and malformed requests from that address (one
 * in twenty): with the call in progress, what it admits waits, and the rest is refused before
 * sip.js, statelessly. Measured on 2026-12-02 (load 2–7): p99 24.7 → 30.5, 22.9 → 24.0 and
 * 21.8 → 23.2 ms, 21–25 % of a core in the flood (13 % without the INVITEs), the floods leaving
 * 4.1–9.5 MB; before the refusals kept no state and forged responses stopped reaching sip.js's
 * grammar, 45–49 % of a core and 23.9 MB (README, Hostile input on the wire).
 */
const CALL_KINDS: FloodKind[] = [
  ...MEDIA_AND_STRANGERS,
  'invite-flood',
  ...MEDIA_AND_STRANGERS.slice(0, 8),
  'registrar-malformed',
  'invite-flood',
];
/** INVITEs of the flood from the registrar's own address, and their rate (as in the bench). */
const INVITE_FLOOD = 5000;
const INVITE_RATE = 500;

const labs: Lab[] = [];
afterAll(() => {
  for (const lab of labs) lab.destroy();
});

function runFlood(lab: Lab, args: string[]): Promise<Record<string, unknown>> {
  const child = lab.spawn(lab.internet, process.execPath, [FLOOD, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveRun, rejectRun) => {
    child.once('exit', (code) => {
      try {
        resolveRun(JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        rejectRun(new Error(`flood exited ${code}: ${stderr.slice(-800)}`));
      }
    });
  });
}

interface Sample {
  at: number;
  rssKb: number;
  /** RSS in anonymous memory (heaps, buffers) and in mapped files (the code of node and libc). */
  anonKb: number;
  fileKb: number;
  cpuTicks: number;
}

/** Samples a process's RSS and CPU time from /proc every 100 ms. */
function meter(pid: number) {
  const samples: Sample[] = [];
  const read = (): Sample | null => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are 14th, 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return {
        at: Date.now(),
        rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN),
        anonKb: Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? NaN),
        fileKb: Number(/RssFile:\s+(\d+)/.exec(status)?.[1] ?? NaN),
        cpuTicks: Number(fields[11]) + Number(fields[12]),
      };
    } catch {
      return null;
    }
  };
  const timer = setInterval(() => {
    const sample = read();
    if (sample) samples.push(sample);
  }, 100);
  return {
    samples,
    alive: () => read() !== null,
    stop: () => clearInterval(timer),
    /** Share of one core used between two times, from the samples nearest them. */
    cpuBetween(from: number, to: number): number {
      const a = samples.find((s) => s.at >= from);
      const b = [...samples].reverse().find((s) => s.at <= to);
      if (!a || !b || b.at <= a.at) return NaN;
      const hz = 100; // USER_HZ on Linux
      return ((b.cpuTicks - a.cpuTicks) / hz / ((b.at - a.at) / 1000)) * 100;
    },
    peakRssKb: (from: number) =>
      Math.max(...samples.filter((s) => s.at >= from).map((s) => s.rssKb)),
    rssAt: (time: number) => samples.find((s) => s.at >= time)?.rssKb ?? NaN,
    sampleAt: (time: number) => samples.find((s) => s.at >= time),
  };
}

type Meter = ReturnType<typeof meter>;

/**
 * Milliseconds after `end` until a 500 ms window of CPU use is back within 5 points of
 * `idlePercent`.
 */
function settleMs(process: Meter, end: number, idlePercent: number): number {
  for (let start = end; start < end + 5000; start += 100) {
    const used = process.cpuBetween(start, start + 500);
    if (Number.isNaN(used)) break;
    if (used <= idlePercent + 5) return start - end;
  }
  return Infinity;
}

/** The client's socket and public port of the router's mapping towards `remotePort`. */
function mappingTowards(
  lab: Lab,
  remotePort: number,
): { localPort: number; publicPort: number } | null {
  const table = lab.exec(lab.router, 'conntrack', ['-L', '-p', 'udp']);
  for (const line of table.split('\n')) {
    const match = new RegExp(
      `src=${lab.clientAddress.replace(/\./g, '\\.')} dst=${PUBLIC.provider.replace(/\./g, '\\.')} sport=(\\d+) dport=${remotePort} .*dst=${PUBLIC.router.replace(/\./g, '\\.')} sport=${remotePort} dport=(\\d+)`,
    ).exec(line);
    if (match) return { localPort: Number(match[1]), publicPort: Number(match[2]) };
  }
  return null;
}

/** Endpoint-independent filtering for one mapping: anyone on the internet reaches it. */
function openToAnyone(lab: Lab, mapping: { localPort: number; publicPort: number }): void {
  lab.exec(lab.router, lab.routerIptables, [
    ...['-t', 'nat', '-I', 'PREROUTING', '-i', lab.routerWanInterface, '-p', 'udp'],
    ...['--dport', String(mapping.publicPort), '-j', 'DNAT'],
    ...['--to-destination', `${lab.clientAddress}:${mapping.localPort}`],
  ]);
}

/** The pid of the natter CLI running in the client namespace. */
function natterPid(lab: Lab): number | null {
  const pids = execFileSync('ip', ['netns', 'pids', lab.client], { encoding: 'utf8' })
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0);
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('natter.js')) return pid;
    } catch {
      // gone already
    }
  }
  return null;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/** Intervals (ms) between consecutive packets sent from `from` in [start, end) (epoch ms). */
function intervals(packets: UdpPacket[], start: number, end: number): number[] {
  const times = packets.map((p) => p.time * 1000).filter((t) => t >= start && t < end);
  return times.slice(1).map((t, i) => t - times[i]!);
}

/** Share of 20 ms PCMU frames in which the CLI's test tone is heard. */
function toneShare(packets: UdpPacket[]): number {
  // PCMU off the wire is 8 kHz audio, whatever rate the app's own audio link runs at.
  const detector = new ToneDetector({ frequency: TEST_TONE_HZ, sampleRate: 8000 });
  let heard = 0;
  let frames = 0;
  for (const packet of packets) {
    const payloadType = (packet.payload[1] ?? 0) & 0x7f;
    if (payloadType !== 0 || packet.payload.length < 12 + 160) continue;
    frames++;
    if (detector.push(decodeG711(packet.payload.subarray(12), 'PCMU'))) heard++;
  }
  return frames === 0 ? 0 : heard / frames;
}

interface Listener {
  lab: Lab;
  contact: { address: string; port: number };
  pid: number;
  natter: Meter;
  listening: ReturnType<typeof runNatter>;
  base: Pick<FloodPlan, 'sip' | 'ratePerSecond' | 'strangers' | 'user'>;
  baselineRss: number;
  idleStart: number;
  idlePercent: number;
}

const OUR_RTP = `src host ${PUBLIC.router} and dst host ${PUBLIC.provider} and dst port ${PROVIDER_MEDIA_PORT}`;
const THEIR_RTP = `src host ${PUBLIC.provider} and src port ${PROVIDER_MEDIA_PORT}`;

/** `natter listen --answer` registered behind the router, its SIP mapping open to anyone. */
async function registeredListener(lab: Lab): Promise<Listener> {
  await startCoturn(lab);
  const registrar = await startSipp(lab, 'provider-registrar.xml', { calls: 1 });
  const listening = runNatter(
    lab,
    [
      'listen',
      ...['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER],
      ...['--stun', `${PUBLIC.stunA}:3478`, '--answer', '--seconds', '120', '--json'],
    ],
    { timeoutMs: 150_000 },
  );
  await registrar.exited;
  const registered = registrar
    .messages()
    .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 200'))
    .map((m) => header(m.text, 'Contact') ?? '')[0];
  const contact = contactHostPort(registered ?? null);
  if (!contact) throw new Error(`no registered Contact: ${registrar.output()}`);
  const pid = natterPid(lab);
  if (pid === null) throw new Error('natter listen is not running');
  const natter = meter(pid);
  const sipMapping = mappingTowards(lab, PROVIDER_SIP_PORT);
  expect(sipMapping?.publicPort).toBe(contact.port);
  openToAnyone(lab, sipMapping!);
  await delay(1000);
  const idleStart = Date.now();
  await delay(1000);
  return {
    lab,
    contact,
    pid,
    natter,
    listening,
    base: {
      sip: { address: PUBLIC.router, port: contact.port },
      ratePerSecond: RATE,
      strangers: STRANGERS,
      user: LAB_USER,
    },
    baselineRss: natter.rssAt(idleStart),
    idleStart,
    idlePercent: natter.cpuBetween(idleStart, Date.now()),
  };
}

/** One OPTIONS from the registrar's own address and port; the status line of its answer. */
async function optionsAnswer(listener: Listener, seed: number): Promise<string | null> {
  const result = await runFlood(listener.lab, [
    '--probe-options',
    JSON.stringify({
      ...listener.base,
      registrar: { address: PUBLIC.provider, port: PROVIDER_SIP_PORT },
      seed,
    }),
  ]);
  return (result.answer as string | null) ?? null;
}

/** The provider calls the registered Contact for `callMs`, echoing RTP; its mapping opened. */
async function callFromProvider(listener: Listener, callMs: number) {
  const { lab, contact } = listener;
  const caller = await startSipp(lab, 'provider-calls-client-for.xml', {
    calls: 1,
    target: `${contact.address}:${contact.port}`,
    extraArgs: ['-rtp_echo', '-set', 'call_ms', String(callMs), '-recv_timeout', '30000'],
  });
  let rtpMapping: ReturnType<typeof mappingTowards> = null;
  await waitFor(() => (rtpMapping = mappingTowards(lab, PROVIDER_MEDIA_PORT)) !== null, 8000);
  if (rtpMapping === null) {
    process.kill(listener.pid, 'SIGTERM');
    const failed = await listener.listening;
    throw new Error(
      `the call never carried RTP; natter: ${failed.stdout.slice(-2500)}; caller: ${readFileSync(join(caller.messageLog, '../errors.log'), 'utf8').slice(-1500)}`,
    );
  }
  openToAnyone(lab, rtpMapping);
  return { caller, rtpMapping: rtpMapping as { localPort: number; publicPort: number } };
}

/** Ends `natter listen` and reads its report; the call from the provider in it. */
async function endListener(listener: Listener) {
  listener.natter.stop();
  process.kill(listener.pid, 'SIGTERM');
  const run = await listener.listening;
  const report = run.json as unknown as ListenReportJson | null;
  const call = report?.calls.find((c) => c.from === '15145550100') as
    (ListenReportJson['calls'][number] & { toneDetected?: boolean }) | undefined;
  return { run, report, call };
}

describe.skipIf(skip)('floods of hostile datagrams, judged on the wire', () => {
  it('100,000 datagrams at up to 5,000/s before and during a call: alive, audio both ways, paced, bounded', async () => {
    const lab = createLab({ nat: 'cone' });
    labs.push(lab);
    const wire = await startCapture(
      lab,
      lab.internet,
      lab.internetInterface,
      `udp and ((${OUR_RTP}) or (${THEIR_RTP}))`,
    );
    const listener = await registeredListener(lab);
    const { natter, base } = listener;
    try {
      const before = (await runFlood(lab, [
        JSON.stringify({
          ...base,
          rtp: null,
          ssrc: null,
          count: BEFORE_CALL,
          kinds: SIP_KINDS,
          registrar: { address: PUBLIC.provider, port: 0 },
          seed: 11,
        } satisfies FloodPlan),
      ])) as unknown as FloodReport;
      const beforeEnd = before.endedAt;
      await delay(2500);
      const settledBefore = settleMs(natter, beforeEnd, listener.idlePercent);
      const optionsBefore = await optionsAnswer(listener, 5);

      const { caller, rtpMapping } = await callFromProvider(listener, CALL_MS);
      const callStart = Date.now();
      await delay(Math.max(0, callStart + CLEAN_MS - 300 - Date.now()));
      // The SSRC the engine receives: the provider echoes the engine's own packets.
      const ssrc = await receivedSsrc(lab, THEIR_RTP);
      const floodStart = Date.now();
      const during = (await runFlood(lab, [
        JSON.stringify({
          ...base,
          rtp: { address: PUBLIC.router, port: rtpMapping.publicPort },
          ssrc,
          count: DURING_CALL,
          kinds: CALL_KINDS,
          registrar: { address: PUBLIC.provider, port: 0 },
          seed: 23,
        } satisfies FloodPlan),
      ])) as unknown as FloodReport;
      const floodEnd = during.endedAt;
      await delay(2500);
      const cleanCallPercent = natter.cpuBetween(callStart + 1000, floodStart);
      const settledDuring = settleMs(natter, floodEnd, cleanCallPercent);
      const callerExit = await caller.exited;
      const optionsAfter = await optionsAnswer(listener, 99);
      const alive = natter.alive();
      const peakRss = natter.peakRssKb(listener.idleStart);
      const { run, call } = await endListener(listener);
      const packets = await wire.stop();

      const ours = packets.filter((p) => p.src === PUBLIC.router);
      const theirs = packets.filter((p) => p.src === PUBLIC.provider);
      const inFlood = (p: UdpPacket) => p.time * 1000 >= floodStart && p.time * 1000 < floodEnd;
      const cleanIntervals = intervals(ours, callStart + 1000, floodStart);
      const floodIntervals = intervals(ours, floodStart, floodEnd);
      const figures = {
        datagrams: before.sent + during.sent,
        before,
        during,
        // What each flood left behind once it was over: the RSS 2 s after it against the RSS just
        // before it (idle, then the clean call, whose own sockets and buffers are not the flood's).
        rssGrowthMb:
          Math.round(
            (natter.rssAt(beforeEnd + 2000) -
              listener.baselineRss +
              (natter.rssAt(floodEnd + 2000) - natter.rssAt(floodStart - 200))) /
              102.4,
          ) / 10,
        // The same, split: anonymous memory, and pages of node's own code the floods' paths read in.
        rssGrowthSplitMb: (['anonKb', 'fileKb'] as const).map((kind) => {
          const at = (time: number) => natter.sampleAt(time)?.[kind] ?? NaN;
          const kb =
            at(beforeEnd + 2000) -
            at(listener.idleStart) +
            (at(floodEnd + 2000) - at(floodStart - 200));
          return Math.round(kb / 102.4) / 10;
        }),
        // The highest RSS seen over the idle one, call included: Node's receive path swells for
        // a moment under 5,000 datagrams a second and gives it back.
        rssPeakAboveIdleMb: Math.round((peakRss - listener.baselineRss) / 102.4) / 10,
        cleanPacketsPerSecond: (cleanIntervals.length * 1000) / (floodStart - callStart - 1000),
        p99CleanMs: percentile(cleanIntervals, 99),
        p99FloodMs: percentile(floodIntervals, 99),
        cpu: {
          idle: listener.idlePercent,
          cleanCall: cleanCallPercent,
          flooded: [
            natter.cpuBetween(listener.idleStart + 2000, beforeEnd),
            natter.cpuBetween(floodStart, floodEnd),
          ],
          settledBefore,
          settledDuring,
        },
        toneShare: {
          ours: toneShare(ours.filter(inFlood)),
          theirs: toneShare(theirs.filter(inFlood)),
        },
        packetsDuringFlood: {
          ours: ours.filter(inFlood).length,
          theirs: theirs.filter(inFlood).length,
        },
        options: [optionsBefore, optionsAfter],
        callerExit,
        inviteAnswersDuringCall: during.inviteAnswers,
      };
      console.log(`flood figures: ${JSON.stringify(figures)}`);

      expect(figures.datagrams).toBe(BEFORE_CALL + DURING_CALL);
      // Alive and answering throughout.
      expect(alive).toBe(true);
      expect(optionsBefore).toMatch(/^SIP\/2\.0 200/);
      expect(optionsAfter).toMatch(/^SIP\/2\.0 200/);
      // The call: answered, hung up by the provider as planned, audio both ways in the flood.
      expect(callerExit, JSON.stringify(figures)).toBe(0);
      // As many packets a second both ways as before the flood: none diverted, none starved.
      const floodSeconds = (floodEnd - floodStart) / 1000;
      const expected = figures.cleanPacketsPerSecond * floodSeconds * 0.9;
      expect(figures.packetsDuringFlood.ours).toBeGreaterThan(expected);
      expect(figures.packetsDuringFlood.theirs).toBeGreaterThan(expected);
      expect(figures.toneShare.ours).toBeGreaterThan(0.9);
      expect(figures.toneShare.theirs).toBeGreaterThan(0.9);
      expect(call, run.stdout.slice(-2000)).toMatchObject({ answered: true, oneWayAudio: false });
      expect(call?.toneDetected).toBe(true);
      // Strangers' requests rang nothing. Of the INVITE flood during the call, each caller rang
      // at most once per window, on the wire (180 Ringing), and the rest was refused 486/503.
      const calls = (run.json?.calls ?? []) as ListenReportJson['calls'];
      const others = calls.filter(
        (c) => c.from !== '15145550100' && !FLOOD_CALLERS.includes(c.from),
      );
      expect(others, run.stdout.slice(-2000)).toEqual([]);
      const invites = during.byKind['invite-flood'] ?? 0;
      const windows = Math.ceil(during.elapsedMs / 1000 / CALLER_WINDOW_S) + 1;
      const refused = (during.inviteAnswers['486'] ?? 0) + (during.inviteAnswers['503'] ?? 0);
      expect(invites).toBeGreaterThan(5000);
      expect(during.inviteAnswers['180'] ?? 0).toBeLessThanOrEqual(FLOOD_CALLERS.length * windows);
      // What the engine reads it answers; on a busy machine the kernel's receive buffer drops
      // part of a 5,000/s flood before it is read, which answers nothing and costs nothing.
      expect(refused, JSON.stringify(during.inviteAnswers)).toBeGreaterThan(invites * 0.75);
      expect(during.inviteAnswers['200'] ?? 0).toBe(0);
      // Pacing, memory, CPU.
      expect(figures.p99FloodMs).toBeLessThanOrEqual(2 * figures.p99CleanMs);
      // Promised: under 20 MB. Measured 4.5–9.4 MB with the young generation held at its
      // initial size (src-main/engine/v8-tuning.ts), 12.9–18.6 MB in the same sitting without
      // (README, Hostile input on the wire). 200 bytes kept per datagram would cross it.
      expect(figures.rssGrowthMb).toBeLessThan(20);
      expect(settledBefore).toBeLessThanOrEqual(2000);
      expect(settledDuring).toBeLessThanOrEqual(2000);
    } finally {
      natter.stop();
    }
  }, 150_000);

  it("an INVITE flood from the registrar's own address: one ring per caller per window, the rest refused, the provider's call right after has audio", async () => {
    const lab = createLab({ nat: 'cone' });
    labs.push(lab);
    const wire = await startCapture(
      lab,
      lab.internet,
      lab.internetInterface,
      `udp and ((${OUR_RTP}) or (${THEIR_RTP}))`,
    );
    const listener = await registeredListener(lab);
    const { natter, base } = listener;
    try {
      // The registrar has gone quiet, so its very address and port are free for the flood: that
      // tuple passes even a filtering router. The calls that ring are answered (--answer) and
      // never confirmed: their sender sends no ACK.
      const flooded = (await runFlood(lab, [
        JSON.stringify({
          ...base,
          rtp: null,
          ssrc: null,
          count: INVITE_FLOOD,
          ratePerSecond: INVITE_RATE,
          kinds: ['invite-flood', 'invite-flood', 'invite-flood', 'registrar-malformed'],
          registrar: { address: PUBLIC.provider, port: PROVIDER_SIP_PORT },
          seed: 31,
        } satisfies FloodPlan),
      ])) as unknown as FloodReport;
      const options = await optionsAnswer(listener, 41);
      const { caller } = await callFromProvider(listener, 3000);
      const callerExit = await caller.exited;
      const alive = natter.alive();
      const { run, call } = await endListener(listener);
      const packets = await wire.stop();
      const invites = flooded.byKind['invite-flood'] ?? 0;
      const refused = (flooded.inviteAnswers['486'] ?? 0) + (flooded.inviteAnswers['503'] ?? 0);
      const windows = Math.ceil(flooded.elapsedMs / 1000 / CALLER_WINDOW_S) + 1;
      const figures = {
        flooded,
        options,
        callerExit,
        toneShare: {
          ours: toneShare(packets.filter((p) => p.src === PUBLIC.router)),
          theirs: toneShare(packets.filter((p) => p.src === PUBLIC.provider)),
        },
        calls: (run.json?.calls as ListenReportJson['calls'] | undefined)?.map(
          (c) => `${c.from}:${c.end?.code ?? 'up'}`,
        ),
      };
      console.log(`INVITE flood figures: ${JSON.stringify(figures).slice(0, 3000)}`);
      expect(alive).toBe(true);
      expect(options).toMatch(/^SIP\/2\.0 200/);
      expect(flooded.inviteAnswers['180'] ?? 0).toBeGreaterThan(0);
      expect(flooded.inviteAnswers['180'] ?? 0).toBeLessThanOrEqual(FLOOD_CALLERS.length * windows);
      expect(refused, JSON.stringify(flooded.inviteAnswers)).toBeGreaterThan(invites * 0.9);
      // The calls it answered wait for an ACK that never comes; the provider's call is taken.
      expect(callerExit, JSON.stringify(figures).slice(0, 3000)).toBe(0);
      expect(call, run.stdout.slice(-2000)).toMatchObject({ answered: true, oneWayAudio: false });
      expect(figures.toneShare.ours).toBeGreaterThan(0.9);
      expect(figures.toneShare.theirs).toBeGreaterThan(0.9);
    } finally {
      natter.stop();
    }
  }, 120_000);
});

/** The SSRC of the provider's RTP towards the engine, read from one captured packet. */
async function receivedSsrc(lab: Lab, filter: string): Promise<number> {
  const capture = await startCapture(lab, lab.internet, lab.internetInterface, `udp and ${filter}`);
  await delay(200);
  const packets = await capture.stop();
  const packet = packets.find((p) => p.payload.length >= 12);
  if (!packet) throw new Error('no RTP from the provider to read its SSRC from');
  return packet.payload.readUInt32BE(8);
}
