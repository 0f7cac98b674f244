/**
 * Calls as a softphone user expects them, with the engine in-process and real sipp peers on
 * loopback: a second caller during a call rings as a waiting call, answering it holds the first
 * (re-INVITE a=sendonly, seen at that caller), switching between the two, 486 Busy Here for a
 * third caller and under do not disturb (kept in History as missed calls), and the end of
 * refused calls in plain words.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { RendererAudioRouter } from '../../src-main/app/renderer-audio-router.js';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import type { EngineOptions } from '../../src-main/engine/engine-options.js';
import { ToneDetector } from '../../src-main/media/tone.js';
import { isMissed } from '../../src-main/app/shell/call-notifier.js';
import { callEndWords } from '../../src-shared/call-end-words.js';
import { historyEntryOf } from '../../src-shared/call-history.js';
import type { CallInfo } from '../../src-shared/domain.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import { startProviderFront, type ProviderFront } from './support/provider-front.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
  type SipTraceEntry,
  waitFor,
  delay,
  namedCallerArgs,
} from './support/peers.js';

const skip = announceSkip('lab: call waiting', hasCommand('sipp') ? null : 'needs sipp');

const running: ChildProcess[] = [];
const engines: NatterEngine[] = [];
const fronts: ProviderFront[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.shutdown();
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const front of fronts.splice(0)) await front.close();
});

async function sipp(
  scenario: string,
  extraArgs: string[] = [],
  options: { calls?: number; target?: string } = {},
): Promise<LoopbackSipp> {
  const peer = await startLoopbackSipp(scenario, extraArgs, options);
  running.push(peer.child);
  return peer;
}

interface Phone {
  engine: NatterEngine;
  /** Every call event, in order. */
  events: CallInfo[];
  /** host:port of the provider's front door, where callers send their INVITEs. */
  provider: string;
  /** Every SIP message the engine sent, in order. */
  sent: string[];
}

/**
 * An engine registered with a sipp provider: through the front door of {@link
 * startProviderFront} (so that callers reach it as the provider's calls do), or straight to a
 * scenario that plays the whole provider.
 */
async function registeredPhone(
  options: {
    scenario?: string;
    args?: string[];
    front?: boolean;
    audio?: RendererAudioRouter;
    engine?: Partial<EngineOptions>;
  } = {},
): Promise<Phone & { providerProcess: ChildProcess }> {
  const provider = await sipp(options.scenario ?? 'provider-registrar.xml', options.args);
  let server = { address: '127.0.0.1', port: provider.port };
  if (options.front !== false) {
    const front = await startProviderFront(server);
    fronts.push(front);
    server = front.address;
  }
  const sent: string[] = [];
  const engine = new NatterEngine(
    { stunServers: [], localAddress: '127.0.0.1', ...options.engine },
    {
      ...options.audio?.hooks(),
      onTrace: (direction, message) => {
        if (direction === 'out') sent.push(message);
      },
    },
  );
  engines.push(engine);
  if (options.audio) {
    const audio = options.audio;
    engine.on('call', (info) => audio.onCall(info));
  }
  const events: CallInfo[] = [];
  engine.on('call', (info) => events.push(info));
  const registration = await engine.invoke('register', {
    account: { server: `${server.address}:${server.port}`, user: LAB_USER },
    password: LAB_PASSWORD,
  });
  expect(registration.state, provider.output()).toBe('registered');
  return {
    engine,
    events,
    sent,
    provider: `${server.address}:${server.port}`,
    providerProcess: provider.child,
  };
}

/** One caller placing one call through the provider; `-set caller NAME` names it in From. */
function caller(phone: Phone, scenario: string, name: string, extraArgs: string[] = []) {
  return sipp(scenario, [...namedCallerArgs(scenario, name), ...extraArgs], {
    calls: 1,
    target: phone.provider,
  });
}

function latest(phone: Phone, predicate: (info: CallInfo) => boolean): CallInfo | undefined {
  return [...phone.events].reverse().find(predicate);
}

async function until(phone: Phone, predicate: (info: CallInfo) => boolean, ms = 8000) {
  const ok = await waitFor(() => latest(phone, predicate) !== undefined, ms);
  if (!ok) {
    const seen = phone.events.map((e) => `${e.remoteDisplayName ?? e.remote}:${e.state}`);
    throw new Error(`never happened; calls seen: ${[...new Set(seen)].join(', ')}`);
  }
  return latest(phone, predicate) as CallInfo;
}

/** The current state of a call, by its latest event. */
function stateOf(phone: Phone, callId: string): CallInfo | undefined {
  return latest(phone, (info) => info.id === callId);
}

const from = (name: string) => (info: CallInfo) => info.remoteDisplayName === name;

function received(peer: LoopbackSipp, method: string): SipTraceEntry[] {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith(method),
  );
}

function responses(peer: LoopbackSipp, status: number): SipTraceEntry[] {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith(`SIP/2.0 ${status} `),
  );
}

/** What a sipp peer printed and the last messages it traced, for a failure's message. */
function sippSaw(peer: LoopbackSipp): string {
  const last = parseSippMessageLog(peer.log)
    .slice(-3)
    .map((m) => `${m.direction}: ${m.text.slice(0, 400)}`);
  return `${last.join('\n')}\n${peer.output().slice(-600)}`;
}

/** The a= direction attribute of a message's SDP. */
function direction(message: SipTraceEntry | undefined): string | null {
  return /a=(sendonly|recvonly|sendrecv|inactive)/.exec(message?.text ?? '')?.[1] ?? null;
}

/** Answers the first caller and waits until its call is connected. */
async function connectedTo(phone: Phone, name: string): Promise<CallInfo> {
  const ringing = await until(phone, (info) => from(name)(info) && info.state === 'incoming');
  expect(ringing.waiting).toBe(false);
  await phone.engine.invoke('answer', { callId: ringing.id });
  return until(phone, (info) => info.id === ringing.id && info.state === 'connected');
}

describe.skipIf(skip)('call waiting against sipp callers on loopback', () => {
  it('a second caller rings as waiting; answering holds the first; a third gets 486; switching back', async () => {
    const phone = await registeredPhone();
    const alice = await caller(phone, 'caller-stays-on-line.xml', 'Alice', ['-rtp_echo']);
    const first = await connectedTo(phone, 'Alice');

    const bob = await caller(phone, 'caller-stays-on-line.xml', 'Bob', ['-rtp_echo']);
    const waiting = await until(phone, (info) => from('Bob')(info) && info.state === 'incoming');
    expect(waiting.waiting).toBe(true);
    // Offered as any call (180 Ringing), and the first call is untouched.
    expect(await waitFor(() => responses(bob, 180).length > 0, 3000)).toBe(true);
    expect(stateOf(phone, first.id)?.state).toBe('connected');

    // A call already waits: the next caller hears busy, and never rings here.
    const carol = await caller(phone, 'caller-gets-busy.xml', 'Carol');
    expect(await waitFor(() => carol.child.exitCode !== null, 8000), carol.output()).toBe(true);
    expect(carol.child.exitCode, carol.output()).toBe(0);
    expect(responses(carol, 486)).toHaveLength(1);
    expect(responses(carol, 180)).toHaveLength(0);
    // It never rang here, yet History keeps it as a missed call: one ended record, no media.
    expect(phone.events.filter(from('Carol'))).toMatchObject([
      {
        direction: 'incoming',
        state: 'ended',
        answeredAt: null,
        localMedia: null,
        end: { code: 'busy', sipStatus: 486, message: 'Refused: another call was already waiting' },
      },
    ]);
    expect(historyEntryOf(latest(phone, from('Carol')) as CallInfo).outcome).toBe('missed');

    // Without holdOthers the engine refuses: two calls must never talk at once.
    await expect(phone.engine.invoke('answer', { callId: waiting.id })).rejects.toThrow(
      /holdOthers/,
    );
    const answered = await phone.engine
      .invoke('answer', { callId: waiting.id, holdOthers: true })
      .catch((error: Error) => {
        throw new Error(`${error.message}\n${sippSaw(alice)}`);
      });
    expect(answered.waiting).toBe(false);
    const second = await until(
      phone,
      (info) => info.id === waiting.id && info.state === 'connected',
    );
    expect(stateOf(phone, first.id)?.state).toBe('on-hold');
    // Alice was held before Bob was answered, by a re-INVITE offering a=sendonly.
    const aliceInvites = received(alice, 'INVITE');
    expect(aliceInvites).toHaveLength(1);
    expect(direction(aliceInvites[0])).toBe('sendonly');
    const heldFirst = phone.events.findIndex((e) => e.id === first.id && e.state === 'on-hold');
    const bobConnected = phone.events.findIndex(
      (e) => e.id === second.id && e.state === 'connected',
    );
    expect(heldFirst).toBeLessThan(bobConnected);
    // Between Alice's hold and Bob's answer, Bob never rang as an ordinary call (the ringtone).
    expect(phone.events.filter((e) => e.id === second.id && e.state === 'incoming')).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ waiting: false })]),
    );

    // Bob's audio flows both ways (sipp echoes what it gets).
    const flowing = await waitFor(() => {
      const stats = stateOf(phone, second.id)?.stats;
      return (stats?.packetsSent ?? 0) > 25 && (stats?.packetsReceived ?? 0) > 25;
    }, 5000);
    expect(flowing, JSON.stringify(stateOf(phone, second.id)?.stats)).toBe(true);

    // Back to Alice: Bob is held first, then Alice resumed; never both un-held.
    const back = await phone.engine.invoke('switchTo', { callId: first.id });
    expect(back.state).toBe('connected');
    expect(stateOf(phone, second.id)?.state).toBe('on-hold');
    expect(direction(received(bob, 'INVITE')[0])).toBe('sendonly');
    expect(direction(received(alice, 'INVITE')[1])).toBe('sendrecv');
    let unheld = 0;
    const current = new Map<string, string>();
    for (const event of phone.events) {
      current.set(event.id, event.state);
      unheld = Math.max(unheld, [...current.values()].filter((s) => s === 'connected').length);
    }
    expect(unheld).toBe(1);

    // Hanging up one leaves the other as it is.
    await phone.engine.invoke('hangup', { callId: second.id });
    expect(stateOf(phone, first.id)?.state).toBe('connected');
    expect(await waitFor(() => bob.child.exitCode !== null, 5000), bob.output()).toBe(true);
    expect(bob.child.exitCode, bob.output()).toBe(0);
    await phone.engine.invoke('hangup', { callId: first.id });
    expect(await waitFor(() => alice.child.exitCode !== null, 5000), alice.output()).toBe(true);
    expect(alice.child.exitCode, alice.output()).toBe(0);
  });

  it('declining the waiting call leaves the current call connected', async () => {
    const phone = await registeredPhone();
    const alice = await caller(phone, 'caller-stays-on-line.xml', 'Alice', ['-rtp_echo']);
    const first = await connectedTo(phone, 'Alice');
    const bob = await caller(phone, 'caller-gets-busy.xml', 'Bob');
    const waiting = await until(phone, (info) => from('Bob')(info) && info.state === 'incoming');
    expect(waiting.waiting).toBe(true);

    const declined = await phone.engine.invoke('reject', { callId: waiting.id });
    expect(declined.state).toBe('ended');
    expect(callEndWords(declined)).toBe('You declined');
    expect(await waitFor(() => bob.child.exitCode !== null, 5000), bob.output()).toBe(true);
    expect(bob.child.exitCode, bob.output()).toBe(0);

    // Alice heard nothing of it: no re-INVITE, still connected, audio still both ways.
    expect(received(alice, 'INVITE')).toHaveLength(0);
    expect(stateOf(phone, first.id)?.state).toBe('connected');
    const before = stateOf(phone, first.id)?.stats.packetsReceived ?? 0;
    expect(
      await waitFor(
        () => (stateOf(phone, first.id)?.stats.packetsReceived ?? 0) > before + 25,
        4000,
      ),
    ).toBe(true);
  });

  it('the current call hears the call waiting tone while the second call rings, and only then', async () => {
    // The app's own audio path: the engine feeds the router that the renderer's worklet plays.
    const audio = new RendererAudioRouter();
    const speaker: Int16Array[] = [];
    audio.attach({
      post: (message) => {
        if (message.kind === 'speaker') speaker.push(new Int16Array(message.pcm));
      },
      onMessage: () => undefined,
      close: () => undefined,
    });
    const phone = await registeredPhone({ audio });
    await caller(phone, 'caller-stays-on-line.xml', 'Alice', ['-rtp_echo']);
    await connectedTo(phone, 'Alice');
    const toneIn = async (frames: number) => {
      const from = speaker.length;
      expect(await waitFor(() => speaker.length >= from + frames, 3000)).toBe(true);
      const detector = new ToneDetector({ frequency: 440 });
      return speaker.slice(from, from + frames).filter((frame) => detector.push(frame)).length;
    };
    // Alice's echo of our silence: nothing at 440 Hz.
    expect(await toneIn(25)).toBe(0);

    await caller(phone, 'caller-gets-busy.xml', 'Bob');
    const waiting = await until(phone, (info) => from('Bob')(info) && info.state === 'incoming');
    // The 300 ms burst starts with the next frame of Alice's audio.
    const burst = await toneIn(20);
    expect(burst).toBeGreaterThanOrEqual(10);
    expect(burst).toBeLessThanOrEqual(16);

    await phone.engine.invoke('reject', { callId: waiting.id });
    expect(await toneIn(50)).toBe(0);
  });

  it('a waiting call whose other call ends first rings as an ordinary call', async () => {
    const phone = await registeredPhone();
    await caller(phone, 'caller-stays-on-line.xml', 'Alice');
    const first = await connectedTo(phone, 'Alice');
    await caller(phone, 'caller-stays-on-line.xml', 'Bob');
    const waiting = await until(phone, (info) => from('Bob')(info) && info.state === 'incoming');
    expect(waiting.waiting).toBe(true);
    await phone.engine.invoke('hangup', { callId: first.id });
    const alone = await until(
      phone,
      (info) => info.id === waiting.id && info.state === 'incoming' && info.waiting === false,
    );
    // Nothing to hold now: a plain answer connects it.
    await phone.engine.invoke('answer', { callId: alone.id });
    await until(phone, (info) => info.id === alone.id && info.state === 'connected');
  });

  it('a ringing call waits only while the user talks on another call', async () => {
    const phone = await registeredPhone();
    await caller(phone, 'caller-stays-on-line.xml', 'Alice');
    const first = await connectedTo(phone, 'Alice');
    await caller(phone, 'caller-gets-busy.xml', 'Bob');
    const second = await until(phone, (info) => from('Bob')(info) && info.state === 'incoming');
    expect(second.waiting).toBe(true);
    // Alice held by hand: nobody to disturb, so Bob rings as an ordinary call...
    await phone.engine.invoke('hold', { callId: first.id, hold: true });
    expect(stateOf(phone, second.id)?.waiting).toBe(false);
    // ...and waits again once Alice is back.
    await phone.engine.invoke('hold', { callId: first.id, hold: false });
    expect(stateOf(phone, first.id)?.state).toBe('connected');
    expect(stateOf(phone, second.id)?.waiting).toBe(true);
    await phone.engine.invoke('reject', { callId: second.id });
  });

  it('with do not disturb on, the first caller already gets 486 Busy Here', async () => {
    const phone = await registeredPhone();
    phone.engine.configure({ doNotDisturb: true });
    const alice = await caller(phone, 'caller-gets-busy.xml', 'Alice');
    expect(await waitFor(() => alice.child.exitCode !== null, 8000), alice.output()).toBe(true);
    expect(alice.child.exitCode, alice.output()).toBe(0);
    expect(responses(alice, 486)).toHaveLength(1);
    expect(responses(alice, 180)).toHaveLength(0);
    expect(phone.events).toMatchObject([
      {
        remoteDisplayName: 'Alice',
        state: 'ended',
        end: { code: 'busy', sipStatus: 486, message: 'Refused while Do not disturb was on' },
      },
    ]);
    expect(historyEntryOf(phone.events[0] as CallInfo).outcome).toBe('missed');
    expect(isMissed(phone.events[0] as CallInfo)).toBe(true);
    // The caller's ACK of the 486 belongs to the INVITE's transaction (RFC 3261 §17.1.1.3).
    const sent = parseSippMessageLog(alice.log).filter((m) => m.direction === 'sent');
    const branchOf = (method: string) =>
      /branch=([^;\s]+)/.exec(sent.find((m) => m.startLine.startsWith(method))?.text ?? '')?.[1];
    expect(branchOf('ACK')).toBeDefined();
    expect(branchOf('ACK')).toBe(branchOf('INVITE'));

    // Turned off, calls ring again.
    phone.engine.configure({ doNotDisturb: false });
    await caller(phone, 'caller-stays-on-line.xml', 'Bob');
    await connectedTo(phone, 'Bob');
  });
});

describe.skipIf(skip)('the end of a refused call in plain words', () => {
  it.each([
    [486, 'Busy', 'busy', 'busy'],
    [404, 'Number not found', 'not-found', 'not-found'],
    [603, 'Declined', 'decline', 'declined'],
  ])('sipp answering %i reads "%s"', async (status, words, refusal, code) => {
    const phone = await registeredPhone({
      scenario: 'provider-refuses.xml',
      args: ['-set', 'refusal', refusal],
      front: false,
    });
    const call = await phone.engine.invoke('call', { target: '15145550100' });
    const ended = await until(phone, (info) => info.id === call.id && info.state === 'ended');
    expect(ended.end).toMatchObject({ code, sipStatus: status });
    expect(callEndWords(ended)).toBe(words);
  });

  it('a waiting call that rings long repeats its 180 in the same early dialog, and stops once it ends', async () => {
    // RFC 3261 §13.3.1.1 asks for a provisional answer every minute; a second here.
    const phone = await registeredPhone({ engine: { ringingRefreshSeconds: 1 } });
    const alice = await caller(phone, 'caller-stays-on-line.xml', 'Alice');
    const first = await connectedTo(phone, 'Alice');
    const bob = await caller(phone, 'caller-rings-long.xml', 'Bob');
    const waiting = await until(phone, (info) => from('Bob')(info) && info.state === 'incoming');
    expect(waiting.waiting).toBe(true);
    // Bob lets it ring 2.5 s, then gives up (CANCEL).
    expect(await waitFor(() => bob.child.exitCode !== null, 8000), bob.output()).toBe(true);
    expect(bob.child.exitCode, bob.output()).toBe(0);
    const ringing = responses(bob, 180);
    expect(ringing.length).toBeGreaterThanOrEqual(2);
    expect(ringing.length).toBeLessThanOrEqual(4);
    const toTag = (message: SipTraceEntry) => /^To:.*;tag=([^;\s]+)/im.exec(message.text)?.[1];
    expect(toTag(ringing[0]!)).toBeDefined();
    for (const repeat of ringing) expect(toTag(repeat)).toBe(toTag(ringing[0]!));
    const ended = await until(phone, (info) => info.id === waiting.id && info.state === 'ended');
    expect(callEndWords(ended)).toBe('Missed call');
    // Nothing more once it ended, and Alice's call went on untouched.
    const bobsCall = /^Call-ID:\s*(\S+)/im.exec(ringing[0]!.text)?.[1] ?? 'none';
    const ringingSent = () =>
      phone.sent.filter(
        (message) => message.startsWith('SIP/2.0 180 ') && message.includes(bobsCall),
      ).length;
    const sentWhenEnded = ringingSent();
    expect(sentWhenEnded).toBe(ringing.length);
    await delay(2500);
    expect(ringingSent()).toBe(sentWhenEnded);
    expect(stateOf(phone, first.id)?.state).toBe('connected');
    expect(received(alice, 'INVITE')).toHaveLength(0);
  });

  it('a provider that stops answering reads "Network problem"', async () => {
    const phone = await registeredPhone({ front: false });
    phone.providerProcess.kill('SIGKILL');
    const call = await phone.engine.invoke('call', { target: '15145550100' });
    // sip.js ends the INVITE at Timer B, 64·T1 = 32 s (RFC 3261 §17.1.1.2; fixed in sip.js).
    const ended = await until(
      phone,
      (info) => info.id === call.id && info.state === 'ended',
      40_000,
    );
    expect(ended.end?.code).toBe('failed');
    expect(ended.end?.sipStatus).toBeUndefined();
    expect(callEndWords(ended)).toBe('Network problem');
  });
});
