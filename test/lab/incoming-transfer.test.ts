/**
 * Transfers the far end asks of us, with the engine in-process and real sipp peers on loopback
 * behind the lab's provider front door, judged at the peers:
 *
 * - A caller's REFER (RFC 3515) that the user accepts: the caller receives 202, its call is held
 *   (re-INVITE a=sendonly), and NOTIFYs (Event: refer, message/sipfrag) tell it "100 Trying"
 *   first and "200 OK" last; the target, behind the provider, receives our INVITE for the
 *   Refer-To user with the Contact we registered. Declined: 603, and no INVITE reaches the target.
 * - An INVITE with Replaces (RFC 3891) naming our call with a caller: the new caller is answered
 *   (200) and the replaced caller gets our BYE. Replaces naming no dialog of ours: 481, no ring;
 *   one that cannot be read: 400, no ring.
 * - RFC 3891 §3 on early dialogs: Replaces naming our own call still ringing is answered at once
 *   and our INVITE is CANCELled at the callee; naming a call that rings here (not ours to
 *   replace) gets 481 and the call rings on; `early-only` naming a connected call gets 486.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import type { CallInfo } from '../../src-shared/domain.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import { header } from './support/capture.js';
import { startProviderFront, type ProviderFront } from './support/provider-front.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  namedCallerArgs,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
  type SipTraceEntry,
  waitFor,
} from './support/peers.js';

const skip = announceSkip('lab: incoming transfer', hasCommand('sipp') ? null : 'needs sipp');

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
  events: CallInfo[];
  /** The provider's front door, where callers send their INVITEs. */
  provider: string;
  registrar: LoopbackSipp;
  /** The provider's side of the calls the phone places (the transfer target's number). */
  target: LoopbackSipp;
}

/** `callee` answers the calls the phone places: the transfer target, or one that only rings. */
async function registeredPhone(callee = 'transfer-target.xml'): Promise<Phone> {
  const registrar = await sipp('provider-registrar.xml');
  const target = await sipp(callee, ['-rtp_echo'], { calls: 1 });
  const front = await startProviderFront(
    { address: '127.0.0.1', port: registrar.port },
    { callee: { address: '127.0.0.1', port: target.port } },
  );
  fronts.push(front);
  const engine = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' }, {});
  engines.push(engine);
  const events: CallInfo[] = [];
  engine.on('call', (info) => events.push(info));
  const provider = `${front.address.address}:${front.address.port}`;
  const registration = await engine.invoke('register', {
    account: { server: provider, user: LAB_USER },
    password: LAB_PASSWORD,
  });
  expect(registration.state, registrar.output()).toBe('registered');
  return { engine, events, provider, registrar, target };
}

function caller(phone: Phone, scenario: string, name: string, extraArgs: string[] = []) {
  return sipp(scenario, [...namedCallerArgs(scenario, name), '-rtp_echo', ...extraArgs], {
    calls: 1,
    target: phone.provider,
  });
}

async function until(phone: Phone, predicate: (info: CallInfo) => boolean, ms = 8000) {
  const ok = await waitFor(() => phone.events.some(predicate), ms);
  if (!ok) {
    const seen = phone.events.map((e) => `${e.remoteDisplayName ?? e.remote}:${e.state}`);
    throw new Error(`never happened; calls seen: ${[...new Set(seen)].join(', ')}`);
  }
  return [...phone.events].reverse().find(predicate) as CallInfo;
}

async function connectedTo(phone: Phone, name: string): Promise<CallInfo> {
  const ringing = await until(
    phone,
    (info) => info.remoteDisplayName === name && info.state === 'incoming',
  );
  await phone.engine.invoke('answer', { callId: ringing.id });
  return until(phone, (info) => info.id === ringing.id && info.state === 'connected');
}

function received(peer: LoopbackSipp, start: string): SipTraceEntry[] {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith(start),
  );
}

function sent(peer: LoopbackSipp, start: string): SipTraceEntry[] {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'sent' && m.startLine.startsWith(start),
  );
}

const tagOf = (value: string | null) => /;\s*tag=([^;>\s]+)/.exec(value ?? '')?.[1];

const bodyOf = (message: SipTraceEntry) => message.text.split(/\r?\n\r?\n/)[1]?.trim() ?? '';

/** What a sipp peer printed and traced, for a failure's message. */
function saw(peer: LoopbackSipp): string {
  const trace = parseSippMessageLog(peer.log).map(
    (m) =>
      `${m.direction}: ${m.startLine}${m.startLine.startsWith('NOTIFY') ? ` ${bodyOf(m)}` : ''}`,
  );
  return `${trace.join('\n')}\n${peer.output().slice(-800)}`;
}

async function exited(peer: LoopbackSipp, ms = 8000): Promise<number | null> {
  await waitFor(() => peer.child.exitCode !== null, ms);
  return peer.child.exitCode;
}

describe.skipIf(skip)('transfers the far end asks for, against sipp on loopback', () => {
  it('an accepted REFER: 202, the call held, NOTIFYs 100 then 200 OK; the target gets our INVITE', async () => {
    const phone = await registeredPhone();
    const alice = await caller(phone, 'caller-refers.xml', 'Alice');
    const call = await connectedTo(phone, 'Alice');
    const asked = await until(
      phone,
      (info) => info.id === call.id && info.transfer?.state === 'asking',
    );
    expect(asked.transfer).toMatchObject({ direction: 'incoming', kind: 'blind', target: '4443' });

    await phone.engine.invoke('acceptTransfer', { callId: call.id, accept: true });
    expect(await exited(alice, 10_000), saw(alice)).toBe(0);
    const log = `--- referrer ---\n${saw(alice)}\n--- target ---\n${saw(phone.target)}`;

    // The referrer's view: 202 to its REFER, its call held, then the progress on its dialog.
    expect(received(alice, 'SIP/2.0 202'), log).toHaveLength(1);
    const reinvites = received(alice, 'INVITE');
    expect(reinvites, log).toHaveLength(1);
    expect(reinvites[0]?.text).toMatch(/a=sendonly/);
    const notifies = received(alice, 'NOTIFY');
    expect(notifies.length, log).toBeGreaterThanOrEqual(2);
    const aliceCallId = header(received(alice, 'SIP/2.0 200')[0]?.text ?? '', 'Call-ID', 'i');
    for (const notify of notifies) {
      expect(header(notify.text, 'Event', 'o')).toBe('refer');
      expect(header(notify.text, 'Content-Type', 'c')).toMatch(/^message\/sipfrag/);
      expect(header(notify.text, 'Call-ID', 'i')).toBe(aliceCallId);
    }
    expect(bodyOf(notifies[0]!)).toMatch(/^SIP\/2\.0 100 /);
    expect(bodyOf(notifies.at(-1)!)).toBe('SIP/2.0 200 OK');
    expect(header(notifies.at(-1)!.text, 'Subscription-State')).toMatch(/^terminated/);

    // The target's view: our INVITE for the Refer-To user, from the Contact we registered.
    const invites = received(phone.target, 'INVITE');
    expect(invites, log).toHaveLength(1);
    expect(invites[0]?.startLine).toMatch(/^INVITE sip:4443@/);
    expect(header(invites[0]!.text, 'Referred-By', 'b')).toContain('sip:');
    const registered = received(phone.registrar, 'REGISTER').at(-1);
    const contactUri = (text: string) => /<([^>;]+)/.exec(header(text, 'Contact', 'm') ?? '')?.[1];
    expect(contactUri(invites[0]!.text)).toBeDefined();
    expect(contactUri(invites[0]!.text)).toBe(contactUri(registered?.text ?? ''));
    const placed = await until(
      phone,
      (info) => info.remote === '4443' && info.state === 'connected',
    );
    await phone.engine.invoke('hangup', { callId: placed.id });
    expect(await exited(phone.target), saw(phone.target)).toBe(0);
  }, 40_000);

  it('a declined REFER: 603, and no INVITE reaches the target', async () => {
    const phone = await registeredPhone();
    const alice = await caller(phone, 'caller-refers.xml', 'Alice');
    const call = await connectedTo(phone, 'Alice');
    await until(phone, (info) => info.id === call.id && info.transfer?.state === 'asking');
    await phone.engine.invoke('acceptTransfer', { callId: call.id, accept: false });
    expect(await waitFor(() => received(alice, 'SIP/2.0 603').length > 0, 5000), saw(alice)).toBe(
      true,
    );
    await new Promise((resolveWait) => setTimeout(resolveWait, 1500));
    expect(received(alice, 'NOTIFY')).toHaveLength(0);
    expect(received(phone.target, 'INVITE')).toHaveLength(0);
    await phone.engine.invoke('hangup', { callId: call.id });
    expect(await exited(alice), saw(alice)).toBe(0);
  }, 30_000);

  it('an INVITE with Replaces naming our call is answered, and the replaced caller gets our BYE', async () => {
    const phone = await registeredPhone();
    const alice = await caller(phone, 'caller-stays-on-line.xml', 'Alice');
    await connectedTo(phone, 'Alice');
    // The dialog as the client knows it: its tag is the To tag of its 200, Alice's the From tag.
    await waitFor(() => received(alice, 'SIP/2.0 200').length > 0, 3000);
    const answer = received(alice, 'SIP/2.0 200')[0]?.text ?? '';
    const callId = header(answer, 'Call-ID', 'i');
    const ours = /;\s*tag=([^;\s]+)/.exec(header(answer, 'To', 't') ?? '')?.[1];
    const hers = /;\s*tag=([^;\s]+)/.exec(header(answer, 'From', 'f') ?? '')?.[1];
    expect(callId && ours && hers, answer).toBeTruthy();

    const bob = await caller(phone, 'caller-replaces.xml', 'Bob', [
      '-set',
      'replaces',
      `${callId};to-tag=${ours};from-tag=${hers}`,
    ]);
    const log = () => `--- replaced ---\n${saw(alice)}\n--- replacing ---\n${saw(bob)}`;
    expect(await waitFor(() => received(bob, 'SIP/2.0 200').length > 0, 8000), log()).toBe(true);
    expect(await exited(alice), log()).toBe(0);
    expect(received(alice, 'BYE'), log()).toHaveLength(1);
    // Bob took the call over without ringing, here (no ringtone, no notice) or at his end.
    expect(received(bob, 'SIP/2.0 180'), log()).toHaveLength(0);
    const bobCall = await until(
      phone,
      (info) => info.remoteDisplayName === 'Bob' && info.state === 'connected',
    );
    expect(phone.events.filter((e) => e.id === bobCall.id && e.state === 'incoming')).toEqual([]);
    expect(
      phone.events.find((e) => e.remoteDisplayName === 'Alice' && e.state === 'ended')?.end,
    ).toMatchObject({ code: 'transferred', message: 'Transferred: Bob took the call over' });
    await phone.engine.invoke('hangup', { callId: bobCall.id });
    expect(await exited(bob), log()).toBe(0);
  }, 30_000);

  it('an INVITE with Replaces naming no dialog of ours gets 481 and never rings', async () => {
    const phone = await registeredPhone();
    const bob = await caller(phone, 'caller-replaces.xml', 'Bob', [
      '-set',
      'replaces',
      'no-such-call@127.0.0.1;to-tag=nobody;from-tag=nobody',
    ]);
    expect(await exited(bob), saw(bob)).toBe(0);
    expect(received(bob, 'SIP/2.0 481'), saw(bob)).toHaveLength(1);
    expect(received(bob, 'SIP/2.0 180')).toHaveLength(0);
    expect(phone.events.filter((e) => e.remoteDisplayName === 'Bob')).toHaveLength(0);
  }, 30_000);

  it('an INVITE whose Replaces cannot be read gets 400 naming it and never rings', async () => {
    const phone = await registeredPhone();
    // No tags: sip.js alone would drop the header and ring the INVITE as a new call.
    const bob = await caller(phone, 'caller-replaces.xml', 'Bob', ['-set', 'replaces', 'abc@host']);
    expect(await exited(bob), saw(bob)).toBe(0);
    expect(received(bob, 'SIP/2.0 400 Invalid Replaces'), saw(bob)).toHaveLength(1);
    expect(received(bob, 'SIP/2.0 180')).toHaveLength(0);
    expect(phone.events.filter((e) => e.remoteDisplayName === 'Bob')).toHaveLength(0);
  }, 30_000);

  it('Replaces naming our own call still ringing: answered at once, our INVITE CANCELled', async () => {
    const phone = await registeredPhone('provider-ringing.xml');
    const placed = await phone.engine.invoke('call', { target: '4443' });
    // Our early dialog as the callee holds it: its tag in its 180's To, ours in the From.
    expect(await waitFor(() => sent(phone.target, 'SIP/2.0 180').length > 0, 5000)).toBe(true);
    const ringing = sent(phone.target, 'SIP/2.0 180')[0]?.text ?? '';
    const callId = header(ringing, 'Call-ID', 'i');
    const ours = tagOf(header(ringing, 'From', 'f'));
    const theirs = tagOf(header(ringing, 'To', 't'));
    expect(callId && ours && theirs, ringing).toBeTruthy();
    await until(phone, (info) => info.id === placed.id && info.state === 'ringing');

    const bob = await caller(phone, 'caller-replaces.xml', 'Bob', [
      '-set',
      'replaces',
      `${callId};to-tag=${ours};from-tag=${theirs}`,
    ]);
    const log = () => `--- callee ---\n${saw(phone.target)}\n--- replacing ---\n${saw(bob)}`;
    expect(await waitFor(() => received(bob, 'SIP/2.0 200').length > 0, 8000), log()).toBe(true);
    expect(received(bob, 'SIP/2.0 180'), log()).toHaveLength(0);
    // The callee's view: our CANCEL of the INVITE it was ringing for, then its 487 ACKed.
    expect(await exited(phone.target), log()).toBe(0);
    const cancels = received(phone.target, 'CANCEL');
    expect(cancels, log()).toHaveLength(1);
    expect(header(cancels[0]!.text, 'Call-ID', 'i')).toBe(callId);
    expect(received(phone.target, 'ACK'), log()).toHaveLength(1);
    const bobCall = await until(
      phone,
      (info) => info.remoteDisplayName === 'Bob' && info.state === 'connected',
    );
    expect(phone.events.filter((e) => e.id === bobCall.id && e.state === 'incoming')).toEqual([]);
    expect(phone.events.find((e) => e.id === placed.id && e.state === 'ended')?.end).toMatchObject({
      code: 'transferred',
      message: 'Answered by Bob, who took the call over',
    });
    await phone.engine.invoke('hangup', { callId: bobCall.id });
    expect(await exited(bob), log()).toBe(0);
  }, 30_000);

  it('Replaces naming a call ringing here gets 481, and that call rings on', async () => {
    const phone = await registeredPhone();
    const alice = await caller(phone, 'caller-stays-on-line.xml', 'Alice');
    const ringing = await until(
      phone,
      (info) => info.remoteDisplayName === 'Alice' && info.state === 'incoming',
    );
    // Alice's early dialog with us: our tag in the To of our 180, hers in its From.
    expect(await waitFor(() => received(alice, 'SIP/2.0 180').length > 0, 3000)).toBe(true);
    const progress = received(alice, 'SIP/2.0 180')[0]?.text ?? '';
    const callId = header(progress, 'Call-ID', 'i');
    const ours = tagOf(header(progress, 'To', 't'));
    const hers = tagOf(header(progress, 'From', 'f'));
    expect(callId && ours && hers, progress).toBeTruthy();

    const bob = await caller(phone, 'caller-replaces.xml', 'Bob', [
      '-set',
      'replaces',
      `${callId};to-tag=${ours};from-tag=${hers}`,
    ]);
    const log = () => `--- ringing ---\n${saw(alice)}\n--- replacing ---\n${saw(bob)}`;
    expect(await exited(bob), log()).toBe(0);
    expect(received(bob, 'SIP/2.0 481'), log()).toHaveLength(1);
    expect(received(bob, 'SIP/2.0 200'), log()).toHaveLength(0);
    expect(phone.events.filter((e) => e.remoteDisplayName === 'Bob')).toHaveLength(0);
    // Alice's call was left alone: nothing ended it at her end, and it still rings here.
    expect(received(alice, 'CANCEL').concat(received(alice, 'SIP/2.0 4')), log()).toEqual([]);
    expect(phone.events.filter((e) => e.id === ringing.id).at(-1)?.state).toBe('incoming');
    await phone.engine.invoke('answer', { callId: ringing.id });
    await until(phone, (info) => info.id === ringing.id && info.state === 'connected');
    await phone.engine.invoke('hangup', { callId: ringing.id });
    expect(await exited(alice), log()).toBe(0);
  }, 30_000);

  it('early-only Replaces naming a connected call gets 486, and the call goes on', async () => {
    const phone = await registeredPhone();
    const alice = await caller(phone, 'caller-stays-on-line.xml', 'Alice');
    const call = await connectedTo(phone, 'Alice');
    await waitFor(() => received(alice, 'SIP/2.0 200').length > 0, 3000);
    const answer = received(alice, 'SIP/2.0 200')[0]?.text ?? '';
    const callId = header(answer, 'Call-ID', 'i');
    const ours = tagOf(header(answer, 'To', 't'));
    const hers = tagOf(header(answer, 'From', 'f'));
    const bob = await caller(phone, 'caller-replaces.xml', 'Bob', [
      '-set',
      'replaces',
      `${callId};to-tag=${ours};from-tag=${hers};early-only`,
    ]);
    const log = () => `--- connected ---\n${saw(alice)}\n--- replacing ---\n${saw(bob)}`;
    expect(await exited(bob), log()).toBe(0);
    expect(received(bob, 'SIP/2.0 486'), log()).toHaveLength(1);
    expect(received(alice, 'BYE'), log()).toHaveLength(0);
    expect(phone.events.filter((e) => e.id === call.id).at(-1)?.state).toBe('connected');
    await phone.engine.invoke('hangup', { callId: call.id });
    expect(await exited(alice), log()).toBe(0);
  }, 30_000);
});
