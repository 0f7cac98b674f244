/**
 * The settings page's network tests against real peers on loopback: "Nearest" sends SIP OPTIONS
 * to sipp (one answering at once, one thinking 150 ms first), "Test" asks coturn for a mapping;
 * dead ports and names that do not resolve end as plain words within the bounds.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSipServers } from '../../src-main/engine/sip-options-probe.js';
import { testStunServer } from '../../src-main/nat/index.js';
import { viewSipMessage } from '../../src-main/sip/sip-message-view.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import { startLoopbackCoturn } from '../support/loopback-coturn.js';
import { parseSippMessageLog, startLoopbackSipp, type LoopbackSipp } from './support/peers.js';

const skip = announceSkip(
  'lab: server probes',
  !hasCommand('sipp') ? 'needs sipp' : !hasCommand('turnserver') ? 'needs coturn' : null,
);

const FAR_DELAY_MS = 150;
const children: ChildProcess[] = [];
let near: LoopbackSipp;
let far: LoopbackSipp;
let coturn: string;

/** A loopback port nobody listens on (the STUN and SIP ranges the tests use stay clear of it). */
const DEAD = `127.0.0.1:${19000 + Math.floor(Math.random() * 1000)}`;

describe.skipIf(skip)('settings network tests against sipp and coturn', () => {
  beforeAll(async () => {
    near = await startLoopbackSipp('provider-options.xml', ['-m', '1000']);
    far = await startLoopbackSipp('provider-options.xml', [
      '-m',
      '1000',
      '-set',
      'answer_delay',
      String(FAR_DELAY_MS),
    ]);
    children.push(near.child, far.child);
    const stun = await startLoopbackCoturn();
    children.push(stun.process);
    coturn = stun.server;
  });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('measures the OPTIONS round trip to each server and tells the near from the far', async () => {
    const servers = [`127.0.0.1:${far.port}`, `127.0.0.1:${near.port}`, DEAD, 'nowhere.invalid'];
    const started = performance.now();
    const results = await probeSipServers(servers);
    const elapsed = performance.now() - started;

    expect(results.map((result) => result.server)).toEqual(servers);
    const [farResult, nearResult, deadResult, unresolved] = results;
    expect(nearResult, near.output()).toMatchObject({ rttMs: expect.any(Number), error: null });
    expect(farResult, far.output()).toMatchObject({ rttMs: expect.any(Number), error: null });
    expect(farResult?.rttMs).toBeGreaterThanOrEqual(FAR_DELAY_MS - 5);
    expect(nearResult?.rttMs).toBeLessThan(farResult?.rttMs ?? 0);
    expect(deadResult).toEqual({ server: DEAD, rttMs: null, error: 'no answer within 3 s' });
    expect(unresolved?.error).toMatch(/^cannot resolve host nowhere\.invalid/);
    // The silent server holds the batch until the bound, and no longer.
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    expect(elapsed).toBeLessThan(3400);
  });

  it('sends an OPTIONS sipp accepts, and sipp answers it', async () => {
    await probeSipServers([`127.0.0.1:${near.port}`], { deadlineMs: 1000 });
    const messages = parseSippMessageLog(near.log);
    const options = messages.find(
      (message) => message.direction === 'received' && message.startLine.startsWith('OPTIONS'),
    );
    expect(options?.startLine).toBe(`OPTIONS sip:127.0.0.1:${near.port} SIP/2.0`);
    const view = viewSipMessage(options?.text ?? '');
    expect(view?.branch).toMatch(/^z9hG4bK/);
    expect(options?.text).toMatch(
      /^Via: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK\w+;rport\r?$/m,
    );
    expect(options?.text).toMatch(/^Max-Forwards: 70\r?$/m);
    expect(options?.text).toMatch(/^From: .*;tag=\w+\r?$/m);
    expect(options?.text).toMatch(/^Content-Length: 0\r?$/m);
    const answered = messages.some(
      (message) =>
        message.direction === 'sent' &&
        message.startLine === 'SIP/2.0 200 OK' &&
        message.text.includes(view?.callId ?? 'no call id'),
    );
    expect(answered).toBe(true);
  });

  it('tests one STUN server: coturn reports the mapping of the fresh socket', async () => {
    const result = await testStunServer(coturn);
    expect(result.error).toBeNull();
    expect(result.mapped?.address).toBe('127.0.0.1');
    expect(result.mapped?.port).toBeGreaterThan(0);
    expect(result.rttMs).toBeLessThan(200);
    // A fresh socket each time: a second test is mapped to another port.
    const again = await testStunServer(coturn);
    expect(again.mapped?.port).not.toBe(result.mapped?.port);
  });

  it('a dead STUN port is "no answer" within 1.5 s, an unknown name says so at once', async () => {
    const started = performance.now();
    const dead = await testStunServer(DEAD);
    const elapsed = performance.now() - started;
    expect(dead).toEqual({
      server: DEAD,
      mapped: null,
      rttMs: null,
      error: 'no answer within 1.5 s',
    });
    expect(elapsed).toBeGreaterThanOrEqual(1450);
    expect(elapsed).toBeLessThan(2000);
    const unknown = await testStunServer('nowhere.invalid:3478');
    expect(unknown.error).toMatch(/^cannot resolve host nowhere\.invalid/);
  });
});
