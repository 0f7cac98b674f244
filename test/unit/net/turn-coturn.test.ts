/**
 * The TURN client against a real coturn on loopback (long-term credentials, realm natter.test,
 * allocations capped at 6 s and nonces going stale after 3 s, so that refreshes and 438 answers
 * happen within a test): allocation, permission and channel, data both ways through the relay
 * as seen by a plain UDP peer, wrong password, a dead server, an allocation kept alive past its
 * lifetime, and deallocation on close.
 */
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import stun from 'stun';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { relayTransport } from '../../../src-main/net/relay-transport.js';
import {
  TurnClient,
  TurnError,
  type TurnEvent,
  type TurnSocket,
} from '../../../src-main/net/turn-client.js';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';
import { announceSkip, hasCommand } from '../../support/lab-guard.js';
import { startLoopbackCoturn } from '../../support/loopback-coturn.js';

const USER = 'alice';
const PASSWORD = 'secret-c0turn';
const REALM = 'natter.test';
const MAX_LIFETIME_SECONDS = 6;
const STALE_NONCE_SECONDS = 3;

const skip = announceSkip(
  'TURN client against coturn',
  hasCommand('turnserver') ? null : 'turnserver (coturn) not installed',
);

interface Coturn {
  server: string;
  port: number;
  relayPorts: { min: number; max: number };
  output: () => string;
}

const children: ChildProcess[] = [];

/** coturn with long-term credentials on random ports; resolves once it answers. */
async function startCoturn(): Promise<Coturn> {
  const min = 50000 + 100 * Math.floor(Math.random() * 100);
  const relayPorts = { min, max: min + 99 };
  const coturn = await startLoopbackCoturn({
    stunOnly: false,
    args: [
      '--relay-ip',
      '127.0.0.1',
      '--min-port',
      String(relayPorts.min),
      '--max-port',
      String(relayPorts.max),
      '--lt-cred-mech',
      '--user',
      `${USER}:${PASSWORD}`,
      '--realm',
      REALM,
      '--allow-loopback-peers',
      // With a space instead of '=', coturn 4.6 ignores the value ("Unknown argument").
      `--max-allocate-lifetime=${MAX_LIFETIME_SECONDS}`,
      `--stale-nonce=${STALE_NONCE_SECONDS}`,
    ],
  });
  children.push(coturn.process);
  return { server: coturn.server, port: coturn.port, relayPorts, output: coturn.output };
}

/** The socket, with every datagram it sends recorded (and sending switchable off). */
function recording(endpoint: UdpEndpoint): TurnSocket & { sent: Buffer[]; mute: boolean } {
  const socket = {
    sent: [] as Buffer[],
    mute: false,
    on: endpoint.on.bind(endpoint),
    send(datagram: Uint8Array | string, to: TransportAddress): Promise<void> {
      if (socket.mute) return Promise.resolve();
      socket.sent.push(Buffer.from(datagram));
      return endpoint.send(datagram, to);
    },
  };
  return socket;
}

interface Peer {
  socket: dgram.Socket;
  address: TransportAddress;
  received: Array<{ data: string; from: TransportAddress }>;
}

async function peer(): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const state: Peer = {
    socket,
    address: { address: '127.0.0.1', port: socket.address().port },
    received: [],
  };
  socket.on('message', (data, rinfo) =>
    state.received.push({
      data: data.toString(),
      from: { address: rinfo.address, port: rinfo.port },
    }),
  );
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return state;
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const giveUpAt = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > giveUpAt) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function types(datagrams: Buffer[]): number[] {
  return datagrams.filter((d) => (d[0] ?? 0xff) <= 3).map((d) => d.readUInt16BE(0));
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe.skipIf(skip)('TurnClient against coturn on loopback', () => {
  let coturn: Coturn;

  beforeAll(async () => {
    coturn = await startCoturn();
  }, 15_000);

  async function client(options: { password?: string; server?: string } = {}): Promise<{
    turn: TurnClient;
    socket: ReturnType<typeof recording>;
    endpoint: UdpEndpoint;
    events: TurnEvent[];
  }> {
    const endpoint = await UdpEndpoint.bind({ address: '127.0.0.1' });
    const socket = recording(endpoint);
    const events: TurnEvent[] = [];
    const turn = new TurnClient(
      socket,
      {
        server: options.server ?? coturn.server,
        username: USER,
        password: options.password ?? PASSWORD,
      },
      { onEvent: (event) => events.push(event) },
    );
    cleanups.push(async () => {
      await turn.close();
      await endpoint.close();
    });
    return { turn, socket, endpoint, events };
  }

  it('allocates a relayed address after the 401 challenge, with long-term credentials', async () => {
    const { turn, socket, endpoint, events } = await client();
    const allocation = await turn.allocate();

    expect(turn.state).toBe('allocated');
    expect(allocation.server).toEqual({ address: '127.0.0.1', port: coturn.port });
    expect(allocation.relayed.address).toBe('127.0.0.1');
    expect(allocation.relayed.port).toBeGreaterThanOrEqual(coturn.relayPorts.min);
    expect(allocation.relayed.port).toBeLessThanOrEqual(coturn.relayPorts.max);
    // coturn saw the very socket the media uses.
    expect(allocation.mapped).toEqual(endpoint.bound);
    expect(allocation.lifetimeSeconds).toBe(MAX_LIFETIME_SECONDS);
    expect(allocation.rttMs).toBeGreaterThan(0);
    expect(allocation.rttMs).toBeLessThan(500);
    expect(turn.allocation).toEqual(allocation);
    expect(events).toEqual([{ type: 'allocated', detail: expect.stringContaining('127.0.0.1:') }]);

    // Two Allocates: the first without credentials, the second with them and an integrity.
    expect(types(socket.sent)).toEqual([0x0003, 0x0003]);
    const [first, second] = socket.sent.map((datagram) => stun.decode(datagram));
    expect(first?.getAttribute(0x0006)).toBeUndefined();
    expect(first?.getAttribute(0x0008)).toBeUndefined();
    expect(String(second?.getAttribute(0x0006)?.value)).toBe(USER);
    expect(String(second?.getAttribute(0x0014)?.value)).toBe(REALM);
    expect(second?.getAttribute(0x0008)).toBeDefined();
    for (const datagram of socket.sent) expect(datagram.includes(PASSWORD)).toBe(false);
  });

  it('relays both ways: Data indications with a permission, then ChannelData', async () => {
    const { turn } = await client();
    const allocation = await turn.allocate();
    const far = await peer();
    const received: Array<{ data: string; peer: TransportAddress }> = [];
    turn.onData((data, from) => received.push({ data: data.toString(), peer: from }));

    // No permission yet: coturn drops what the peer sends to the relayed address.
    far.socket.send('too early', allocation.relayed.port, allocation.relayed.address);
    await sleep(200);
    expect(received).toEqual([]);

    await turn.permit(far.address);
    turn.send(far.address, Buffer.from('hello by Send indication'));
    expect(await until(() => far.received.length === 1)).toBe(true);
    // The peer sees the relayed address, never our socket.
    expect(far.received[0]).toEqual({ data: 'hello by Send indication', from: allocation.relayed });
    far.socket.send(
      'reply by Data indication',
      allocation.relayed.port,
      allocation.relayed.address,
    );
    expect(await until(() => received.length === 1)).toBe(true);
    expect(received[0]).toEqual({ data: 'reply by Data indication', peer: far.address });
    expect(turn.stats.dataIndicationsReceived).toBe(1);
    expect(turn.stats.sendIndicationsSent).toBe(1);

    const channel = await turn.bindChannel(far.address);
    expect(channel).toBe(0x4000);
    expect(await turn.bindChannel(far.address)).toBe(channel);
    turn.send(far.address, Buffer.from('hello by ChannelData'));
    expect(await until(() => far.received.length === 2)).toBe(true);
    expect(far.received[1]).toEqual({ data: 'hello by ChannelData', from: allocation.relayed });
    far.socket.send('reply by ChannelData', allocation.relayed.port, allocation.relayed.address);
    expect(await until(() => received.length === 2)).toBe(true);
    expect(received[1]).toEqual({ data: 'reply by ChannelData', peer: far.address });
    expect(turn.stats).toMatchObject({
      channelDataSent: 1,
      channelDataReceived: 1,
      dataIndicationsReceived: 1,
      sendsDropped: 0,
    });
  });

  it('carries RTP through the relay as an RtpSession transport', async () => {
    const { turn, endpoint, events } = await client();
    const allocation = await turn.allocate();
    const far = await peer();
    const transport = relayTransport(turn, endpoint);
    const rtp: Array<{ data: Buffer; from: TransportAddress }> = [];
    transport.on('rtp', (data, from) => rtp.push({ data, from }));

    const packet = Buffer.alloc(172);
    packet[0] = 0x80;
    packet[1] = 0x00;
    // The first packet binds a channel; those sent before its answer may be dropped.
    for (let i = 0; i < 5 && far.received.length === 0; i++) {
      await transport.send(packet, far.address);
      await sleep(50);
    }
    expect(await until(() => far.received.length > 0)).toBe(true);
    expect(far.received[0]?.from).toEqual(allocation.relayed);
    // The channel the first packet asked for carries the packets after it.
    expect(await until(() => events.some((event) => event.type === 'channel'))).toBe(true);
    const before = far.received.length;
    await transport.send(packet, far.address);
    expect(await until(() => far.received.length === before + 1)).toBe(true);
    expect(far.received.at(-1)?.from).toEqual(allocation.relayed);
    expect(turn.stats.channelDataSent).toBe(1);

    far.socket.send(packet, allocation.relayed.port, allocation.relayed.address);
    far.socket.send('not media', allocation.relayed.port, allocation.relayed.address);
    far.socket.send(packet, allocation.relayed.port, allocation.relayed.address);
    expect(await until(() => rtp.length === 2)).toBe(true);
    await sleep(100);
    expect(rtp).toHaveLength(2);
    expect(rtp[0]?.from).toEqual(far.address);
    expect(rtp[0]?.data.equals(packet)).toBe(true);
  });

  it('a wrong password is auth-failed at once, without the password in the error', async () => {
    const { turn, socket } = await client({ password: 'not-the-password' });
    const started = performance.now();
    const error = await turn.allocate().catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(TurnError);
    expect((error as TurnError).code).toBe('auth-failed');
    expect((error as TurnError).stunErrorCode).toBe(401);
    expect((error as TurnError).message).not.toContain('not-the-password');
    expect(JSON.stringify(error)).not.toContain('not-the-password');
    expect(elapsed).toBeLessThan(500);
    expect(turn.state).toBe('failed');
    expect(turn.allocation).toBeNull();
    // Exactly one authenticated attempt: a wrong password is not retried.
    expect(types(socket.sent).filter((type) => type === 0x0003)).toHaveLength(2);
  });

  it('a server that is down is a timeout within allocateTimeoutMs (2 s)', async () => {
    // A port nothing listens on: bound, noted, released.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const deadPort = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const { turn, socket } = await client({ server: `127.0.0.1:${deadPort}` });
    const started = performance.now();
    const error = await turn.allocate().catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;

    expect((error as TurnError).code).toBe('timeout');
    expect(elapsed).toBeGreaterThan(1900);
    expect(elapsed).toBeLessThan(2500);
    // RFC 5389 retransmissions at 0, 500 and 1500 ms, then the bound.
    expect(types(socket.sent)).toEqual([0x0003, 0x0003, 0x0003]);
    expect(turn.state).toBe('failed');
  });

  it('refreshes keep a 6 s allocation relaying past its lifetime, through stale nonces', async () => {
    const kept = await client();
    // A control whose refreshes never leave the socket: its allocation must lapse.
    const lapsed = await client();
    const keptAllocation = await kept.turn.allocate();
    const lapsedAllocation = await lapsed.turn.allocate();
    expect(keptAllocation.lifetimeSeconds).toBe(MAX_LIFETIME_SECONDS);
    const far = await peer();
    await kept.turn.permit(far.address);
    await lapsed.turn.permit(far.address);
    lapsed.socket.mute = true;
    const received: string[] = [];
    kept.turn.onData((data) => received.push(data.toString()));

    await sleep(MAX_LIFETIME_SECONDS * 1000 + 3000);

    far.socket.send('still there', keptAllocation.relayed.port, keptAllocation.relayed.address);
    expect(await until(() => received.length === 1)).toBe(true);
    expect(kept.turn.state).toBe('allocated');
    const refreshed = kept.events.filter((event) => event.type === 'refreshed');
    // Refreshed at 4.8 s of the 6 s lifetime (and 9.6 s on a slow run), each time after the
    // nonce (3 s) had gone stale: a 438, then the same request again.
    expect(refreshed.length).toBeGreaterThanOrEqual(1);
    expect(kept.turn.stats.staleNonceRetries).toBeGreaterThanOrEqual(1);
    expect(kept.events.some((event) => event.type === 'refresh-failed')).toBe(false);

    expect(lapsed.turn.state).toBe('failed');
    expect(lapsed.events.map((event) => event.type)).toContain('refresh-failed');
    // coturn released the lapsed relay: its port refuses (ICMP port unreachable).
    expect(await refusedWithin(lapsedAllocation.relayed, 2000)).toBe(true);
    expect(await refused(keptAllocation.relayed)).toBe(false);
  }, 20_000);

  it('close() deallocates: the relayed port closes and the 5-tuple can allocate again', async () => {
    const { turn, endpoint, socket, events } = await client();
    const allocation = await turn.allocate();
    expect(await refused(allocation.relayed)).toBe(false);

    const started = performance.now();
    await turn.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(turn.state).toBe('closed');
    expect(turn.allocation).toBeNull();
    expect(events.at(-1)).toEqual({ type: 'closed' });
    // The Refresh with LIFETIME 0 went out, authenticated.
    const refresh = socket.sent.map((d) => stun.decode(d)).find((m) => m.type === 0x0004);
    expect(refresh?.getAttribute(0x000d)?.value).toBe(0);
    expect(refresh?.getAttribute(0x0008)).toBeDefined();
    // coturn releases the relay port within a moment of the deallocation.
    expect(await refusedWithin(allocation.relayed, 2000)).toBe(true);

    // coturn would answer 437 Allocation Mismatch had the old allocation survived.
    const again = new TurnClient(endpoint, {
      server: coturn.server,
      username: USER,
      password: PASSWORD,
    });
    cleanups.push(() => again.close());
    await expect(again.allocate()).resolves.toMatchObject({ mapped: endpoint.bound });
    await expect(turn.close()).resolves.toBeUndefined();
    await expect(turn.allocate()).rejects.toMatchObject({ code: 'closed' });
  });
});

async function refusedWithin(target: TransportAddress, timeoutMs: number): Promise<boolean> {
  const giveUpAt = performance.now() + timeoutMs;
  for (;;) {
    if (await refused(target)) return true;
    if (performance.now() > giveUpAt) return false;
  }
}

/**
 * Whether sending to `target` comes back as ICMP port unreachable, that is, nothing listens
 * there (a connected UDP socket reports it as ECONNREFUSED).
 */
async function refused(target: TransportAddress): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => socket.connect(target.port, target.address, resolve));
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const result = await new Promise<boolean>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    socket.send('probe');
    // A second datagram collects an error the first one's ICMP may have left on the socket.
    timers.push(setTimeout(() => socket.send('probe'), 100));
    timers.push(setTimeout(() => resolve(false), 300));
  });
  for (const timer of timers) clearTimeout(timer);
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return result;
}
