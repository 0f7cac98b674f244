import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallRecorder } from '../../../../src-main/app/call-recorder.js';
import { RendererAudioRouter } from '../../../../src-main/app/renderer-audio-router.js';
import { EMPTY_RTP_STATS } from '../../../../src-main/engine/call-record.js';
import { ToneDetector, ToneGenerator } from '../../../../src-main/media/tone.js';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../../../src-shared/audio-format.js';
import type { CallInfo, CallRecording } from '../../../../src-shared/domain.js';

function call(id: string, state: CallInfo['state']): CallInfo {
  return {
    id,
    direction: 'outgoing',
    remote: '15145550100',
    remoteDisplayName: null,
    state,
    startedAt: '2026-12-01T10:00:00.000Z',
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

/** The samples of a WAV file's data chunk, after checking its header matches its length. */
function samplesOf(path: string): Int16Array {
  const bytes = readFileSync(path);
  expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
  expect(bytes.readUInt32LE(24)).toBe(AUDIO_SAMPLE_RATE);
  expect(bytes.readUInt32LE(40)).toBe(bytes.length - 44);
  const samples = new Int16Array((bytes.length - 44) / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(44 + i * 2);
  return samples;
}

function toneFrames(samples: Int16Array, frequency: number): number {
  const detector = new ToneDetector({ frequency, minShare: 0.3 });
  for (let i = 0; i + AUDIO_FRAME_SAMPLES <= samples.length; i += AUDIO_FRAME_SAMPLES) {
    detector.push(samples.subarray(i, i + AUDIO_FRAME_SAMPLES));
  }
  return detector.toneFrames;
}

function setUp(folder: string, isDefault = false) {
  const router = new RendererAudioRouter(() => 0);
  const changes: CallRecording[] = [];
  const recorder = new CallRecorder({
    folder: () => ({ path: folder, isDefault }),
    onChange: (_callId, recording) => changes.push(recording),
    now: () => new Date(2026, 11, 1, 22, 30, 15),
  });
  router.tapWith(recorder);
  let deliver: (data: unknown) => void = () => undefined;
  router.attach({ post: () => undefined, onMessage: (l) => (deliver = l), close: () => undefined });
  return {
    router,
    recorder,
    changes,
    sendMic: (pcm: Int16Array) => deliver({ kind: 'mic', pcm: pcm.buffer, at: 0 }),
  };
}

describe('call recorder', () => {
  it('records what the RTP clock sent and what it received, mixed, for as long as it ran', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'natter-rec-'));
    const { router, recorder, changes, sendMic } = setUp(folder);
    const connected = call('a', 'connected');
    router.onCall(connected);
    const source = router.hooks().audioSourceFor(connected);
    const play = router.hooks().onCallAudio;
    const mic = new ToneGenerator({ frequency: 1000 });
    const far = new ToneGenerator({ frequency: 440 });
    const started = await recorder.start(connected);
    expect(started).toMatchObject({
      active: true,
      error: null,
      file: 'Call 2026-12-01 22-30-15 15145550100.wav',
    });
    // 100 intervals (2 s) of the clock: a microphone frame pulled, a received frame played.
    for (let i = 0; i < 100; i++) {
      sendMic(mic.next());
      source();
      play('a', far.next());
    }
    recorder.onCall({ ...connected, state: 'ended' });
    expect(recorder.recordingOf('a')).toMatchObject({ active: false, error: null });
    await recorder.stop('a');
    expect(changes.map((change) => change.active)).toEqual([true, false]);
    const samples = samplesOf(started.path);
    expect(samples.length).toBe(100 * AUDIO_FRAME_SAMPLES);
    expect(toneFrames(samples, 1000)).toBeGreaterThan(95);
    expect(toneFrames(samples, 440)).toBeGreaterThan(95);
  });

  it('takes nothing from other calls and nothing after it stopped', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'natter-rec-'));
    const { router, recorder } = setUp(folder);
    const a = call('a', 'connected');
    router.onCall(a);
    const recording = await recorder.start(a);
    const play = router.hooks().onCallAudio;
    for (let i = 0; i < 10; i++) play('b', new Int16Array(AUDIO_FRAME_SAMPLES).fill(5));
    for (let i = 0; i < 10; i++) play('a', new Int16Array(AUDIO_FRAME_SAMPLES).fill(7));
    await recorder.stop('a');
    for (let i = 0; i < 10; i++) play('a', new Int16Array(AUDIO_FRAME_SAMPLES).fill(9));
    const samples = samplesOf(recording.path);
    expect(samples.length).toBe(10 * AUDIO_FRAME_SAMPLES);
    expect(new Set(samples)).toEqual(new Set([7]));
  });

  it('refuses a call not connected, makes the default folder, and names a second file apart', async () => {
    const base = mkdtempSync(join(tmpdir(), 'natter-rec-'));
    const folder = join(base, 'Music', 'Natter recordings');
    const { recorder } = setUp(folder, true);
    await expect(recorder.start(call('r', 'ringing'))).rejects.toThrow(
      'A call can be recorded once it is connected.',
    );
    const first = await recorder.start(call('a', 'connected'));
    const second = await recorder.start(call('b', 'connected'));
    await recorder.stopAll();
    expect(first.file).not.toBe(second.file);
    expect(readdirSync(folder).sort()).toEqual([first.file, second.file].sort());
  });

  it('a folder the user chose that is gone: recording does not start, in words', async () => {
    const base = mkdtempSync(join(tmpdir(), 'natter-rec-'));
    rmSync(base, { recursive: true });
    const { recorder } = setUp(base);
    await expect(recorder.start(call('a', 'connected'))).rejects.toThrow(
      `The recordings folder ${base} is not there any more.`,
    );
    expect(recorder.recordingOf('a')).toBeUndefined();
  });
});
