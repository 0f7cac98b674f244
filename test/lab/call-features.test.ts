/**
 * The engine in-process against sipp on loopback: the parts of a call the CLI does not drive
 * (busy, cancel while ringing, hold and unhold, DTMF, the remote hanging up).
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import type { CallInfo } from '../../src-shared/domain.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
  waitFor,
} from './support/peers.js';

const skip = announceSkip('lab: call features', hasCommand('sipp') ? null : 'needs sipp');

const running: ChildProcess[] = [];
const engines: NatterEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.shutdown();
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

async function sipp(scenario: string, extraArgs: string[] = []): Promise<LoopbackSipp> {
  const provider = await startLoopbackSipp(scenario, extraArgs);
  running.push(provider.child);
  return provider;
}

async function registeredEngine(provider: LoopbackSipp): Promise<NatterEngine> {
  const engine = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' });
  engines.push(engine);
  const registration = await engine.invoke('register', {
    account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER },
    password: LAB_PASSWORD,
  });
  expect(registration.state, provider.output()).toBe('registered');
  return engine;
}

function history(engine: NatterEngine, callId: string): CallInfo[] {
  const seen: CallInfo[] = [];
  engine.on('call', (info) => {
    if (info.id === callId) seen.push(info);
  });
  return seen;
}

async function until(seen: CallInfo[], predicate: (info: CallInfo) => boolean, ms = 8000) {
  const ok = await waitFor(() => seen.some(predicate), ms);
  if (!ok) throw new Error(`never: ${JSON.stringify(seen.map((s) => s.state))}`);
  return seen.find(predicate) as CallInfo;
}

describe.skipIf(skip)('calls against sipp on loopback', () => {
  it('a busy line ends the call with a plain reason', async () => {
    const provider = await sipp('provider-busy.xml');
    const engine = await registeredEngine(provider);
    const call = await engine.invoke('call', { target: '15145550100' });
    const seen = history(engine, call.id);
    const ended = await until(seen, (info) => info.state === 'ended');
    expect(ended.end).toMatchObject({ code: 'busy', sipStatus: 486 });
    expect(ended.end?.message).toMatch(/busy/i);
  });

  it('hanging up while it rings sends CANCEL', async () => {
    const provider = await sipp('provider-ringing.xml');
    const engine = await registeredEngine(provider);
    const call = await engine.invoke('call', { target: '15145550100' });
    const seen = history(engine, call.id);
    await until(seen, (info) => info.state === 'ringing');
    const ended = await engine.invoke('hangup', { callId: call.id });
    expect(ended.state).toBe('ended');
    expect(ended.end?.code).toBe('hangup-local');
    const arrived = await waitFor(
      () => parseSippMessageLog(provider.log).some((m) => m.startLine.startsWith('CANCEL')),
      3000,
    );
    expect(arrived).toBe(true);
    expect(ended.answeredAt).toBeNull();
  });

  it('hold and unhold by re-INVITE, DTMF both ways, and the remote hanging up', async () => {
    const provider = await sipp('provider-hold.xml', ['-rtp_echo']);
    const engine = await registeredEngine(provider);
    const digits: string[] = [];
    engine.on('dtmfReceived', ({ digit }) => digits.push(digit));
    const call = await engine.invoke('call', { target: '4443' });
    const seen = history(engine, call.id);
    await until(seen, (info) => info.state === 'connected');

    // RFC 4733 events go out and, echoed by the provider, come back in.
    await engine.invoke('sendDtmf', { callId: call.id, digits: '47#' });
    expect(await waitFor(() => digits.join('') === '47#', 3000)).toBe(true);

    const held = await engine.invoke('hold', { callId: call.id, hold: true });
    expect(held.state).toBe('on-hold');
    const resumed = await engine.invoke('hold', { callId: call.id, hold: false });
    expect(resumed.state).toBe('connected');

    const ended = await until(seen, (info) => info.state === 'ended').catch((error: Error) => {
      const log = parseSippMessageLog(provider.log).map(
        (m) => `${m.direction}: ${m.text.slice(0, 500)}`,
      );
      throw new Error(
        `${error.message}\n${log.slice(-4).join('\n')}\n${provider.output().slice(-300)}`,
      );
    });
    expect(ended.end?.code).toBe('hangup-remote');
    expect(ended.stats.packetsSent).toBeGreaterThan(20);
    expect(ended.stats.packetsReceived).toBeGreaterThan(20);

    const invites = parseSippMessageLog(provider.log).filter(
      (m) => m.direction === 'received' && m.startLine.startsWith('INVITE'),
    );
    expect(invites).toHaveLength(3);
    expect(invites[1]?.text).toMatch(/a=sendonly/);
    expect(invites[2]?.text).toMatch(/a=sendrecv/);
  });

  it('rejects a malformed command payload without touching the call state', async () => {
    const engine = new NatterEngine({ stunServers: [] });
    engines.push(engine);
    await expect(
      engine.invoke('call', { target: 'sip:evil@host;<script>' } as never),
    ).rejects.toThrow(/invalid call request/);
    await expect(engine.invoke('hangup', { callId: '' } as never)).rejects.toThrow(/invalid/);
    await expect(engine.invoke('call', { target: '4443' })).rejects.toThrow(/not registered/);
  });
});
