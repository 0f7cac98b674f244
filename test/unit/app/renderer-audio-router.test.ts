import { describe, expect, it } from 'vitest';
import {
  RendererAudioRouter,
  type AudioPort,
} from '../../../src-main/app/renderer-audio-router.js';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import type { MainToRenderer } from '../../../src-shared/audio-link.js';
import type { CallInfo } from '../../../src-shared/domain.js';

function call(id: string, state: CallInfo['state']): CallInfo {
  return {
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
  return { kind: 'mic', pcm: new Int16Array(160).fill(value).buffer, at };
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
    expect(source()).toEqual(new Int16Array(160));
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
    expect(hooks.audioSourceFor(call('a', 'connected'))()).toEqual(new Int16Array(160));
    hooks.onCallAudio('a', new Int16Array(160).fill(3));
    hooks.onCallAudio('b', new Int16Array(160).fill(4));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ kind: 'speaker', at: 5 });
    const frame = posted[0]?.kind === 'speaker' ? new Int16Array(posted[0].pcm) : null;
    expect(frame?.[0]).toBe(4);
    router.onCall(call('b', 'on-hold'));
    hooks.onCallAudio('b', new Int16Array(160));
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
      { kind: 'mic', pcm: new Int16Array(160), at: 1 },
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
  });

  it('a new page takes over the link and the old port is closed', () => {
    const router = new RendererAudioRouter();
    const first = fakePort();
    const second = fakePort();
    router.attach(first.port);
    router.attach(second.port);
    expect(first.isClosed()).toBe(true);
    router.onCall(call('a', 'connected'));
    router.hooks().onCallAudio('a', new Int16Array(160));
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
});
