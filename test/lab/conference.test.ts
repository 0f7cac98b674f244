/**
 * A three-way conference judged by the two far parties: two baresip callers on loopback, through
 * the provider's front door (a sipp registrar behind it), each speaking its own tone (440 Hz on
 * PCMU, 1000 Hz on PCMA) while the user's microphone speaks 700 Hz through the app's own audio
 * router. What each party heard is its own decoded recording (baresip's `sndfile`): merged, each
 * hears the user and the other party; muted, only the other party; split, the held party hears
 * nothing; a leg hung up, the other stays with the user.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { RendererAudioRouter } from '../../src-main/app/renderer-audio-router.js';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { ToneGenerator } from '../../src-main/media/tone.js';
import { AUDIO_FRAME_SAMPLES } from '../../src-shared/audio-format.js';
import type { CallInfo } from '../../src-shared/domain.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import {
  audioArriving,
  PARTY_SAMPLE_RATE,
  captureLoopback,
  framesWithTone,
  joinFrames,
  randomRtpPort,
  startBaresipParty,
  type BaresipParty,
} from './support/baresip-party.js';
import type { UdpPacket } from './support/capture.js';
import { startProviderFront, type ProviderFront } from './support/provider-front.js';
import { LAB_PASSWORD, LAB_USER, startLoopbackSipp, waitFor, delay } from './support/peers.js';

const missing = ['sipp', 'baresip', 'tshark'].find((command) => !hasCommand(command));
const skip = announceSkip('lab: conference', missing ? `needs ${missing}` : null);

const USER_TONE = 700;
const ALICE_TONE = 440;
const BOB_TONE = 1000;
/** Frames in a listening window: 1.5 s. */
const WINDOW_FRAMES = 75;

const running: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** The user's side: the engine with the app's audio router, a 700 Hz microphone, a speaker. */
async function phoneWithMicrophone() {
  const registrar = await startLoopbackSipp('provider-registrar.xml');
  running.push(registrar.child);
  const front: ProviderFront = await startProviderFront({
    address: '127.0.0.1',
    port: registrar.port,
  });
  cleanups.push(() => front.close());
  const audio = new RendererAudioRouter();
  const speaker: { at: number; pcm: Int16Array }[] = [];
  let fromRenderer: (data: unknown) => void = () => undefined;
  audio.attach({
    post: (message) => {
      if (message.kind === 'speaker') {
        speaker.push({ at: Date.now(), pcm: new Int16Array(message.pcm) });
      }
    },
    onMessage: (listener) => (fromRenderer = listener),
    close: () => undefined,
  });
  const microphone = new ToneGenerator({
    frequency: USER_TONE,
    amplitude: 6000,
    frameSamples: AUDIO_FRAME_SAMPLES,
  });
  const ticker = setInterval(() => {
    fromRenderer({ kind: 'mic', pcm: microphone.next().buffer, at: Date.now() });
  }, 20);
  cleanups.push(() => clearInterval(ticker));
  const engine = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' }, audio.hooks());
  cleanups.push(() => engine.shutdown());
  const events: CallInfo[] = [];
  engine.on('call', (info) => {
    audio.onCall(info);
    events.push(info);
  });
  const registration = await engine.invoke('register', {
    account: { server: `127.0.0.1:${front.address.port}`, user: LAB_USER },
    password: LAB_PASSWORD,
  });
  expect(registration.state, registrar.output()).toBe('registered');
  return { engine, events, speaker, front: front.address };
}

type Phone = Awaited<ReturnType<typeof phoneWithMicrophone>>;

function latest(phone: Phone, predicate: (info: CallInfo) => boolean): CallInfo | undefined {
  return [...phone.events].reverse().find(predicate);
}

async function until(phone: Phone, predicate: (info: CallInfo) => boolean, ms = 10_000) {
  const ok = await waitFor(() => latest(phone, predicate) !== undefined, ms);
  if (!ok) throw new Error(`never happened; saw ${phone.events.map((e) => e.state).join(',')}`);
  return latest(phone, predicate) as CallInfo;
}

const stateOf = (phone: Phone, id: string) => latest(phone, (info) => info.id === id);

async function party(
  phone: Phone,
  user: string,
  frequency: number,
  codec: 'PCMU' | 'PCMA',
  rtpPort: number,
) {
  const started = await startBaresipParty({
    user,
    frequency,
    codec,
    front: phone.front,
    callee: LAB_USER,
    rtpPort,
  });
  running.push(started.process);
  return started;
}

/** Opens a listening window now (after audio already on its way has arrived) and closes it. */
async function window(): Promise<Window> {
  await delay(300);
  const from = Date.now() / 1000;
  await delay(WINDOW_FRAMES * 20);
  return { from, to: Date.now() / 1000 };
}

interface Window {
  from: number;
  to: number;
}

const tonesIn = (samples: Int16Array, sampleRate?: number) => ({
  user: framesWithTone(samples, USER_TONE, sampleRate),
  alice: framesWithTone(samples, ALICE_TONE, sampleRate),
  bob: framesWithTone(samples, BOB_TONE, sampleRate),
});

/**
 * What each far party received on the wire in a window, and what the user's speaker played:
 * counts of frames carrying each tone.
 */
function heardIn(
  packets: UdpPacket[],
  phone: Phone,
  parties: { alice: BaresipParty; bob: BaresipParty },
  span: Window,
) {
  const speaker = phone.speaker
    .filter((frame) => frame.at / 1000 >= span.from && frame.at / 1000 <= span.to)
    .map((frame) => frame.pcm);
  return {
    alice: tonesIn(audioArriving(packets, parties.alice, span), PARTY_SAMPLE_RATE),
    bob: tonesIn(audioArriving(packets, parties.bob, span), PARTY_SAMPLE_RATE),
    user: tonesIn(joinFrames(speaker)),
  };
}

/** Present: most frames of the window; absent: none to speak of. */
const PRESENT = WINDOW_FRAMES * 0.6;
const ABSENT = 3;
const above = expect.toSatisfy((count: number) => count > PRESENT);
const none = expect.toSatisfy((count: number) => count < ABSENT);

describe.skipIf(skip)('three-way conference with two baresip parties', () => {
  it('each party hears the user and the other; mute, split and hanging up one leg', async () => {
    const phone = await phoneWithMicrophone();
    // Bob calls once Alice is connected: a second caller while the first rings gets 486.
    const ports = { alice: randomRtpPort(), bob: randomRtpPort() };
    const capture = await captureLoopback(
      Object.values(ports)
        .map((port) => `udp dst portrange ${port}-${port + 9}`)
        .join(' or '),
    );
    cleanups.push(async () => void (await capture.stop()));
    const alice = await party(phone, 'alice', ALICE_TONE, 'PCMU', ports.alice);

    const ringing = await until(phone, (i) => i.remote === 'alice' && i.state === 'incoming');
    await phone.engine.invoke('answer', { callId: ringing.id });
    const first = await until(phone, (i) => i.id === ringing.id && i.state === 'connected');
    const bob = await party(phone, 'bob', BOB_TONE, 'PCMA', ports.bob);
    const parties = { alice, bob };
    const waiting = await until(phone, (i) => i.remote === 'bob' && i.state === 'incoming');
    await phone.engine.invoke('answer', { callId: waiting.id, holdOthers: true });
    const second = await until(phone, (i) => i.id === waiting.id && i.state === 'connected');
    expect(stateOf(phone, first.id)?.state).toBe('on-hold');
    // Before the merge: Bob talks with the user; Alice, held, hears nothing.
    const before = await window();

    const merged = await phone.engine.invoke('conference', {
      callId: second.id,
      withCallId: first.id,
    });
    expect(merged.conference).toEqual({ withCallId: first.id, carriesUserAudio: true });
    expect(stateOf(phone, first.id)).toMatchObject({
      state: 'connected',
      codec: 'PCMU',
      conference: { withCallId: second.id, carriesUserAudio: false },
    });
    expect(stateOf(phone, second.id)?.codec).toBe('PCMA');
    const together = await window();

    // Muted, the user falls silent toward both; the parties still hear each other.
    await phone.engine.invoke('mute', { callId: first.id, mute: true });
    expect(stateOf(phone, second.id)?.muted).toBe(true);
    const muted = await window();
    await phone.engine.invoke('mute', { callId: first.id, mute: false });

    // Split: Bob stays with the user, Alice is held and hears nothing.
    await phone.engine.invoke('splitConference', { callId: second.id });
    expect(stateOf(phone, first.id)?.state).toBe('on-hold');
    expect(stateOf(phone, first.id)?.conference).toBeUndefined();
    expect(stateOf(phone, second.id)).toMatchObject({ state: 'connected', muted: false });
    expect(stateOf(phone, second.id)?.conference).toBeUndefined();
    const split = await window();

    // Merged again, then Bob's leg hung up: Alice stays connected, talking with the user.
    await phone.engine.invoke('conference', { callId: second.id, withCallId: first.id });
    await phone.engine.invoke('hangup', { callId: second.id });
    expect(stateOf(phone, first.id)?.state).toBe('connected');
    expect(stateOf(phone, first.id)?.conference).toBeUndefined();
    const alone = await window();
    await phone.engine.invoke('hangup', { callId: first.id });

    const packets = await capture.stop();
    const heard = (span: Window) => heardIn(packets, phone, parties, span);
    const at = {
      before: heard(before),
      together: heard(together),
      muted: heard(muted),
      split: heard(split),
      alone: heard(alone),
    };
    const seen = JSON.stringify(at);
    expect(at.before.bob.user, seen).toBeGreaterThan(PRESENT);
    expect(at.before.alice.user + at.before.alice.bob, seen).toBeLessThan(ABSENT);
    // Merged: every party hears the other two, and nobody hears their own voice back.
    expect(at.together.alice, seen).toMatchObject({ user: above, bob: above, alice: none });
    expect(at.together.bob, seen).toMatchObject({ user: above, alice: above, bob: none });
    expect(at.together.user, seen).toMatchObject({ alice: above, bob: above, user: none });
    expect(at.muted.alice, seen).toMatchObject({ user: none, bob: above });
    expect(at.muted.bob, seen).toMatchObject({ user: none, alice: above });
    expect(at.split.bob, seen).toMatchObject({ user: above, alice: none });
    expect(at.split.alice, seen).toMatchObject({ user: none, bob: none });
    expect(at.split.user, seen).toMatchObject({ alice: none, bob: above });
    expect(at.alone.alice, seen).toMatchObject({ user: above });
    expect(at.alone.user, seen).toMatchObject({ alice: above });
  }, 60_000);
});
