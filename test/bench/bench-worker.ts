/**
 * Measurements that run inside the lab's client namespace, one task per process, each printing
 * one JSON object. Started by run-bench.ts.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { encodeBindingRequest } from '../../src-main/net/stun-codec.js';
import { discoverMapping } from '../../src-main/net/stun-discovery.js';
import { UdpEndpoint } from '../../src-main/net/udp-endpoint.js';
import { ToneGenerator } from '../../src-main/media/tone.js';
import type { CallInfo } from '../../src-shared/domain.js';
import { median, percentile, round } from './stats.js';
import { saveProfile, startProfiling } from './cpu-profile.js';
import { tuneV8ForCalls } from '../../src-main/engine/v8-tuning.js';

// The engines measured here run as the app and the CLI run theirs.
tuneV8ForCalls();

const [task, ...args] = process.argv.slice(2);

/** The bare UDP round trip to a STUN server: one request, one answer, no parsing. */
async function udpRoundTrip(host: string, port: number): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const started = performance.now();
  const answered = new Promise<number>((resolve) =>
    socket.once('message', () => resolve(performance.now() - started)),
  );
  socket.send(encodeBindingRequest(randomBytes(12)), port, host);
  const rtt = await answered;
  socket.close();
  return rtt;
}

async function stunTask(server: string): Promise<object> {
  const [host, port] = server.split(':') as [string, string];
  const rounds = 60;
  const rtts: number[] = [];
  const discoveries: number[] = [];
  for (let i = 0; i < rounds; i++) {
    rtts.push(await udpRoundTrip(host, Number(port)));
    const endpoint = await UdpEndpoint.bind();
    const started = performance.now();
    const result = await discoverMapping(endpoint, [server], {
      graceAfterFirstMs: 0,
      localAddress: '0.0.0.0',
    });
    discoveries.push(performance.now() - started);
    if (!result.mapped) throw new Error('STUN discovery failed in the lab');
    await endpoint.close();
  }
  // The first rounds pay for JIT compilation; they are not what a running phone sees.
  const warm = (samples: number[]) => samples.slice(10);
  return {
    rttMedianMs: round(median(warm(rtts)), 3),
    discoveryMedianMs: round(median(warm(discoveries)), 3),
    discoveryP90Ms: round(percentile(warm(discoveries), 90), 3),
  };
}

async function openEngine(server: string, stun: string): Promise<NatterEngine> {
  const engine = new NatterEngine(
    { stunServers: [stun] },
    {
      audioSourceFor: () => {
        const tone = new ToneGenerator({ frequency: 1000 });
        return () => tone.next();
      },
    },
  );
  const registration = await engine.invoke('register', {
    account: { server, user: '123456_home' },
    password: process.env.NATTER_PASSWORD ?? '',
  });
  if (registration.state !== 'registered')
    throw new Error(`not registered: ${registration.error?.message}`);
  return engine;
}

function untilState(
  engine: NatterEngine,
  callId: string,
  state: CallInfo['state'],
): Promise<CallInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`call ${callId} never reached ${state}`)),
      45_000,
    );
    const off = engine.on('call', (info) => {
      if (info.id === callId && (info.state === state || info.state === 'ended')) {
        clearTimeout(timer);
        off();
        resolve(info);
      }
    });
  });
}

async function inviteTask(server: string, stun: string): Promise<object> {
  let inviteSentAt = 0;
  const engine = new NatterEngine(
    { stunServers: [stun] },
    {
      onTrace: (direction, message) => {
        if (direction === 'out' && message.startsWith('INVITE ') && inviteSentAt === 0) {
          inviteSentAt = performance.now();
        }
      },
    },
  );
  const registration = await engine.invoke('register', {
    account: { server, user: '123456_home' },
    password: process.env.NATTER_PASSWORD ?? '',
  });
  if (registration.state !== 'registered') {
    throw new Error(`not registered: ${registration.error?.message ?? registration.state}`);
  }
  const samples: number[] = [];
  for (let i = 0; i < 12; i++) {
    inviteSentAt = 0;
    const started = performance.now();
    const call = await engine.invoke('call', { target: '4443' });
    await untilState(engine, call.id, 'connected');
    samples.push(inviteSentAt - started);
    await engine.invoke('hangup', { callId: call.id });
  }
  await engine.shutdown();
  const warm = samples.slice(2);
  return { inviteMedianMs: round(median(warm), 3), inviteP90Ms: round(percentile(warm, 90), 3) };
}

/** Percent of one core this process used while `ms` passed. */
async function corePercentOver(ms: number): Promise<number> {
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpu = process.cpuUsage(cpuBefore);
  return ((cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)) * 100;
}

/**
 * `count` calls in one process, each on an engine of its own (a phone carries one call at a
 * time: a second call holds or cancels the first), so the calls share one event loop as they
 * would in a server. Each engine is measured registered and idle first, then in its call, in
 * the same process, so what a call adds is the difference of two windows measured alike.
 */
async function loadTask(
  server: string,
  stun: string,
  count: number,
  seconds: number,
): Promise<object> {
  const engines: NatterEngine[] = [];
  for (let i = 0; i < Math.max(1, count); i++) engines.push(await openEngine(server, stun));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleCorePercent = await corePercentOver(seconds * 1000);
  // One after another: a burst of set-ups on a loaded machine can outlast the answer timeout.
  const calls: Array<{ engine: NatterEngine; call: CallInfo }> = [];
  for (const engine of engines.slice(0, count)) {
    const call = await engine.invoke('call', { target: '4443' });
    await untilState(engine, call.id, 'connected');
    calls.push({ engine, call });
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  // Set by run-bench.ts under BENCH_PROFILE=1: the measured window is profiled as well.
  const profileDir = process.env.NATTER_BENCH_PROFILE_DIR;
  const stopProfiling = profileDir ? await startProfiling() : null;
  const corePercent = count > 0 ? await corePercentOver(seconds * 1000) : idleCorePercent;
  if (stopProfiling && profileDir) saveProfile(await stopProfiling(), profileDir, `load-${count}`);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  let flowing = 0;
  for (const { engine, call } of calls) {
    const snapshot = await engine.invoke('snapshot', {});
    const info = snapshot.calls.find((c) => c.id === call.id);
    if (info && info.stats.packetsReceived > 0 && info.stats.packetsSent > 0) flowing++;
    await engine.invoke('hangup', { callId: call.id });
  }
  for (const engine of engines) await engine.shutdown();
  return {
    calls: count,
    flowing,
    idleCorePercent: round(idleCorePercent, 2),
    corePercent: round(corePercent, 2),
    rssMb: round(rssMb, 1),
  };
}

async function runTask(): Promise<object> {
  switch (task) {
    case 'stun':
      return stunTask(args[0] ?? '');
    case 'invite':
      return inviteTask(args[0] ?? '', args[1] ?? '');
    case 'load':
      return loadTask(args[0] ?? '', args[1] ?? '', Number(args[2]), Number(args[3] ?? 10));
    default:
      throw new Error(`unknown task ${task}`);
  }
}

runTask().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(
      `bench worker ${task}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
