import { describe, expect, it } from 'vitest';
import {
  RendererAudioRouter,
  type AudioPort,
} from '../../../src-main/app/renderer-audio-router.js';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import type { MainToRenderer } from '../../../src-shared/audio-link.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import { goertzelPower } from '../../../src-main/media/tone.js';
import { AUDIO_FRAME_SAMPLES } from '../../../src-shared/audio-format.js';

function call(id: string, state: CallInfo['state'], waiting = false): CallInfo {
  return {
    waiting,
    id,
    direction: 'outgoing',
    remote: '4443',
    remoteDisplayName: null,
    state,
    startedAt: '2026-11-24T10:00:00.000Z',
    answeredAt: null,
    endedAt: null,
    end: null,
    codec: 'PCMU',
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
  };
}

/** A port whose far end is the test: what main posts is kept, what the test sends arrives. */
function fakePort() {
  const posted: MainToRenderer[] = [];
  let deliver: (data: unknown) => void = () => undefined;
  let closed = false;
  const port: AudioPort = {
    post: (message) => posted.push(message),
    onMessage: (listener) => (deliver = listener),
    close: () => (closed = true),
  };
  return { port, posted, send: (data: unknown) => deliver(data), isClosed: () => closed };
}

function micFrame(value: number, at: number) {
  return { kind: 'mic', pcm: new Int16Array(AUDIO_FRAME_SAMPLES).fill(value).buffer, at };
}

describe('renderer audio router', () => {
  it('hands the active call the microphone frames in order, with the delay they waited', () => {
    let now = 1000;
    const router = new RendererAudioRouter(() => now);
    const { port, send } = fakePort();
    router.attach(port);
    router.onCall(call('a', 'connected'));
    const source = router.hooks().audioSourceFor(call('a', 'connected'));
    send(micFrame(1, 990));
    send(micFrame(2, 995));
    now = 1010;
    expect(source()?.[0]).toBe(1);
    expect(source()?.[0]).toBe(2);
    expect(router.stats.uplinkDelayMs).toBe(20);
    // Nothing waiting: silence, counted, so RTP keeps flowing.
    expect(source()).toEqual(new Int16Array(AUDIO_FRAME_SAMPLES));
    expect(router.stats.micUnderruns).toBe(1);
  });

  it('keeps the queue short when the renderer runs ahead, dropping the oldest audio', () => {
    const router = new RendererAudioRouter(() => 0);
    const { port, send } = fakePort();
    router.attach(port);
    router.onCall(call('a', 'connected'));
    for (let value = 1; value <= 10; value++) send(micFrame(value, 0));
    const source = router.hooks().audioSourceFor(call('a', 'connected'));
    expect(source()?.[0]).toBe(7);
    expect(router.stats.micFramesDropped).toBe(6);
  });

  it('gives a held or other call silence and sends the speaker only the active call', () => {
    const router = new RendererAudioRouter(() => 5);
    const { port, posted, send } = fakePort();
    router.attach(port);
    router.onCall(call('a', 'connected'));
    router.onCall(call('b', 'connected'));
    const hooks = router.hooks();
    send(micFrame(7, 0));
    expect(hooks.audioSourceFor(call('a', 'connected'))()).toEqual(
      new Int16Array(AUDIO_FRAME_SAMPLES),
    );
    hooks.onCallAudio('a', new Int16Array(AUDIO_FRAME_SAMPLES).fill(3));
    hooks.onCallAudio('b', new Int16Array(AUDIO_FRAME_SAMPLES).fill(4));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ kind: 'speaker', at: 5 });
    const frame = posted[0]?.kind === 'speaker' ? new Int16Array(posted[0].pcm) : null;
    expect(frame?.[0]).toBe(4);
    router.onCall(call('b', 'on-hold'));
    hooks.onCallAudio('b', new Int16Array(AUDIO_FRAME_SAMPLES));
    expect(posted).toHaveLength(1);
  });

  it('refuses what is not a frame and survives it', () => {
    const router = new RendererAudioRouter();
    const { port, send } = fakePort();
    router.attach(port);
    router.onCall(call('a', 'connected'));
    for (const hostile of [
      null,
      'frame',
      { kind: 'mic', pcm: new ArrayBuffer(10), at: 1 },
      { kind: 'mic', pcm: new Int16Array(AUDIO_FRAME_SAMPLES), at: 1 },
      { kind: 'mic', pcm: new ArrayBuffer(320), at: -1 },
      { kind: 'speaker', pcm: new ArrayBuffer(320), at: 1 },
      { kind: 'exec', command: 'rm -rf /' },
      { kind: 'playout-delay', ms: Number.NaN },
    ]) {
      send(hostile);
    }
    expect(router.stats.refused).toBe(8);
    expect(router.stats.micFramesReceived).toBe(0);
    send({ kind: 'playout-delay', ms: 42 });
    expect(router.stats.playoutDelayMs).toBe(42);
    send({ kind: 'playout-delay', ms: 40, underruns: 3 });
    expect(router.stats.playoutUnderruns).toBe(3);
    send({ kind: 'playout-delay', ms: 40, underruns: -1 });
    expect(router.stats.refused).toBe(9);
  });

  it('cuts a frame that stood in the queue unused for five seconds, and only then', () => {
    let now = 0;
    const router = new RendererAudioRouter(() => now);
    const { port, send } = fakePort();
    router.attach(port);
    router.onCall(call('a', 'connected'));
    const source = router.hooks().audioSourceFor(call('a', 'connected'));
    // Two frames came in a burst at the start; from then on one arrives per pull.
    send(micFrame(0, now));
    for (let i = 1; i <= 250; i++) {
      send(micFrame(i, now));
      now += 20;
      source();
    }
    expect(router.stats.micFramesTrimmed).toBe(1);
    send(micFrame(251, now));
    expect(source()?.[0]).toBe(251);
    // Now the queue runs empty at every pull: nothing stands, nothing is cut.
    for (let i = 0; i < 300; i++) {
      send(micFrame(1, now));
      now += 20;
      source();
    }
    expect(router.stats.micFramesTrimmed).toBe(1);
    expect(router.stats.micUnderruns).toBe(0);
  });

  it('cuts a standing backlog of several frames within a second, keeping one spare', () => {
    let now = 0;
    const router = new RendererAudioRouter(() => now);
    const { port, send } = fakePort();
    router.attach(port);
    router.onCall(call('a', 'connected'));
    const source = router.hooks().audioSourceFor(call('a', 'connected'));
    // A stall left three frames waiting; from then on one arrives per pull.
    for (let i = 0; i < 3; i++) send(micFrame(0, now));
    for (let i = 1; i <= 50; i++) {
      send(micFrame(i, now));
      now += 20;
      source();
    }
    expect(router.stats.micFramesTrimmed).toBe(2);
    send(micFrame(51, now));
    // One spare stays: the next pull takes frame 50, not 51.
    expect(source()?.[0]).toBe(50);
  });

  it('a new page takes over the link and the old port is closed', () => {
    const router = new RendererAudioRouter();
    const first = fakePort();
    const second = fakePort();
    router.attach(first.port);
    router.attach(second.port);
    expect(first.isClosed()).toBe(true);
    router.onCall(call('a', 'connected'));
    router.hooks().onCallAudio('a', new Int16Array(AUDIO_FRAME_SAMPLES));
    expect(first.posted).toHaveLength(0);
    expect(second.posted).toHaveLength(1);
  });

  it('reports the uplink delay to the renderer once a second of frames', () => {
    const router = new RendererAudioRouter(() => 100);
    const { port, posted, send } = fakePort();
    router.attach(port);
    router.onCall(call('a', 'connected'));
    const source = router.hooks().audioSourceFor(call('a', 'connected'));
    for (let i = 0; i < 50; i++) {
      send(micFrame(1, 70));
      source();
    }
    expect(posted).toContainEqual({ kind: 'uplink-delay', ms: 30 });
  });

  it('between two calls, carries the un-held one only, however often each reports', () => {
    const router = new RendererAudioRouter(() => 0);
    const { port, posted, send } = fakePort();
    router.attach(port);
    const hooks = router.hooks();
    const spoken = () =>
      posted.flatMap((m) => (m.kind === 'speaker' ? [new Int16Array(m.pcm)[0]] : []));
    const heardFrom = (a: number, b: number) => {
      posted.length = 0;
      hooks.onCallAudio('a', new Int16Array(AUDIO_FRAME_SAMPLES).fill(a));
      hooks.onCallAudio('b', new Int16Array(AUDIO_FRAME_SAMPLES).fill(b));
      return spoken();
    };
    router.onCall(call('a', 'connected'));
    router.onCall(call('b', 'incoming', true));
    expect(heardFrom(1, 2)).toEqual([1]);
    // Answer and hold: a is held, then b connects.
    router.onCall(call('a', 'on-hold'));
    router.onCall(call('b', 'connected'));
    expect(heardFrom(1, 2)).toEqual([2]);
    // Both report their statistics every second; neither takes the line from the other.
    for (let i = 0; i < 3; i++) {
      router.onCall(call('a', 'on-hold'));
      router.onCall(call('b', 'connected'));
    }
    expect(heardFrom(1, 2)).toEqual([2]);
    // Switch back: b is held first, then a resumes; the microphone follows.
    router.onCall(call('b', 'on-hold'));
    expect(heardFrom(1, 2)).toEqual([]);
    router.onCall(call('a', 'connected'));
    router.onCall(call('b', 'on-hold'));
    expect(heardFrom(1, 2)).toEqual([1]);
    send(micFrame(9, 0));
    expect(hooks.audioSourceFor(call('b', 'on-hold'))()?.[0]).toBe(0);
    expect(hooks.audioSourceFor(call('a', 'connected'))()?.[0]).toBe(9);
    // Were both ever un-held, the one that came in last keeps the line, even as the other reports.
    router.onCall(call('b', 'connected'));
    router.onCall(call('a', 'connected'));
    expect(heardFrom(1, 2)).toEqual([2]);
    router.onCall(call('b', 'ended'));
    expect(heardFrom(1, 2)).toEqual([1]);
  });

  it('in a conference, the leg that carries the user keeps the devices as the other resumes', () => {
    const router = new RendererAudioRouter(() => 0);
    const { port, posted, send } = fakePort();
    router.attach(port);
    const hooks = router.hooks();
    const leg = (id: string, state: CallInfo['state'], other: string, carries: boolean) => ({
      ...call(id, state),
      conference: { withCallId: other, carriesUserAudio: carries },
    });
    router.onCall(call('a', 'on-hold'));
    router.onCall(call('b', 'connected'));
    // Merged: a is resumed after b, yet b (the one the user talked on) keeps the line.
    router.onCall(leg('b', 'connected', 'a', true));
    router.onCall(leg('a', 'connected', 'b', false));
    hooks.onCallAudio('a', new Int16Array(160).fill(1));
    hooks.onCallAudio('b', new Int16Array(160).fill(2));
    expect(posted.flatMap((m) => (m.kind === 'speaker' ? [new Int16Array(m.pcm)[0]] : []))).toEqual(
      [2],
    );
    send(micFrame(9, 0));
    expect(hooks.audioSourceFor(leg('b', 'connected', 'a', true))()?.[0]).toBe(9);
    // b hung up: a is on its own again and takes the devices.
    router.onCall(call('a', 'connected'));
    router.onCall(call('b', 'ended'));
    send(micFrame(7, 0));
    expect(hooks.audioSourceFor(call('a', 'connected'))()?.[0]).toBe(7);
  });

  it('mixes a short 440 Hz call waiting tone into the call while a second call rings', () => {
    const router = new RendererAudioRouter(() => 0);
    const { port, posted } = fakePort();
    router.attach(port);
    const hooks = router.hooks();
    const framesOf440 = (frames: number) => {
      posted.length = 0;
      for (let i = 0; i < frames; i++) hooks.onCallAudio('a', new Int16Array(AUDIO_FRAME_SAMPLES));
      return posted.map((m) =>
        m.kind === 'speaker' ? goertzelPower(new Int16Array(m.pcm), 440) : 0,
      );
    };
    // Goertzel power of a 4000-peak tone over 320 samples is about (4000·160)², 4e11.
    const loud = 1e10;
    router.onCall(call('a', 'connected'));
    expect(framesOf440(20).every((power) => power < 1)).toBe(true);

    router.onCall(call('b', 'incoming', true));
    const firstSecond = framesOf440(50);
    // 300 ms: 15 frames of tone (their ramps included), then silence until 10 s from the start.
    expect(firstSecond.slice(1, 14).every((power) => power > loud)).toBe(true);
    expect(firstSecond.slice(16).every((power) => power < 1)).toBe(true);
    const untilTen = framesOf440(450);
    expect(untilTen.every((power) => power < 1)).toBe(true);
    expect(
      framesOf440(15)
        .slice(1, 14)
        .every((power) => power > loud),
    ).toBe(true);

    // The waiting call is answered (or declined, or gone): the tone stops at once.
    router.onCall(call('b', 'ended'));
    expect(framesOf440(500).every((power) => power < 1)).toBe(true);
    // A call that merely rings, with no other call, is the renderer's ringtone, not this tone.
    router.onCall(call('c', 'incoming', false));
    expect(framesOf440(20).every((power) => power < 1)).toBe(true);
  });
});
