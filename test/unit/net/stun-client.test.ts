import dgram from 'node:dgram';
import stun from 'stun';
import { afterEach, describe, expect, it } from 'vitest';
import { StunClient } from '../../../src-main/net/stun-client.js';
import { discoverMapping } from '../../../src-main/net/stun-discovery.js';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';

interface Responder {
  port: number;
  requests: number;
  close(): Promise<void>;
}

/**
 * A STUN responder on loopback: answers Binding requests with the sender's address, after
 * ignoring the first `dropFirst`, optionally from another socket (a forged answer) or with a
 * wrong transaction ID.
 */
async function responder(
  options: {
    dropFirst?: number;
    forgeFrom?: dgram.Socket;
    wrongId?: boolean;
    silent?: boolean;
  } = {},
): Promise<Responder> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const state: Responder = {
    port: socket.address().port,
    requests: 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (datagram, rinfo) => {
    state.requests++;
    if (options.silent || state.requests <= (options.dropFirst ?? 0)) return;
    const request = stun.decode(datagram);
    const id = options.wrongId ? stun.createTransaction() : request.transactionId;
    const answer = stun.createMessage(0x0101, id);
    answer.addXorAddress(rinfo.address, rinfo.port);
    const sender = options.forgeFrom ?? socket;
    sender.send(stun.encode(answer), rinfo.port, rinfo.address);
  });
  return state;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpoint(): Promise<UdpEndpoint> {
  const bound = await UdpEndpoint.bind({ address: '127.0.0.1' });
  cleanups.push(() => bound.close());
  return bound;
}

describe('StunClient on a shared socket', () => {
  it('learns the mapping of the very socket it runs on', async () => {
    const server = await responder();
    cleanups.push(() => server.close());
    const socket = await endpoint();
    const client = new StunClient(socket);
    const outcome = await client.binding({ address: '127.0.0.1', port: server.port });
    expect(outcome).toMatchObject({
      ok: true,
      mapped: { address: '127.0.0.1', port: socket.bound.port },
    });
    client.close();
  });

  it('retransmits with a doubling RTO until answered (RFC 5389 §7.2.1)', async () => {
    const server = await responder({ dropFirst: 2 });
    cleanups.push(() => server.close());
    const client = new StunClient(await endpoint(), { rtoMs: 40 });
    const started = performance.now();
    const outcome = await client.binding({ address: '127.0.0.1', port: server.port });
    const elapsed = performance.now() - started;
    expect(outcome.ok).toBe(true);
    expect(server.requests).toBe(3);
    // Sends at 0, 40 and 120 ms.
    expect(elapsed).toBeGreaterThanOrEqual(115);
    client.close();
  });

  it('gives up after Rc transmissions and Rm·RTO with a timeout outcome', async () => {
    const server = await responder({ silent: true });
    cleanups.push(() => server.close());
    const client = new StunClient(await endpoint(), {
      rtoMs: 5,
      maxAttempts: 3,
      finalWaitFactor: 4,
    });
    const outcome = await client.binding({ address: '127.0.0.1', port: server.port });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(server.requests).toBe(3);
    client.close();
  });

  it('ignores an answer with another transaction ID', async () => {
    const server = await responder({ wrongId: true });
    cleanups.push(() => server.close());
    const client = new StunClient(await endpoint(), {
      rtoMs: 5,
      maxAttempts: 2,
      finalWaitFactor: 4,
    });
    const outcome = await client.binding({ address: '127.0.0.1', port: server.port });
    expect(outcome.ok).toBe(false);
    expect(client.ignoredDatagrams).toBeGreaterThan(0);
    client.close();
  });

  it('ignores a correct-looking answer from another address than the one asked', async () => {
    const forger = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => forger.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => forger.close(() => resolve())));
    const server = await responder({ forgeFrom: forger });
    cleanups.push(() => server.close());
    const client = new StunClient(await endpoint(), {
      rtoMs: 5,
      maxAttempts: 2,
      finalWaitFactor: 4,
    });
    const outcome = await client.binding({ address: '127.0.0.1', port: server.port });
    expect(outcome.ok).toBe(false);
    expect(client.ignoredDatagrams).toBeGreaterThan(0);
    client.close();
  });

  it('survives garbage on the socket and still completes', async () => {
    const server = await responder({ dropFirst: 1 });
    cleanups.push(() => server.close());
    const socket = await endpoint();
    const client = new StunClient(socket, { rtoMs: 30 });
    const pending = client.binding({ address: '127.0.0.1', port: server.port });
    const junk = dgram.createSocket('udp4');
    for (const payload of ['0001', '00010000', '000100042112a442', 'ffffffff']) {
      junk.send(Buffer.from(payload.padEnd(40, '0'), 'hex'), socket.bound.port, '127.0.0.1');
    }
    const outcome = await pending;
    junk.close();
    expect(outcome.ok).toBe(true);
    client.close();
  });

  it('settles pending transactions as closed or aborted, leaving the socket open', async () => {
    const server = await responder({ silent: true });
    cleanups.push(() => server.close());
    const socket = await endpoint();
    const client = new StunClient(socket);
    const controller = new AbortController();
    const aborted = client.binding(
      { address: '127.0.0.1', port: server.port },
      { signal: controller.signal },
    );
    const closed = client.binding({ address: '127.0.0.1', port: server.port });
    controller.abort();
    expect(await aborted).toMatchObject({ ok: false, error: { code: 'aborted' } });
    client.close();
    expect(await closed).toMatchObject({ ok: false, error: { code: 'closed' } });
    expect(socket.isClosed).toBe(false);
  });
});

describe('discoverMapping', () => {
  it('a silent first server: the second answers within the deadline', async () => {
    const silent = await responder({ silent: true });
    const live = await responder();
    cleanups.push(
      () => silent.close(),
      () => live.close(),
    );
    const socket = await endpoint();
    const started = performance.now();
    const result = await discoverMapping(
      socket,
      [`127.0.0.1:${silent.port}`, `127.0.0.1:${live.port}`],
      { deadlineMs: 1500, graceAfterFirstMs: 200 },
    );
    expect(performance.now() - started).toBeLessThan(700);
    expect(result.mapped).toEqual({ address: '127.0.0.1', port: socket.bound.port });
    expect(result.results[0]).toMatchObject({ mapped: null, rttMs: null });
    expect(result.results[1]?.rttMs).toBeGreaterThanOrEqual(0);
    expect(result.natType).toBe('open');
  });

  it('all servers silent or unknown: blocked, by the deadline', async () => {
    const silent = await responder({ silent: true });
    cleanups.push(() => silent.close());
    const socket = await endpoint();
    const started = performance.now();
    const result = await discoverMapping(
      socket,
      [`127.0.0.1:${silent.port}`, 'no-such-host.invalid:3478', 'bad host'],
      { deadlineMs: 400 },
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1500);
    expect(result.natType).toBe('blocked');
    expect(result.mapped).toBeNull();
    expect(result.results.map((r) => r.error)).toEqual([
      expect.stringMatching(/deadline/),
      expect.stringMatching(/host|timed out/),
      expect.stringMatching(/not a STUN server/),
    ]);
  });
});
