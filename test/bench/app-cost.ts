/**
 * The app's own cost, measured in Debian's Chromium with the built renderer against the real
 * engine (the test bridge), sipp as the provider and coturn as the STUN server on loopback:
 * renderer CPU idle on the dialer and during a call with its meters and sparklines on screen,
 * and the delay the app adds between the microphone and RTP and between RTP and the speaker.
 *
 * CPU is read from /proc/<pid>/stat (utime + stime) of Chromium's renderer processes, found by
 * CDP's SystemInfo.getProcessInfo, over whole windows. /proc counts every thread of the process:
 * the page's main thread and also its compositor and the audio worklet's real-time thread,
 * where the call audio is cut into frames. CDP's Performance.getMetrics TaskDuration counts the
 * main thread only, so it is reported beside it, to show how much of the cost is React and
 * layout, not as the figure itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import { LAB_PASSWORD, LAB_USER } from '../lab/support/peers.js';
import { startLoopbackApp, type LoopbackApp } from '../e2e/support/loopback-app.js';
import { writeToneWav } from '../e2e/support/tone-wav.js';
import { median, percentile } from './stats.js';

export interface CpuShare {
  /** Percent of one core used by the renderer processes over the window. */
  renderer: number;
  /** The renderer's main thread alone (TaskDuration), percent of one core. */
  mainThread: number;
  /** Layouts of the page per second (CDP LayoutCount): each is a frame laid out and painted. */
  layoutsPerSecond: number;
  /** Every Chromium process (browser, renderer, GPU, network, audio service). */
  chromium: number;
  /** The renderer's share split by thread name (CrRendererMain, the audio worklet's, ...). */
  rendererThreads: Record<string, number>;
  /** The ids of the renderer's dedicated worker threads alive at the end of the window. */
  workerThreadIds: string[];
}

export interface DelayStats {
  median: number;
  p90: number;
  samples: number;
}

export interface AppCost {
  idle: CpuShare;
  call: CpuShare;
  /** Microphone frame stamped by the worklet → taken by the RTP sender (main's reading). */
  uplink: DelayStats;
  /** Decoded frame stamped by main → its first sample played by the worklet. */
  playout: DelayStats;
  /**
   * What the call screen shows: the same two readings, the speaker side with the audio
   * context's own output buffer (baseLatency + outputLatency) added, as the renderer adds it.
   */
  shownUplink: DelayStats;
  shownPlayout: DelayStats;
  /**
   * A bare page in the same browser right after the call: the microphone through a pass-through
   * worklet to the speaker in an audio context like the app's. It is Chromium's own floor for
   * call audio here, and measured in the same run it shows how loaded the machine was.
   */
  bare: CpuShare;
  /** Gaps over the call window: the speaker running dry, RTP finding no microphone frame. */
  gaps: { speakerUnderruns: number; micUnderruns: number; micFramesTrimmed: number };
}

/**
 * The renderer thread that exists only in the test bridge: the worker that carries call audio
 * over the loopback WebSocket. In the app main's MessagePort reaches the worklet directly.
 */
export const BRIDGE_RELAY_THREAD = 'DedicatedWorker';
/**
 * The page's own workers (the call screen's meters) have the relay's thread name: they are told
 * apart by thread id, the relay's being the worker already running on the idle dialer.
 */
export const PAGE_WORKER_THREAD = 'page workers';

/** The call screen's line, e.g. "Audio path: mic → network 12 ms, network → speaker 126 ms". */
const SHOWN_DELAYS = /mic → network (\d+) ms, network → speaker (\d+) ms/;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

function processTicks(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** utime + stime and the name of each thread of a process, by thread id. */
function threadTicks(pid: number): Map<string, { name: string; ticks: number }> {
  const byId = new Map<string, { name: string; ticks: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byId;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      byId.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byId;
}

async function chromiumProcesses(session: CDPSession): Promise<{ type: string; id: number }[]> {
  const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  return processInfo;
}

/** The page's main-thread time (TaskDuration, s) and its layouts so far. */
async function pageMetrics(session: CDPSession): Promise<{ task: number; layouts: number }> {
  const { metrics } = await session.send('Performance.getMetrics');
  const metric = (name: string) => metrics.find((entry) => entry.name === name)?.value ?? 0;
  return { task: metric('TaskDuration'), layouts: metric('LayoutCount') };
}

/**
 * CPU over `seconds`, counted only for processes alive at both ends of the window. Given
 * `relayThreadIds`, dedicated workers not among them count as {@link PAGE_WORKER_THREAD}.
 */
export async function measureCpu(
  browserSession: CDPSession,
  pageSession: CDPSession,
  seconds: number,
  during: () => Promise<void> = () => sleep(seconds * 1000),
  relayThreadIds?: readonly string[],
): Promise<CpuShare> {
  const processes = await chromiumProcesses(browserSession);
  const before = new Map(processes.map((p) => [p.id, processTicks(p.id)]));
  const renderers = processes.filter((p) => p.type === 'renderer').map((p) => p.id);
  const threadsBefore = new Map(renderers.map((pid) => [pid, threadTicks(pid)]));
  const pageBefore = await pageMetrics(pageSession);
  const started = Date.now();
  await during();
  const elapsed = (Date.now() - started) / 1000;
  const pageAfter = await pageMetrics(pageSession);
  const share = (types: (type: string) => boolean) => {
    let ticks = 0;
    for (const { id, type } of processes) {
      const start = before.get(id);
      const end = processTicks(id);
      if (types(type) && start != null && end != null) ticks += end - start;
    }
    return (ticks / CLOCK_TICKS / elapsed) * 100;
  };
  const rendererThreads: Record<string, number> = {};
  const workerThreadIds: string[] = [];
  for (const pid of renderers) {
    const start = threadsBefore.get(pid) ?? new Map<string, { name: string; ticks: number }>();
    for (const [tid, { name, ticks }] of threadTicks(pid)) {
      const used = ((ticks - (start.get(tid)?.ticks ?? 0)) / CLOCK_TICKS / elapsed) * 100;
      let shown = name;
      if (name === BRIDGE_RELAY_THREAD) {
        workerThreadIds.push(tid);
        if (relayThreadIds && !relayThreadIds.includes(tid)) shown = PAGE_WORKER_THREAD;
      }
      rendererThreads[shown] = (rendererThreads[shown] ?? 0) + used;
    }
  }
  return {
    renderer: share((type) => type === 'renderer'),
    mainThread: ((pageAfter.task - pageBefore.task) / elapsed) * 100,
    layoutsPerSecond: (pageAfter.layouts - pageBefore.layouts) / elapsed,
    chromium: share(() => true),
    rendererThreads,
    workerThreadIds,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function delayStats(values: number[]): DelayStats {
  return { median: median(values), p90: percentile(values, 90), samples: values.length };
}

async function until(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`app cost: ${what} did not happen in ${ms} ms`);
    await sleep(200);
  }
}

/**
 * The bare page: served by the browser itself on a loopback origin (a secure context, so the
 * microphone may open), with the context's rate and output buffer the app uses.
 */
const BARE_PAGE_URL = 'http://127.0.0.1:9/bare-audio-page';
export const BARE_PAGE = `<!doctype html><title>bare</title><script type="module">
const worklet = 'registerProcessor("pass", class extends AudioWorkletProcessor {' +
  ' process(inputs, outputs) { const i = inputs[0][0], o = outputs[0][0];' +
  ' if (i && o) o.set(i); return true; } });';
const context = new AudioContext({ sampleRate: 16000, latencyHint: 128 / 16000 });
await context.audioWorklet.addModule(URL.createObjectURL(new Blob([worklet], { type: 'text/javascript' })));
const node = new AudioWorkletNode(context, 'pass', { outputChannelCount: [1] });
node.connect(context.destination);
const stream = await navigator.mediaDevices.getUserMedia({ audio: {
  echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 } });
context.createMediaStreamSource(stream).connect(node);
await context.resume();
document.title = 'running';
</script>`;

async function measureBarePage(app: LoopbackApp, browserSession: CDPSession, seconds: number) {
  const page = await app.browser.newPage();
  await page.route(BARE_PAGE_URL, (route) =>
    route.fulfill({ contentType: 'text/html', body: BARE_PAGE }),
  );
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  await page.goto(BARE_PAGE_URL);
  await until(async () => (await page.title()) === 'running', 10_000, 'the bare audio page');
  await sleep(3000);
  return measureCpu(browserSession, session, seconds);
}

export async function measureAppCost(options: {
  idleSeconds: number;
  callSeconds: number;
  progress: (line: string) => void;
}): Promise<AppCost> {
  let app: LoopbackApp | undefined;
  try {
    const micWav = join(tmpdir(), `natter-bench-mic-${process.pid}.wav`);
    // A tone that swells and fades four times a second, as syllables do: the meters move all
    // call long, as they do when people talk, rather than standing still on a steady tone.
    writeToneWav(micWav, 440, 5, { syllablesPerSecond: 4 });
    app = await startLoopbackApp({
      ports: { sip: 33000, stun: 'any' },
      provider: {
        scenario: 'provider-comedia.xml',
        calls: 10,
        sipp: ['-rtp_echo', '-timeout', `${options.idleSeconds + options.callSeconds + 120}s`],
      },
      settings: ({ sipPort, stunPort }) => ({
        account: { server: `127.0.0.1:${sipPort}`, user: LAB_USER, displayName: 'Bench' },
        password: LAB_PASSWORD,
        stunServers: [`127.0.0.1:${stunPort}`],
      }),
      microphone: micWav,
      autoplay: true,
    });
    const { bridge, browser, page } = app;
    const browserSession = await browser.newBrowserCDPSession();
    const pageSession = await page.context().newCDPSession(page);
    await pageSession.send('Performance.enable');
    await page.goto(bridge.url);
    const indicator = page.getByRole('button', { name: /^Network:/ });
    await until(
      async () => /green/.test((await indicator.getAttribute('class')) ?? ''),
      15_000,
      'registration',
    );
    // Let start-up work (first STUN check, fonts, first layout) finish before measuring.
    await sleep(5000);
    options.progress(`measuring the renderer idle on the dialer, ${options.idleSeconds} s`);
    const idle = await measureCpu(browserSession, pageSession, options.idleSeconds);

    await page.getByLabel('Number to call').fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await until(async () => (await page.getByText('Connected').count()) === 1, 15_000, 'connect');
    // The meters, the sparklines and the delay readout are on screen and moving: the figures
    // wait behind Details, so it is opened, as a user watching the call's quality would.
    await page.locator('.call-details summary', { hasText: 'Details' }).click();
    await until(
      async () =>
        (await page.locator('.sparkline polyline').count()) > 0 &&
        (await page.locator('.sparkline').first().isVisible()),
      10_000,
      'sparklines',
    );
    await sleep(3000);
    options.progress(`measuring the renderer in a call, ${options.callSeconds} s`);
    const uplink: number[] = [];
    const playout: number[] = [];
    const shownUplink: number[] = [];
    const shownPlayout: number[] = [];
    const audio = bridge.service.audio;
    const delayText = page.locator('.audio-delay');
    const statsBefore = audio.stats;
    const measureCall = async () => {
      for (let second = 0; second < options.callSeconds; second++) {
        await sleep(1000);
        const { uplinkDelayMs, playoutDelayMs } = audio.stats;
        if (uplinkDelayMs !== null) uplink.push(uplinkDelayMs);
        if (playoutDelayMs !== null) playout.push(playoutDelayMs);
        const shown = SHOWN_DELAYS.exec((await delayText.textContent()) ?? '');
        if (shown) {
          shownUplink.push(Number(shown[1]));
          shownPlayout.push(Number(shown[2]));
        }
      }
    };
    const call = await measureCpu(
      browserSession,
      pageSession,
      options.callSeconds,
      measureCall,
      idle.workerThreadIds,
    );
    const statsAfter = audio.stats;
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.close();
    options.progress(`measuring a bare audio page in the same browser, ${options.callSeconds} s`);
    const bare = await measureBarePage(app, browserSession, options.callSeconds);
    return {
      bare,
      gaps: {
        speakerUnderruns: statsAfter.playoutUnderruns - statsBefore.playoutUnderruns,
        micUnderruns: statsAfter.micUnderruns - statsBefore.micUnderruns,
        micFramesTrimmed: statsAfter.micFramesTrimmed - statsBefore.micFramesTrimmed,
      },
      idle,
      call,
      uplink: delayStats(uplink),
      playout: delayStats(playout),
      shownUplink: delayStats(shownUplink),
      shownPlayout: delayStats(shownPlayout),
    };
  } finally {
    await app?.close();
  }
}
