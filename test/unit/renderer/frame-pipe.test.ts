import { describe, expect, it } from 'vitest';
import {
  FramePipe,
  RENDER_QUANTUM,
  REPORT_EVERY_MS,
  START_MARGIN_SAMPLES,
  type PipeToMain,
  type WorkletReport,
} from '../../../src-renderer/src/audio/frame-pipe.js';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../../src-shared/audio-format.js';

/** Where playout starts on a fresh stream: a frame, a quantum and the margin. */
const START_DEPTH = AUDIO_FRAME_SAMPLES + RENDER_QUANTUM + START_MARGIN_SAMPLES;
/** A render quantum at 16 kHz, in ms. */
const QUANTUM_MS = (RENDER_QUANTUM / AUDIO_SAMPLE_RATE) * 1000;

function harness() {
  const toMain: { message: PipeToMain; transfer: ArrayBuffer[] }[] = [];
  const toPage: WorkletReport[] = [];
  const pipe = new FramePipe(AUDIO_SAMPLE_RATE, {
    toMain: (message, transfer) => toMain.push({ message, transfer }),
    toPage: (report) => toPage.push(report),
  });
  return { pipe, toMain, toPage };
}

/** A frame whose samples count up from `first`, so each sample played can be told apart. */
function rampFrame(first: number): Int16Array {
  return Int16Array.from({ length: AUDIO_FRAME_SAMPLES }, (_, i) => first + i);
}

function micFrames(toMain: { message: PipeToMain }[]) {
  return toMain.flatMap(({ message }) => (message.kind === 'mic' ? [message] : []));
}

describe('the frame pipe: microphone to main', () => {
  it('cuts render quanta into 20 ms frames of 16-bit PCM, stamped and handed over', () => {
    const { pipe, toMain } = harness();
    const quanta = 5; // 640 samples: two frames exactly
    for (let q = 0; q < quanta; q++) {
      const input = Float32Array.from({ length: RENDER_QUANTUM }, (_, i) => {
        const n = q * RENDER_QUANTUM + i;
        // Beyond full scale too: clipped, not wrapped around.
        return n === 5 ? 1.5 : n === 6 ? -2 : (n % 100) / 200;
      });
      pipe.process(input, new Float32Array(RENDER_QUANTUM), 1000 + q * QUANTUM_MS);
    }
    const frames = micFrames(toMain);
    expect(frames).toHaveLength(2);
    const first = new Int16Array(frames[0]?.pcm ?? new ArrayBuffer(0));
    expect(first).toHaveLength(AUDIO_FRAME_SAMPLES);
    expect(first[5]).toBe(32767);
    expect(first[6]).toBe(-32767);
    expect(first[50]).toBe(Math.round(0.25 * 32767));
    const second = new Int16Array(frames[1]?.pcm ?? new ArrayBuffer(0));
    expect(second[0]).toBe(Math.round(((320 % 100) / 200) * 32767));
    // Each frame's buffer is its own and goes in the transfer list, so it moves, uncopied.
    expect(frames[0]?.pcm).not.toBe(frames[1]?.pcm);
    for (const { message, transfer } of toMain) {
      if (message.kind === 'mic') expect(transfer).toEqual([message.pcm]);
    }
    // Stamped with the time of the quantum that completed it.
    expect(frames[0]?.at).toBeCloseTo(1000 + 2 * QUANTUM_MS);
  });
});

describe('the frame pipe: main to the speaker', () => {
  it('starts playing at one frame, one quantum and the margin, sample for sample', () => {
    const { pipe } = harness();
    const output = new Float32Array(RENDER_QUANTUM);
    pipe.enqueue(rampFrame(0), 0, 0);
    pipe.process(undefined, output, 1);
    expect(output.every((sample) => sample === 0)).toBe(true);
    pipe.enqueue(rampFrame(AUDIO_FRAME_SAMPLES), 0, 2);
    expect(2 * AUDIO_FRAME_SAMPLES).toBeGreaterThanOrEqual(START_DEPTH);
    pipe.process(undefined, output, 3);
    expect(Array.from(output.subarray(0, 3))).toEqual([0, 1 / 32768, 2 / 32768]);
    pipe.process(undefined, output, 4);
    expect(output[0]).toBe(RENDER_QUANTUM / 32768);
  });

  it('reports the delay from main’s stamp to the first sample played, to main and the page', () => {
    const { pipe, toMain, toPage } = harness();
    const output = new Float32Array(RENDER_QUANTUM);
    let now = 10_000;
    // A steady stream: a frame every 20 ms, stamped 30 ms before it reaches the worklet.
    let nextFrame = now;
    for (let q = 0; q < 200; q++) {
      while (nextFrame <= now) {
        pipe.enqueue(rampFrame(0), nextFrame - 30, nextFrame);
        nextFrame += 20;
      }
      pipe.process(undefined, output, now);
      now += QUANTUM_MS;
    }
    const delays = toPage.filter((report) => report.kind === 'delays');
    expect(delays.length).toBeGreaterThan(0);
    const last = delays[delays.length - 1];
    // 30 ms before arrival, and what the buffer holds ahead of it: above 30, within the start depth.
    expect(last?.kind === 'delays' && last.playoutMs).toBeGreaterThan(30);
    expect(last?.kind === 'delays' && last.playoutMs).toBeLessThan(30 + START_DEPTH / 16 + 10);
    expect(last?.kind === 'delays' && last.underruns).toBe(0);
    const toMainDelays = toMain.filter(({ message }) => message.kind === 'playout-delay');
    expect(toMainDelays.length).toBe(delays.length);
  });

  it('counts a gap when a frame comes late, not when the audio had stopped', () => {
    const { pipe, toPage } = harness();
    const output = new Float32Array(RENDER_QUANTUM);
    let now = 0;
    const playUntilDry = () => {
      for (let q = 0; q < 20; q++) {
        pipe.process(undefined, output, now);
        now += QUANTUM_MS;
      }
    };
    pipe.enqueue(rampFrame(0), now, now);
    pipe.enqueue(rampFrame(0), now, now);
    playUntilDry();
    // 100 ms after running dry: a late frame, a gap heard.
    now += 100;
    pipe.enqueue(rampFrame(0), now, now);
    pipe.enqueue(rampFrame(0), now, now);
    playUntilDry();
    // Two seconds of silence: the stream had ended; its next start is no gap.
    now += 2000;
    pipe.enqueue(rampFrame(0), now, now);
    pipe.enqueue(rampFrame(0), now, now);
    for (let q = 0; q < 150; q++) {
      pipe.process(undefined, output, now);
      now += QUANTUM_MS;
    }
    const delays = toPage.filter((report) => report.kind === 'delays');
    const last = delays[delays.length - 1];
    expect(last?.kind === 'delays' && last.underruns).toBe(1);
  });

  it('drops a burst beyond 160 ms at once, so it is not played late for the rest of the call', () => {
    const { pipe } = harness();
    const output = new Float32Array(RENDER_QUANTUM);
    // Nine frames at once, 180 ms: beyond the 160 ms the buffer may hold.
    for (let i = 0; i < 9; i++) pipe.enqueue(rampFrame(i * 1000), 0, 0);
    const played: number[] = [];
    for (let q = 0; q < 40; q++) {
      pipe.process(undefined, output, q);
      played.push(...output);
    }
    const heard = played.filter((sample) => sample !== 0);
    // What stays is what playout starts on, not 180 ms played late for the rest of the call...
    expect(heard.length).toBeLessThanOrEqual(START_DEPTH);
    expect(heard.length).toBeGreaterThan(START_DEPTH - AUDIO_FRAME_SAMPLES);
    // ...and it is the newest audio, to its last sample.
    expect(heard[heard.length - 1]).toBe((8000 + AUDIO_FRAME_SAMPLES - 1) / 32768);
  });
});

describe('the frame pipe: levels for the meters', () => {
  it('reports each REPORT_EVERY_MS the peaks of both directions since the last report', () => {
    const { pipe, toPage } = harness();
    const output = new Float32Array(RENDER_QUANTUM);
    const loud = new Float32Array(RENDER_QUANTUM).fill(-0.5);
    pipe.enqueue(
      Int16Array.from({ length: AUDIO_FRAME_SAMPLES }, () => 16384),
      0,
      0,
    );
    pipe.enqueue(
      Int16Array.from({ length: AUDIO_FRAME_SAMPLES }, () => 16384),
      0,
      0,
    );
    pipe.process(loud, output, REPORT_EVERY_MS);
    expect(toPage).toEqual([{ kind: 'levels', micPeak: 0.5, speakerPeak: 0.5 }]);
    pipe.process(new Float32Array(RENDER_QUANTUM), output, REPORT_EVERY_MS + 50);
    expect(toPage).toHaveLength(1);
    pipe.process(new Float32Array(RENDER_QUANTUM), output, 2 * REPORT_EVERY_MS);
    expect(toPage[1]).toEqual({ kind: 'levels', micPeak: 0, speakerPeak: 0.5 });
  });
});

describe('the frame pipe: the call’s volumes', () => {
  /** One frame's worth of quanta of a steady microphone level, and a frame to play at `level`. */
  function run(pipe: FramePipe, micLevel: number, speakerLevel: number) {
    const output = new Float32Array(RENDER_QUANTUM);
    const played: number[] = [];
    for (let frame = 0; frame < 4; frame++) {
      pipe.enqueue(
        Int16Array.from({ length: AUDIO_FRAME_SAMPLES }, () => Math.round(speakerLevel * 32768)),
        0,
        0,
      );
    }
    for (let q = 0; q < 5; q++) {
      pipe.process(new Float32Array(RENDER_QUANTUM).fill(micLevel), output, 1 + q * QUANTUM_MS);
      played.push(...output);
    }
    return played;
  }

  it('scales what is sent and what is played, and the meters show the result', () => {
    const { pipe, toMain, toPage } = harness();
    pipe.setVolumes(0.5, 1.5);
    const played = run(pipe, 0.4, 0.25);
    const sent = new Int16Array(micFrames(toMain)[0]?.pcm ?? new ArrayBuffer(0));
    expect(sent[0]).toBe(Math.round(0.2 * 32767));
    expect(Math.max(...played)).toBeCloseTo(0.375, 3);
    pipe.process(new Float32Array(RENDER_QUANTUM), new Float32Array(RENDER_QUANTUM), 1000);
    const levels = toPage.find((report) => report.kind === 'levels');
    expect(levels).toMatchObject({ kind: 'levels' });
    expect(levels?.kind === 'levels' && levels.micPeak).toBeCloseTo(0.2, 5);
    expect(levels?.kind === 'levels' && levels.speakerPeak).toBeCloseTo(0.375, 3);
  });

  it('clips a boost at full scale rather than wrap it, both ways', () => {
    const { pipe, toMain } = harness();
    pipe.setVolumes(2, 2);
    const played = run(pipe, 0.8, 0.75);
    const sent = new Int16Array(micFrames(toMain)[0]?.pcm ?? new ArrayBuffer(0));
    expect(sent[0]).toBe(32767);
    expect(Math.max(...played)).toBe(1);
  });

  it('at 0 sends and plays silence; a value that is no number counts as 0', () => {
    const { pipe, toMain } = harness();
    pipe.setVolumes(0, Number.NaN);
    const played = run(pipe, 0.8, 0.75);
    const sent = new Int16Array(micFrames(toMain)[0]?.pcm ?? new ArrayBuffer(0));
    expect(sent.every((sample) => sample === 0)).toBe(true);
    expect(played.every((sample) => sample === 0)).toBe(true);
  });
});

describe('the frame pipe: levels for a meter worker', () => {
  function linkedHarness(linked: () => boolean) {
    const toPage: WorkletReport[] = [];
    const toMeters: [number, number][] = [];
    const pipe = new FramePipe(AUDIO_SAMPLE_RATE, {
      toMain: () => undefined,
      toPage: (report) => toPage.push(report),
      toMeters: (micPeak, speakerPeak) => {
        if (linked()) toMeters.push([micPeak, speakerPeak]);
        return linked();
      },
    });
    return { pipe, toPage, toMeters };
  }

  it('sends every report to the meters and the page only the levels of each whole second', () => {
    const { pipe, toPage, toMeters } = linkedHarness(() => true);
    const output = new Float32Array(RENDER_QUANTUM);
    for (let report = 1; report <= 10; report++) {
      pipe.process(new Float32Array(RENDER_QUANTUM).fill(report / 16), output, report * 200);
    }
    expect(toMeters).toHaveLength(10);
    expect(toMeters[2]).toEqual([0.1875, 0]);
    const levels = toPage.filter((report) => report.kind === 'levels');
    // The fifth and tenth reports: the meters' accessible values follow once a second.
    expect(levels).toEqual([
      { kind: 'levels', micPeak: 0.3125, speakerPeak: 0 },
      { kind: 'levels', micPeak: 0.625, speakerPeak: 0 },
    ]);
    expect(toPage.filter((report) => report.kind === 'delays')).toHaveLength(2);
  });

  it('gives the page every report again when no meter worker is linked', () => {
    let linked = true;
    const { pipe, toPage } = linkedHarness(() => linked);
    const output = new Float32Array(RENDER_QUANTUM);
    pipe.process(new Float32Array(RENDER_QUANTUM), output, 200);
    linked = false;
    pipe.process(new Float32Array(RENDER_QUANTUM), output, 400);
    pipe.process(new Float32Array(RENDER_QUANTUM), output, 600);
    expect(toPage.filter((report) => report.kind === 'levels')).toHaveLength(2);
  });
});
