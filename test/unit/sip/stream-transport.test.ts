import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { streamConnector } from '../../../src-main/sip/stream-connection.js';
import {
  ReconnectBackoff,
  StreamTransport,
  type StreamTransportOptions,
} from '../../../src-main/sip/stream-transport.js';

const REGISTER = [
  'REGISTER sip:127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/TCP 127.0.0.1;rport;branch=z9hG4bK-reg1',
  'Max-Forwards: 70',
  'To: <sip:123456_home@127.0.0.1>',
  'From: <sip:123456_home@127.0.0.1>;tag=abc',
  'Call-ID: reg-1',
  'CSeq: 1 REGISTER',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function okFor(received: string, rport: number): string {
  return [
    'SIP/2.0 200 OK',
    `Via: SIP/2.0/TCP 127.0.0.1;rport=${rport};received=${received};branch=z9hG4bK-reg1`,
    'To: <sip:123456_home@127.0.0.1>;tag=srv',
    'From: <sip:123456_home@127.0.0.1>;tag=abc',
    'Call-ID: reg-1',
    'CSeq: 1 REGISTER',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A registrar's listening socket: what each connection received, and the connections. */
class FakeRegistrar {
  readonly connections: Socket[] = [];
  readonly received: string[] = [];
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      this.connections.push(socket);
      const index = this.connections.length - 1;
      this.received[index] = '';
      socket.on('data', (chunk) => (this.received[index] += chunk.toString()));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): void {
    for (const socket of this.connections) socket.destroy();
    this.server.close();
  }
}

function until(check: () => boolean, ms = 3000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - started > ms) return reject(new Error('timed out'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp(overrides: Partial<StreamTransportOptions> = {}) {
  const registrar = new FakeRegistrar();
  await registrar.start();
  const server = { address: '127.0.0.1', port: registrar.port };
  const connected: Array<{ port: number; again: boolean }> = [];
  const views: Array<{ address: string; port: number }> = [];
  const transport = new StreamTransport(undefined, {
    kind: 'tcp',
    server,
    connect: streamConnector({ kind: 'tcp', server, serverName: '127.0.0.1' }),
    keepaliveMs: 0,
    reconnect: { initialMs: 20, maxMs: 200 },
    onConnected: (local, again) => connected.push({ port: local.port, again }),
    onViaReceived: (seen) => views.push(seen),
    ...overrides,
  });
  const messages: string[] = [];
  transport.onMessage = (message) => messages.push(message);
  cleanups.push(
    () => transport.dispose(),
    () => registrar.stop(),
  );
  await transport.connect();
  await until(() => registrar.connections.length === 1);
  return { registrar, transport, messages, connected, views };
}

describe('StreamTransport over a real TCP connection', () => {
  it('sends requests and takes their responses on the one connection, however they are split', async () => {
    const { registrar, transport, messages, views } = await setUp();
    await transport.send(REGISTER);
    await until(() => registrar.received[0] === REGISTER);
    const ok = okFor('203.0.113.7', 40123);
    const socket = registrar.connections[0]!;
    socket.write(ok.slice(0, 17));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(messages).toEqual([]);
    socket.write(ok.slice(17));
    await until(() => messages.length === 1);
    expect(messages[0]).toBe(ok);
    // The registrar's view of our connection, believed because it answers our REGISTER.
    expect(views).toEqual([{ address: '203.0.113.7', port: 40123 }]);
    expect(transport.hasClientTransaction('REGISTER')).toBe(false);
  });

  it('answers a ping with a pong and sends pings of its own', async () => {
    const { registrar } = await setUp({ keepaliveMs: 50 });
    registrar.connections[0]!.write('\r\n\r\n');
    await until(() => registrar.received[0]!.includes('\r\n\r\n'));
    await until(() => /^\r\n/.test(registrar.received[0]!));
  });

  it('once the server answered a ping, a missing pong drops the connection and it comes back', async () => {
    const { registrar, connected } = await setUp({ keepaliveMs: 40, pongTimeoutMs: 60 });
    const socket = registrar.connections[0]!;
    await until(() => registrar.received[0]!.includes('\r\n\r\n'));
    socket.write('\r\n');
    // From now on the server stays silent.
    await until(() => registrar.connections.length === 2, 2000);
    await until(() => connected.length === 2);
    expect(connected[1]!.again).toBe(true);
  });

  it('reconnects when the server closes, telling the account to register again', async () => {
    const { registrar, transport, connected } = await setUp();
    registrar.connections[0]!.destroy();
    await until(() => connected.length === 2);
    expect(connected.map((c) => c.again)).toEqual([false, true]);
    expect(connected[1]!.port).not.toBe(connected[0]!.port);
    expect(transport.reconnections).toBe(1);
    await transport.send(REGISTER);
    await until(() => registrar.received[1] === REGISTER);
  });

  it('drops a connection whose Content-Length lies (a body past it), and opens a new one', async () => {
    const { registrar, messages, connected } = await setUp();
    // The bytes after the message start no message: the read that holds them is dropped whole.
    registrar.connections[0]!.write(`${okFor('1.2.3.4', 1)}v=0\r\ns=-\r\n`);
    await until(() => connected.length === 2);
    expect(messages).toEqual([]);
    expect(registrar.connections[0]!.destroyed || registrar.connections[0]!.readableEnded).toBe(
      true,
    );
  });

  it('refuses an unknown user request with 404 on the same connection, sip.js never sees it', async () => {
    const { registrar, messages } = await setUp({ localUser: '123456_home' });
    const invite = REGISTER.replace(
      'REGISTER sip:127.0.0.1',
      'OPTIONS sip:someone@127.0.0.1',
    ).replace('1 REGISTER', '1 OPTIONS');
    registrar.connections[0]!.write(invite);
    await until(() => registrar.received[0]!.startsWith('SIP/2.0 404'));
    expect(messages).toEqual([]);
  });

  it('does not retransmit: one REGISTER on the wire however long it waits', async () => {
    const { registrar, transport } = await setUp({ timers: { t1: 20, t2: 40 } });
    await transport.send(REGISTER);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(registrar.received[0]).toBe(REGISTER);
  });

  it('a first connection that fails rejects, and nothing retries it', async () => {
    const registrar = new FakeRegistrar();
    await registrar.start();
    registrar.stop();
    const server = { address: '127.0.0.1', port: registrar.port };
    const transport = new StreamTransport(undefined, {
      kind: 'tcp',
      server,
      connect: streamConnector({ kind: 'tcp', server, serverName: 'sip.lab.test' }),
      keepaliveMs: 0,
    });
    await expect(transport.connect()).rejects.toThrow(/cannot reach sip\.lab\.test:\d+ over TCP/);
    expect(transport.isConnected()).toBe(false);
  });
});

describe('ReconnectBackoff', () => {
  it('doubles from the first delay to the cap, and starts over after a success', () => {
    const backoff = new ReconnectBackoff({ initialMs: 250, maxMs: 2000, random: () => 0.5 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([
      250, 500, 1000, 2000, 2000, 2000,
    ]);
    backoff.reset();
    expect(backoff.next()).toBe(250);
  });

  it('spreads delays by ±20 %', () => {
    expect(new ReconnectBackoff({ initialMs: 1000, random: () => 0 }).next()).toBe(800);
    expect(new ReconnectBackoff({ initialMs: 1000, random: () => 1 }).next()).toBe(1200);
  });
});
