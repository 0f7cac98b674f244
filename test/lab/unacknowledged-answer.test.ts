/**
 * A call we answered whose caller never sends the ACK (a forged INVITE's sender never does), with
 * the engine in-process and real sipp callers on loopback behind the provider's front door:
 * until the ACK comes the call carries none of our audio, is no call in progress for the next
 * caller (who rings as an ordinary call and is answered with a plain answer), is held and hung
 * up at once without a request the far end would have to answer, and when the 200 has been
 * retransmitted for 64·T1 (32 s) it ends with a BYE (RFC 3261 §13.3.1.4) and a reason saying so.
 * Judged at the callers: what their sipp received, and the datagrams our media sent to the
 * address the unconfirmed caller's SDP named.
 */
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import type { CallInfo } from '../../src-shared/domain.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import { startProviderFront, type ProviderFront } from './support/provider-front.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  namedCallerArgs,
  parseSippMessageLog,
  startLoopbackSipp,
  waitFor,
  type LoopbackSipp,
} from './support/peers.js';

const skip = announceSkip('lab: unacknowledged answer', hasCommand('sipp') ? null : 'needs sipp');

const running: ChildProcess[] = [];
const engines: NatterEngine[] = [];
const fronts: ProviderFront[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.shutdown();
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const front of fronts.splice(0)) await front.close();
  for (const socket of sockets.splice(0)) socket.close();
});

interface Phone {
  engine: NatterEngine;
  events: CallInfo[];
  provider: string;
}

/** An engine registered through the front door, `scenario` playing the provider behind it. */
async function registeredPhone(scenario: string, args: string[] = []): Promise<Phone> {
  const registrar = await startLoopbackSipp(scenario, args);
  running.push(registrar.child);
  const front = await startProviderFront({ address: '127.0.0.1', port: registrar.port });
  fronts.push(front);
  const engine = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' });
  engines.push(engine);
  const events: CallInfo[] = [];
  engine.on('call', (info) => events.push(info));
  const registration = await engine.invoke('register', {
    account: { server: `${front.address.address}:${front.address.port}`, user: LAB_USER },
    password: LAB_PASSWORD,
  });
  expect(registration.state, registrar.output()).toBe('registered');
  return { engine, events, provider: `${front.address.address}:${front.address.port}` };
}

async function caller(phone: Phone, scenario: string, name: string, extraArgs: string[] = []) {
  const peer = await startLoopbackSipp(
    scenario,
    [...namedCallerArgs(scenario, name), ...extraArgs],
    { calls: 1, target: phone.provider },
  );
  running.push(peer.child);
  return peer;
}

/**
 * A socket standing where the unconfirmed caller's SDP asks for our RTP; it counts the packets
 * that carry audio (an RFC 6263 keepalive, an RTP header alone, opens the NAT's way back only).
 */
async function mediaWatch(): Promise<{ port: number; arrived: () => number }> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  let arrived = 0;
  socket.on('message', (packet) => {
    if (packet.length > 12) arrived++;
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, arrived: () => arrived };
}

/** A caller that never ACKs, its SDP pointing at a watched socket. */
async function neverAcks(phone: Phone, name: string) {
  const media = await mediaWatch();
  const peer = await caller(phone, 'caller-never-acks.xml', name, [
    ...['-set', 'rtp_port', String(media.port)],
  ]);
  return { peer, media };
}

const from = (name: string) => (info: CallInfo) => info.remoteDisplayName === name;

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

const stateOf = (phone: Phone, callId: string) => latest(phone, (info) => info.id === callId);

function received(peer: LoopbackSipp, method: string) {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith(method),
  );
}

/** Answers `name`'s ringing call; the call once the engine says it is connected. */
async function answered(phone: Phone, name: string, expectWaiting = false): Promise<CallInfo> {
  const ringing = await until(phone, (info) => from(name)(info) && info.state === 'incoming');
  expect(ringing.waiting).toBe(expectWaiting);
  await phone.engine.invoke('answer', { callId: ringing.id });
  return until(phone, (info) => info.id === ringing.id && info.state === 'connected');
}

async function timed<T>(step: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await step;
  return { value, ms: performance.now() - started };
}

describe.skipIf(skip)('an answered call whose ACK never comes', () => {
  it('sends no audio, holds at once, does not keep the next caller waiting, and ends with BYE after 64·T1', async () => {
    const phone = await registeredPhone('provider-registrar.xml');
    const mallory = await neverAcks(phone, 'Mallory');
    const unconfirmed = await answered(phone, 'Mallory');
    const answeredAt = performance.now();

    // Our audio waits for the ACK: nothing reaches the address its SDP named.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(mallory.media.arrived()).toBe(0);

    // Held at once: no re-INVITE before the ACK (the dialog cannot carry one yet).
    const hold = await timed(phone.engine.invoke('hold', { callId: unconfirmed.id, hold: true }));
    expect(hold.value.state).toBe('on-hold');
    expect(hold.ms).toBeLessThan(500);
    expect(received(mallory.peer, 'INVITE')).toHaveLength(0);

    // The next caller rings as an ordinary call, not a waiting one, and a plain answer takes it.
    const alice = await caller(phone, 'caller-stays-on-line.xml', 'Alice', ['-rtp_echo']);
    const real = await answered(phone, 'Alice');
    const flowing = await waitFor(() => {
      const stats = stateOf(phone, real.id)?.stats;
      return (stats?.packetsSent ?? 0) > 25 && (stats?.packetsReceived ?? 0) > 25;
    }, 5000);
    expect(flowing, JSON.stringify(stateOf(phone, real.id)?.stats)).toBe(true);

    // Taken off hold while still unconfirmed, it holds Alice (an answered call) first.
    await phone.engine.invoke('switchTo', { callId: unconfirmed.id });
    expect(stateOf(phone, unconfirmed.id)?.state).toBe('connected');
    expect(stateOf(phone, real.id)?.state).toBe('on-hold');
    await phone.engine.invoke('switchTo', { callId: real.id });
    expect(stateOf(phone, real.id)?.state).toBe('connected');
    expect(stateOf(phone, unconfirmed.id)?.state).toBe('on-hold');

    // 64·T1 after the 200, the call ends with a BYE, and says why.
    const ended = await until(
      phone,
      (info) => info.id === unconfirmed.id && info.state === 'ended',
      40_000,
    );
    const endedAfterMs = performance.now() - answeredAt;
    expect(endedAfterMs).toBeGreaterThan(30_000);
    expect(ended.end).toMatchObject({ code: 'failed' });
    expect(ended.end?.message).toMatch(/never confirmed/);
    expect(await waitFor(() => mallory.peer.child.exitCode !== null, 5000)).toBe(true);
    expect(mallory.peer.child.exitCode, mallory.peer.output()).toBe(0);
    expect(received(mallory.peer, 'BYE')).toHaveLength(1);
    expect(received(mallory.peer, 'INVITE')).toHaveLength(0);
    expect(mallory.media.arrived()).toBe(0);

    // Alice's call went on untouched.
    expect(stateOf(phone, real.id)?.state).toBe('connected');
    await phone.engine.invoke('hangup', { callId: real.id });
    expect(await waitFor(() => alice.child.exitCode !== null, 5000), alice.output()).toBe(true);
    expect(alice.child.exitCode, alice.output()).toBe(0);
  }, 70_000);

  it('an outgoing call is placed beside it, and hanging it up ends it at once', async () => {
    const phone = await registeredPhone('provider-comedia.xml', ['-rtp_echo']);
    const mallory = await neverAcks(phone, 'Mallory');
    const unconfirmed = await answered(phone, 'Mallory');

    const outgoing = await phone.engine.invoke('call', { target: '4443' });
    await until(phone, (info) => info.id === outgoing.id && info.state === 'connected');
    expect(stateOf(phone, unconfirmed.id)?.state).toBe('on-hold');
    expect(received(mallory.peer, 'INVITE')).toHaveLength(0);

    // The user hangs up: ended now; the BYE waits for the ACK or 64·T1 (RFC 3261 §15).
    const hangup = await timed(phone.engine.invoke('hangup', { callId: unconfirmed.id }));
    expect(hangup.ms).toBeLessThan(500);
    expect(hangup.value).toMatchObject({ state: 'ended', end: { code: 'hangup-local' } });
    expect(received(mallory.peer, 'BYE')).toHaveLength(0);
    expect(stateOf(phone, outgoing.id)?.state).toBe('connected');
    expect(mallory.media.arrived()).toBe(0);
    await phone.engine.invoke('hangup', { callId: outgoing.id });
  }, 30_000);
});
