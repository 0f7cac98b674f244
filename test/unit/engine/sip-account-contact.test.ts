import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveEngineOptions } from '../../../src-main/engine/engine-options.js';
import { SipAccount } from '../../../src-main/engine/sip-account.js';

/** The port a symmetric NAT would show the registrar: not the socket's own, not STUN's. */
const REGISTRAR_VIEW_PORT = 40777;

interface FakeRegistrar {
  port: number;
  registers: string[];
  close(): void;
}

/**
 * A registrar on loopback that reports our address as seen through a NAT in every response's
 * Via (received/rport), challenges a REGISTER without credentials when `challenge` is set, and
 * answers the rest with 200 listing the Contact it was sent.
 */
async function fakeRegistrar(challenge: boolean): Promise<FakeRegistrar> {
  const socket = dgram.createSocket('udp4');
  const registers: string[] = [];
  socket.on('message', (message, peer) => {
    const text = message.toString();
    if (!text.startsWith('REGISTER ')) return;
    registers.push(text);
    const line = (name: string) => new RegExp(`^${name}:.*$`, 'im').exec(text)?.[0] ?? '';
    const via = line('Via').replace(
      /;rport(?=;|$)/,
      `;received=127.0.0.1;rport=${REGISTRAR_VIEW_PORT}`,
    );
    const contact = /^Contact:\s*(<[^>]*>)/im.exec(text)?.[1] ?? '';
    const authorized = /^Authorization:/im.test(text);
    const head =
      challenge && !authorized
        ? [
            'SIP/2.0 401 Unauthorized',
            'WWW-Authenticate: Digest realm="lab", nonce="n1", algorithm=MD5',
          ]
        : ['SIP/2.0 200 OK', `Contact: ${contact};expires=300`];
    const response = [
      head[0],
      via,
      line('From'),
      `${line('To')};tag=reg`,
      line('Call-ID'),
      line('CSeq'),
      ...head.slice(1),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, registers, close: () => socket.close() };
}

const contactPort = (register: string) =>
  Number(/^Contact:\s*<sip:[^@]*@[\d.]+:(\d+)/im.exec(register)?.[1]);

const opened: Array<{ account: SipAccount; registrar: FakeRegistrar }> = [];
afterEach(async () => {
  for (const { account, registrar } of opened.splice(0)) {
    await account.close();
    registrar.close();
  }
});

async function openAccount(challenge: boolean) {
  const registrar = await fakeRegistrar(challenge);
  const logs: string[] = [];
  const account = await SipAccount.open(
    { server: `127.0.0.1:${registrar.port}`, user: '123456_home' },
    'secret',
    resolveEngineOptions({
      localAddress: '127.0.0.1',
      // A STUN server that never answers: the Contact starts local, and the registrar's view
      // (a different port) must win.
      stunServers: ['127.0.0.1:9'],
      stunDeadlineMs: 200,
      stunRtoMs: 50,
      keepaliveSeconds: 0,
      sipTimers: { t1: 100, t2: 400 },
    }),
    {
      onRegistration: () => undefined,
      onNatStatus: () => undefined,
      onInvite: () => undefined,
      createMedia: () => {
        throw new Error('no calls here');
      },
      log: (_level, message) => logs.push(message),
    },
  );
  opened.push({ account, registrar });
  return { account, registrar, logs };
}

describe('SipAccount changes its Contact between REGISTER transactions', () => {
  it('sends the authorized REGISTER with the Contact the challenge reported, and is registered', async () => {
    const { account, registrar } = await openAccount(true);
    const localPort = account.endpoint.bound.port;
    const registration = await account.register();
    expect(registration.state, JSON.stringify(registration.error)).toBe('registered');
    expect(registrar.registers.map(contactPort)).toEqual([localPort, REGISTRAR_VIEW_PORT]);
    expect(account.contactHeader).toContain(`:${REGISTRAR_VIEW_PORT}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing more to correct: no further REGISTER.
    expect(registrar.registers).toHaveLength(2);
  });

  it('judges a 200 by the Contact its REGISTER carried, then re-REGISTERs the new one', async () => {
    const { account, registrar } = await openAccount(false);
    const localPort = account.endpoint.bound.port;
    const registration = await account.register();
    // The 200 named the Contact the REGISTER carried; sip.js accepted it.
    expect(registration.state, JSON.stringify(registration.error)).toBe('registered');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(registrar.registers.map(contactPort)).toEqual([localPort, REGISTRAR_VIEW_PORT]);
    expect(account.state.state).toBe('registered');
    expect(account.state.contact).toContain(`:${REGISTRAR_VIEW_PORT}`);
  });
});
