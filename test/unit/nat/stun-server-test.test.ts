import dgram from 'node:dgram';
import stun from 'stun';
import { afterEach, describe, expect, it } from 'vitest';
import { testStunServer } from '../../../src-main/nat/stun-server-test.js';

const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

/** A STUN server on loopback: the sender's address back, or an error response, after a delay. */
async function stunResponder(
  options: { delayMs?: number; errorCode?: number } = {},
): Promise<{ server: string; senders: Array<{ address: string; port: number }> }> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const senders: Array<{ address: string; port: number }> = [];
  socket.on('message', (datagram, rinfo) => {
    senders.push({ address: rinfo.address, port: rinfo.port });
    const request = stun.decode(datagram);
    const answer = stun.createMessage(
      options.errorCode === undefined ? 0x0101 : 0x0111,
      request.transactionId,
    );
    if (options.errorCode === undefined) answer.addXorAddress(rinfo.address, rinfo.port);
    else answer.addError(options.errorCode, 'Try Later');
    setTimeout(() => socket.send(stun.encode(answer), rinfo.port, rinfo.address), options.delayMs);
  });
  return { server: `127.0.0.1:${socket.address().port}`, senders };
}

async function deadServer(): Promise<string> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** Whether a local UDP port can be bound again, i.e. nobody holds it any more. */
async function isFree(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, () => socket.close(() => resolve(true)));
  });
}

describe('testing one STUN server', () => {
  it('reports the address the server saw and the round trip, then frees its socket', async () => {
    const responder = await stunResponder({ delayMs: 30 });
    const result = await testStunServer(responder.server);
    const sender = responder.senders[0];
    expect(result).toEqual({
      server: responder.server,
      mapped: { address: '127.0.0.1', port: sender?.port },
      rttMs: expect.any(Number),
      error: null,
    });
    expect(result.rttMs).toBeGreaterThanOrEqual(25);
    expect(await isFree(sender?.port ?? 0)).toBe(true);
  });

  it('says nobody answered, within its bound', async () => {
    const dead = await deadServer();
    const started = performance.now();
    const result = await testStunServer(dead, { timeoutMs: 400 });
    expect(performance.now() - started).toBeLessThan(700);
    expect(result).toEqual({
      server: dead,
      mapped: null,
      rttMs: null,
      error: 'no answer within 0.4 s',
    });
  });

  it('uses the 1.5 s bound of discovery by default', async () => {
    const dead = await deadServer();
    const started = performance.now();
    const result = await testStunServer(dead);
    const elapsed = performance.now() - started;
    expect(result.error).toBe('no answer within 1.5 s');
    expect(elapsed).toBeGreaterThanOrEqual(1450);
    expect(elapsed).toBeLessThan(2000);
  });

  it('passes on what a refusing server said', async () => {
    const responder = await stunResponder({ errorCode: 500 });
    const result = await testStunServer(responder.server);
    expect(result.mapped).toBeNull();
    expect(result.error).toMatch(/refused.*500/);
  });

  it('says when a name does not resolve, or is no server at all, and never throws', async () => {
    expect((await testStunServer('nothing.invalid', { timeoutMs: 1000 })).error).toMatch(
      /^cannot resolve host nothing\.invalid/,
    );
    expect((await testStunServer('bad host!')).error).toMatch(/not a STUN server/);
    expect((await testStunServer('127.0.0.1:99999')).error).toMatch(/port must be/);
  });
});
