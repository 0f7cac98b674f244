import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { boundedExit, describeEnd } from '../../bench/bounded-exit.js';

/** A node child that prints "ready" once its handlers are in place, then runs `body`. */
function child(body: string) {
  const process_ = spawn(process.execPath, ['-e', `${body}; console.log('ready')`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ready = new Promise<void>((resolveReady) =>
    process_.stdout.once('data', () => resolveReady()),
  );
  return { process: process_, ready };
}

describe('boundedExit', () => {
  it('lets a peer that ends in time end by itself', async () => {
    const peer = child('setTimeout(() => {}, 100)');
    await peer.ready;
    const end = await boundedExit(peer.process, { expectedEndAt: Date.now() + 200, graceMs: 2000 });
    expect(end).toBe('exited');
  });

  it('answers at once for a peer that has already exited', async () => {
    const peer = child('');
    await new Promise((resolveExit) => peer.process.once('exit', resolveExit));
    const end = await boundedExit(peer.process, { expectedEndAt: Date.now() + 60_000, graceMs: 0 });
    expect(end).toBe('exited');
  });

  it('sends SIGTERM to a peer still running after its end and grace', async () => {
    const peer = child('setInterval(() => {}, 1000)');
    await peer.ready;
    const started = Date.now();
    const end = await boundedExit(peer.process, { expectedEndAt: started + 100, graceMs: 100 });
    expect(end).toBe('SIGTERM');
    expect(peer.process.signalCode).toBe('SIGTERM');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('kills a peer that ignores SIGTERM, as baresip once did', async () => {
    const peer = child("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)");
    await peer.ready;
    const end = await boundedExit(peer.process, {
      expectedEndAt: Date.now(),
      graceMs: 50,
      termGraceMs: 200,
    });
    expect(end).toBe('SIGKILL');
    expect(peer.process.signalCode).toBe('SIGKILL');
    expect(describeEnd('baresip', end, 10_000)).toBe(
      'baresip ran 10 s past its end: ignored SIGTERM, killed',
    );
  });
});
