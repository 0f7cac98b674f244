/**
 * `npm run soak`: endurance, measured rather than asserted. Two engines run side by side in this
 * process against sipp on loopback:
 *
 * - one call for SOAK_CALL_MINUTES (60 by default) to a provider that echoes RTP back. The far
 *   end's view of our RTP (sequence numbers and timestamps) is read on the wire by tshark on
 *   `lo`, on packets addressed to sipp's media port;
 * - one registered engine left idle for SOAK_IDLE_HOURS (6 by default) of simulated time.
 *
 * Simulated time for the idle engine is real time with its timers scaled down, not fake timers:
 * its refreshes and keepalives are real REGISTERs (with their digest challenge) and real
 * datagrams on the SIP socket, through sip.js's and our transport's own timers, which fake
 * timers would have to stand in for without the sockets they drive. The registration lifetime
 * and the keepalive interval are both divided by the same factor, chosen so that the idle run
 * lasts as long as the call; the number of refreshes and keepalives is then the one six hours
 * at the default settings (300 s registrations, 15 s keepalives) would see, and what the
 * registrar received is counted against that.
 *
 * Reported: RSS and heap over time (after a forced GC where node runs with --expose-gc), their
 * growth after warm-up, the event loop's timer lateness, the RTP clock against the wall clock,
 * RTP continuity as the far end saw it, and refreshes and keepalives sent versus expected.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { parseSippMessageLog, startLoopbackSipp, type LoopbackSipp } from '../lab/support/peers.js';
import { LAB_PASSWORD, LAB_USER, waitFor } from '../lab/support/peers.js';
import { median, percentile, round } from './stats.js';
import useRunTempDir from '../support/run-temp-dir.js';

const CALL_MINUTES = Number(process.env.SOAK_CALL_MINUTES ?? 60);
const IDLE_HOURS = Number(process.env.SOAK_IDLE_HOURS ?? 6);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 30);
/** The first part of the run that memory growth is not judged on: caches and JIT settle. */
const WARMUP_SHARE = 0.1;
/**
 * RSS saws up and down by a few MB between collections and allocator trims, so growth is judged
 * between the medians of the first and last tenth of the samples after warm-up, not between two
 * single samples that may sit on opposite sides of one tooth.
 */
const GROWTH_WINDOW_SHARE = 0.1;
const DEFAULT_EXPIRES_SECONDS = 300;
const DEFAULT_KEEPALIVE_SECONDS = 15;
/** sip.js refreshes at this share of the granted lifetime (sip-account.ts refreshFrequency). */
const REFRESH_SHARE = 0.85;
const MB = 1024 * 1024;
/** Scheduling noise between two packets on loopback, well under a jump a listener hears. */
const JUMP_TOLERANCE_MS = 40;

function progress(line: string): void {
  process.stderr.write(`soak: ${line}\n`);
}

interface MemorySample {
  atSeconds: number;
  rssMb: number;
  heapMb: number;
}

/** Growth after warm-up: medians of the first and last windows, and the fitted trend. */
function memoryGrowth(samples: MemorySample[]): {
  rssGrowthMb: number;
  heapGrowthMb: number;
  rssTrendMbPerHour: number;
  rssFirstToLastSampleMb: number;
} {
  const window = Math.max(3, Math.round(samples.length * GROWTH_WINDOW_SHARE));
  const head = samples.slice(0, window);
  const tail = samples.slice(-window);
  const grown = (pick: (s: MemorySample) => number): number =>
    round(median(tail.map(pick)) - median(head.map(pick)), 1);
  const meanAt = samples.reduce((sum, s) => sum + s.atSeconds, 0) / samples.length;
  const meanRss = samples.reduce((sum, s) => sum + s.rssMb, 0) / samples.length;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.atSeconds - meanAt) * (s.rssMb - meanRss);
    variance += (s.atSeconds - meanAt) ** 2;
  }
  const first = samples[0]?.rssMb ?? 0;
  const last = samples[samples.length - 1]?.rssMb ?? 0;
  return {
    rssGrowthMb: grown((s) => s.rssMb),
    heapGrowthMb: grown((s) => s.heapMb),
    rssTrendMbPerHour: variance > 0 ? round((covariance / variance) * 3600, 1) : 0,
    rssFirstToLastSampleMb: round(last - first, 1),
  };
}

function sampleMemory(startedAt: number): MemorySample {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return {
    atSeconds: Math.round((performance.now() - startedAt) / 1000),
    rssMb: round(rss / MB, 1),
    heapMb: round(heapUsed / MB, 1),
  };
}

interface RtpSeen {
  packets: number;
  sequenceGaps: number;
  /** Timestamp advances of more than one frame that the wall clock between packets explains. */
  skips: number;
  timestampJumps: number;
  first: { time: number; timestamp: number } | null;
  last: { time: number; timestamp: number; seq: number } | null;
  /** Timestamp advance unwrapped past 2^32. */
  timestampSpan: number;
  /** The first few jumps, to tell what they were. */
  jumps: Array<{ seq: number; seqStep: number; timestampStep: number; gapMs: number }>;
}

/**
 * tshark on `lo`, printing each RTP packet sent to `rtpPort` and the size of each datagram sent
 * to `sipPort` (a keepalive is the 4 bytes CRLF CRLF).
 */
function watchWire(rtpPort: number, sipPort: number) {
  const child = spawn(
    'tshark',
    [
      '-i',
      'lo',
      '-l',
      '-n',
      '-f',
      `udp and (dst port ${rtpPort} or dst port ${sipPort})`,
      '-d',
      `udp.port==${rtpPort},rtp`,
      '-T',
      'fields',
      '-E',
      'separator=,',
      '-e',
      'frame.time_epoch',
      '-e',
      'udp.dstport',
      '-e',
      'udp.length',
      '-e',
      'rtp.seq',
      '-e',
      'rtp.timestamp',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const rtp: RtpSeen = {
    packets: 0,
    sequenceGaps: 0,
    skips: 0,
    timestampJumps: 0,
    first: null,
    last: null,
    timestampSpan: 0,
    jumps: [],
  };
  let keepalives = 0;
  let capturing = false;
  child.stderr.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('Capturing on')) capturing = true;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [time, port, length, seqText, timestampText] = line.split(',');
    if (Number(port) === sipPort) {
      if (Number(length) === 8 + 4) keepalives++;
      return;
    }
    if (!seqText || !timestampText) return;
    const seq = Number(seqText);
    const timestamp = Number(timestampText);
    const at = Number(time);
    rtp.packets++;
    const last = rtp.last;
    if (last) {
      const seqStep = (seq - last.seq + 65536) % 65536;
      const timestampStep = (timestamp - last.timestamp + 2 ** 32) % 2 ** 32;
      if (seqStep !== 1) rtp.sequenceGaps++;
      // 20 ms of 8 kHz audio per packet: any other advance is a jump the far end would hear.
      // The sender skips the frames of a stalled event loop rather than bursting them, so its
      // timestamps follow the clock: only an advance the wall clock does not explain is a jump.
      const unexplainedMs = Math.abs(timestampStep / 8 - (at - last.time) * 1000);
      if (timestampStep !== 160 * seqStep) rtp.skips++;
      if (timestampStep !== 160 * seqStep && unexplainedMs > JUMP_TOLERANCE_MS) {
        rtp.timestampJumps++;
        if (rtp.jumps.length < 20) {
          rtp.jumps.push({ seq, seqStep, timestampStep, gapMs: round((at - last.time) * 1000, 1) });
        }
      }
      rtp.timestampSpan += timestampStep;
    } else {
      rtp.first = { time: at, timestamp };
    }
    rtp.last = { time: at, timestamp, seq };
  });
  return {
    ready: () => waitFor(() => capturing, 10_000),
    rtp,
    keepalives: () => keepalives,
    stop: () => child.kill('SIGINT'),
  };
}

async function registered(engine: NatterEngine, sipp: LoopbackSipp) {
  const registration = await engine.invoke('register', {
    account: { server: `127.0.0.1:${sipp.port}`, user: LAB_USER },
    password: LAB_PASSWORD,
  });
  if (registration.state !== 'registered') {
    throw new Error(`could not register: ${registration.error?.message ?? registration.state}`);
  }
}

async function main(): Promise<void> {
  const callSeconds = CALL_MINUTES * 60;
  const scale = (IDLE_HOURS * 3600) / callSeconds;
  const idleExpires = DEFAULT_EXPIRES_SECONDS / scale;
  const idleKeepalive = DEFAULT_KEEPALIVE_SECONDS / scale;
  progress(
    `one call for ${CALL_MINUTES} min; an idle engine for ${IDLE_HOURS} h simulated ` +
      `(timers ÷${round(scale, 2)}: registrations of ${round(idleExpires, 1)} s, keepalives every ${round(idleKeepalive, 2)} s)`,
  );
  const sippTimeout = ['-timeout', `${callSeconds + 600}s`];
  const provider = await startLoopbackSipp('provider-comedia.xml', ['-rtp_echo', ...sippTimeout], {
    calls: 100_000,
  });
  const registrar = await startLoopbackSipp(
    'provider-comedia.xml',
    [...sippTimeout, '-set', 'expires', String(Math.round(idleExpires))],
    { calls: 100_000 },
  );
  progress(`registrar's message log: ${registrar.log}`);
  const wire = watchWire(provider.port + 2, registrar.port);
  const engines: NatterEngine[] = [];
  const lateness: number[] = [];
  let drift = 0;
  const memory: MemorySample[] = [];
  const startedAt = performance.now();
  let tick: ReturnType<typeof setInterval> | null = null;
  let sampler: ReturnType<typeof setInterval> | null = null;
  try {
    if (!(await wire.ready())) throw new Error('tshark did not start capturing on lo');
    const caller = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' });
    const idle = new NatterEngine({
      stunServers: [],
      localAddress: '127.0.0.1',
      keepaliveSeconds: idleKeepalive,
      // Below the account's 60 s floor, which guards what a user may set, not this simulation.
      registerExpiresSeconds: Math.round(idleExpires),
      networkWatchMs: 0,
    });
    engines.push(caller, idle);
    await Promise.all([registered(caller, provider), registered(idle, registrar)]);
    const idleFrom = performance.now();
    // Lateness of each 1 s tick against the previous one, and the drift they add up to.
    const tickFrom = performance.now();
    let previous = tickFrom;
    let ticks = 0;
    tick = setInterval(() => {
      const now = performance.now();
      lateness.push(now - previous - 1000);
      previous = now;
      ticks++;
      drift = now - tickFrom - ticks * 1000;
    }, 1000);
    memory.push(sampleMemory(startedAt));
    sampler = setInterval(() => {
      const sample = sampleMemory(startedAt);
      memory.push(sample);
      progress(`${sample.atSeconds} s: RSS ${sample.rssMb} MB, heap ${sample.heapMb} MB`);
    }, SAMPLE_SECONDS * 1000);

    const call = await caller.invoke('call', { target: '4443' });
    const connected = await new Promise<boolean>((resolve) => {
      const off = caller.on('call', (info) => {
        if (info.id !== call.id) return;
        if (info.state === 'connected' || info.state === 'ended') {
          off();
          resolve(info.state === 'connected');
        }
      });
    });
    if (!connected) throw new Error('the soak call was not answered');
    let endedEarly: string | null = null;
    const offEnded = caller.on('call', (info) => {
      if (info.id === call.id && info.state === 'ended') endedEarly = info.end?.message ?? 'ended';
    });
    await waitFor(() => endedEarly !== null, callSeconds * 1000, 1000);
    offEnded();
    const final = await caller.invoke('hangup', { callId: call.id });
    const idleSeconds = (performance.now() - idleFrom) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    wire.stop();

    // Each registration the registrar granted (a 200 listing our Contact; sip.js resends the
    // old credentials, which sipp challenges again, so REGISTERs outnumber registrations).
    const granted = parseSippMessageLog(registrar.log).filter(
      (entry) =>
        entry.direction === 'sent' &&
        entry.startLine.startsWith('SIP/2.0 200') &&
        /^CSeq:\s*\d+ REGISTER/im.test(entry.text) &&
        /^Contact:/im.test(entry.text),
    ).length;
    // The first registration is not a refresh.
    const refreshes = granted - 1;
    const expectedRefreshes = Math.floor(idleSeconds / (idleExpires * REFRESH_SHARE));
    const expectedKeepalives = Math.floor(idleSeconds / idleKeepalive);
    const warm = memory.filter((s) => s.atSeconds >= callSeconds * WARMUP_SHARE);
    const growth = memoryGrowth(warm.length > 0 ? warm : memory);
    const { rtp } = wire;
    const rtpSeconds = rtp.first && rtp.last ? rtp.last.time - rtp.first.time : 0;
    const rtpClockSeconds = rtp.timestampSpan / 8000;
    const report = {
      callMinutes: CALL_MINUTES,
      idleHoursSimulated: IDLE_HOURS,
      timerScale: round(scale, 3),
      call: {
        endedEarly,
        end: final.end,
        packetsSent: final.stats.packetsSent,
        packetsReceived: final.stats.packetsReceived,
        packetsLost: final.stats.packetsLost,
        jitterMs: final.stats.jitterMs,
      },
      rtpAtFarEnd: {
        packets: rtp.packets,
        sequenceGaps: rtp.sequenceGaps,
        framesSkippedAfterStalls: rtp.skips,
        timestampJumps: rtp.timestampJumps,
        jumps: rtp.jumps,
        wallSeconds: round(rtpSeconds, 1),
        rtpClockSeconds: round(rtpClockSeconds, 1),
        clockDriftPpm:
          rtpSeconds > 0 ? round(((rtpClockSeconds - rtpSeconds) / rtpSeconds) * 1e6, 0) : null,
      },
      timerLatenessMs: {
        p50: round(percentile(lateness, 50), 2),
        p99: round(percentile(lateness, 99), 2),
        max: round(Math.max(...lateness), 2),
        driftOverRun: round(drift, 1),
      },
      idle: {
        secondsWall: round(idleSeconds, 0),
        refreshes,
        expectedRefreshes,
        keepalives: wire.keepalives(),
        expectedKeepalives,
        registration: (await idle.invoke('snapshot', {})).registration.state,
      },
      memory: {
        warmupEndsAtSeconds: warm[0]?.atSeconds ?? 0,
        ...growth,
        rssMaxMb: Math.max(...memory.map((s) => s.rssMb)),
        gcForced: typeof (globalThis as { gc?: unknown }).gc === 'function',
        samples: memory,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const verdicts = [
      [
        'memory flat after warm-up (RSS growth < 5 MB, medians of the first and last tenth)',
        report.memory.rssGrowthMb < 5,
      ],
      ['call lasted the whole run', endedEarly === null],
      // After a stall the late packet and the next leave together, so a gap between arrivals
      // misjudges them; a lasting jump shows as the RTP clock leaving the wall clock.
      [
        'RTP continuous at the far end (no sequence gap, RTP clock within 100 ppm of the wall)',
        rtp.packets > 0 &&
          rtp.sequenceGaps === 0 &&
          Math.abs(report.rtpAtFarEnd.clockDriftPpm ?? Infinity) < 100,
      ],
      ['every registration refresh sent', refreshes >= expectedRefreshes],
      ['keepalives sent as scheduled (≥ 99 %)', wire.keepalives() >= expectedKeepalives * 0.99],
    ] as const;
    for (const [what, held] of verdicts) progress(`${held ? 'ok  ' : 'FAIL'} ${what}`);
    if (verdicts.some(([, held]) => !held)) process.exitCode = 1;
  } finally {
    if (tick) clearInterval(tick);
    if (sampler) clearInterval(sampler);
    wire.stop();
    for (const engine of engines) await engine.shutdown().catch(() => undefined);
    provider.child.kill('SIGKILL');
    registrar.child.kill('SIGKILL');
  }
}

// Peers' configs and captures go to a directory of the run's own, removed when the process exits.
process.once('exit', useRunTempDir());
main()
  .catch((error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  // tshark and sipp were told to stop; a straggler of theirs must not keep the report waiting.
  .finally(() => setTimeout(() => process.exit(), 2000).unref());
