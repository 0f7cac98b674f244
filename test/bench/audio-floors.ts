/**
 * Chromium's own floor for call audio, graph against graph (`BENCH_ONLY=audio-floors`): bare pages
 * that only carry the microphone to the speaker, measured as the app-cost bench measures its bare
 * page (same browser flags, the same swelling tone as the fake microphone, `/proc` ticks of the
 * renderer processes), alternating graph by graph so the machine's load falls on each alike.
 *
 * - `worklet`: the app's graph, the app-cost bench's bare page (16 kHz context, 8 ms callbacks, a
 *   pass-through AudioWorklet).
 * - `breakout-worker`: no Web Audio. A MediaStreamTrackProcessor's readable and a
 *   MediaStreamTrackGenerator's writable are moved to a worker, which cuts the microphone's 10 ms
 *   AudioData to 16 kHz and writes it to the generator, played by an `<audio>` element.
 * - `breakout-page`: the same on the page's own thread.
 *
 * The breakout graphs also report how far behind its capture stamp each microphone frame reached
 * the code that reads it (AudioData timestamps are on the page's `performance.now()` clock).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_MICROPHONE_FLAGS, launchChromium } from '../e2e/support/browser.js';
import { writeToneWav } from '../e2e/support/tone-wav.js';
import { BARE_PAGE, measureCpu, type CpuShare } from './app-cost.js';

export const AUDIO_FLOOR_GRAPHS = ['worklet', 'breakout-worker', 'breakout-page'] as const;
export type AudioFloorGraph = (typeof AUDIO_FLOOR_GRAPHS)[number];

export interface AudioFloorRun {
  graph: AudioFloorGraph;
  cpu: CpuShare;
  /** Median lag of microphone frames behind their capture stamp, ms (breakout graphs only). */
  captureLagMs: number | null;
  /** Microphone frames carried to the speaker over the window (breakout graphs only). */
  framesCarried: number | null;
  loadAverage: number;
}

const MICROPHONE_CONSTRAINTS = `{ audio: { echoCancellation: true, noiseSuppression: true,
  autoGainControl: true, channelCount: 1 } }`;

/**
 * Shared by both breakout graphs: reads 48 kHz AudioData, averages each three samples into a
 * 16 kHz frame (the link's rate) and writes that to the generator. Every frame is carried, however
 * late: dropping late ones to catch up did not help in the worker, whose reads stayed behind.
 */
const BREAKOUT_LOOP = `
async function carry(readable, writable, lagOf, tally) {
  const reader = readable.getReader();
  const writer = writable.getWriter();
  const copy = new Float32Array(480);
  const link = new Float32Array(160);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const lag = lagOf(value.timestamp);
    tally.lags.push(lag);
    const count = value.numberOfFrames;
    value.copyTo(copy, { planeIndex: 0, format: 'f32-planar' });
    value.close();
    for (let i = 0, j = 0; j + 2 < count; i++, j += 3) link[i] = (copy[j] + copy[j + 1] + copy[j + 2]) / 3;
    tally.frames++;
    writer.write(new AudioData({ format: 'f32-planar', sampleRate: 16000, numberOfFrames: count / 3,
      numberOfChannels: 1, timestamp: value.timestamp, data: link }));
  }
}
function takeReport(tally) {
  const sorted = tally.lags.slice().sort((a, b) => a - b);
  const report = { lagMs: sorted.length ? sorted[sorted.length >> 1] : null, frames: tally.frames };
  tally.lags = [];
  tally.frames = 0;
  return report;
}`;

const WORKER_SOURCE = `${BREAKOUT_LOOP}
const tally = { lags: [], frames: 0 };
self.onmessage = (event) => {
  const message = event.data;
  if (message.kind === 'clock') postMessage(performance.now());
  else if (message.kind === 'report') postMessage(takeReport(tally));
  else {
    const offset = message.pageNow - message.workerNow;
    void carry(message.readable, message.writable, (stamp) => performance.now() + offset - stamp / 1000, tally);
  }
};`;

const BREAKOUT_SETUP = `
const stream = await navigator.mediaDevices.getUserMedia(${MICROPHONE_CONSTRAINTS});
const processor = new MediaStreamTrackProcessor({ track: stream.getAudioTracks()[0], maxBufferSize: 1 });
const generator = new MediaStreamTrackGenerator({ kind: 'audio' });
const audio = new Audio();
audio.srcObject = new MediaStream([generator]);
await audio.play();`;

const PAGES: Record<AudioFloorGraph, string> = {
  worklet: BARE_PAGE,
  'breakout-worker': `<!doctype html><title>bare</title><script type="module">
${BREAKOUT_SETUP}
const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(WORKER_SOURCE)}], { type: 'text/javascript' })));
const ask = (message) => new Promise((resolve) => { worker.onmessage = (event) => resolve(event.data); worker.postMessage(message); });
// The worker's clock against the page's, read at the middle of a round trip.
const asked = performance.now();
const workerThen = await ask({ kind: 'clock' });
const pageNow = performance.now();
worker.postMessage({ kind: 'start', pageNow, workerNow: workerThen + (pageNow - asked) / 2,
  readable: processor.readable, writable: generator.writable }, [processor.readable, generator.writable]);
window.floorReport = () => ask({ kind: 'report' });
document.title = 'running';
</script>`,
  'breakout-page': `<!doctype html><title>bare</title><script type="module">
${BREAKOUT_LOOP}
${BREAKOUT_SETUP}
const tally = { lags: [], frames: 0 };
void carry(processor.readable, generator.writable, (stamp) => performance.now() - stamp / 1000, tally);
window.floorReport = () => takeReport(tally);
document.title = 'running';
</script>`,
};

const PAGE_URL = 'http://127.0.0.1:9/audio-floor-page';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function measureAudioFloors(options: {
  seconds: number;
  rounds: number;
  graphs?: readonly AudioFloorGraph[];
  progress: (line: string) => void;
}): Promise<AudioFloorRun[]> {
  const micWav = join(tmpdir(), `natter-bench-floor-mic-${process.pid}.wav`);
  writeToneWav(micWav, 440, 5, { syllablesPerSecond: 4 });
  const browser = await launchChromium({
    extraArgs: [
      '--autoplay-policy=no-user-gesture-required',
      ...FAKE_MICROPHONE_FLAGS,
      `--use-file-for-fake-audio-capture=${micWav}`,
    ],
  });
  const runs: AudioFloorRun[] = [];
  try {
    const browserSession = await browser.newBrowserCDPSession();
    for (let round = 0; round < options.rounds; round++) {
      for (const graph of options.graphs ?? AUDIO_FLOOR_GRAPHS) {
        options.progress(`audio floor: ${graph}, round ${round + 1}, ${options.seconds} s`);
        const page = await browser.newPage();
        try {
          await page.route(PAGE_URL, (route) =>
            route.fulfill({ contentType: 'text/html', body: PAGES[graph] }),
          );
          const pageSession = await page.context().newCDPSession(page);
          await pageSession.send('Performance.enable');
          await page.goto(PAGE_URL);
          await page.waitForFunction("document.title === 'running'", null, { timeout: 10_000 });
          await sleep(3000);
          const report = async () =>
            (await page.evaluate('window.floorReport?.() ?? null')) as {
              lagMs: number | null;
              frames: number;
            } | null;
          await report();
          const loadAverage = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
          const cpu = await measureCpu(browserSession, pageSession, options.seconds);
          const carried = await report();
          runs.push({
            graph,
            cpu,
            captureLagMs: carried?.lagMs ?? null,
            framesCarried: carried?.frames ?? null,
            loadAverage,
          });
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
  }
  return runs;
}
