/**
 * Judged on the wire: requests from the provider's own address that are malformed in a way a
 * UAS can answer get the RFC 3261 status and reason; an INVITE flood rings each caller at most
 * once per window and is refused 486/503 otherwise, cheaply enough that a normal call placed
 * right after works.
 */
import dgram from 'node:dgram';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import { LAB_PASSWORD, LAB_USER, startLoopbackSipp, waitFor } from './support/peers.js';

const skip = announceSkip('lab: SIP strictness', hasCommand('sipp') ? null : 'needs sipp');

const children: ChildProcess[] = [];
const engines: NatterEngine[] = [];
const sockets: dgram.Socket[] = [];
afterAll(async () => {
  for (const engine of engines) await engine.shutdown();
  for (const child of children) child.kill('SIGKILL');
  for (const socket of sockets) socket.close();
});

let sequence = 0;

interface Parts {
  method?: string;
  uri?: string;
  version?: string;
  caller?: string;
  drop?: string[];
  extra?: string[];
  cseq?: string;
}

function request(port: number, parts: Parts = {}): string {
  const method = parts.method ?? 'OPTIONS';
  const id = `${process.pid}-${++sequence}`;
  const caller = parts.caller ?? '15145550100';
  const headers: Array<[string, string]> = [
    ['Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-lab-${id}`],
    ['Max-Forwards', '70'],
    ['From', `<sip:${caller}@127.0.0.1>;tag=t${id}`],
    ['To', `<sip:${LAB_USER}@127.0.0.1>`],
    ['Call-ID', `strict-${id}`],
    ['CSeq', parts.cseq ?? `1 ${method}`],
    ['Contact', `<sip:${caller}@127.0.0.1:${port}>`],
  ];
  return [
    `${method} ${parts.uri ?? `sip:${LAB_USER}@127.0.0.1`} ${parts.version ?? 'SIP/2.0'}`,
    ...headers
      .filter(([name]) => !(parts.drop ?? []).includes(name))
      .map(([name, value]) => `${name}: ${value}`),
    ...(parts.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A raw socket on the registrar's address: what it sends and every status line it gets back. */
async function providerSocket(): Promise<{
  socket: dgram.Socket;
  port: number;
  received: string[];
}> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const received: string[] = [];
  socket.on('message', (message) => received.push(message.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

const statusLine = (message: string) => message.split('\r\n')[0] ?? '';
const callIdOf = (message: string) => /^Call-ID:\s*(\S+)/im.exec(message)?.[1];

describe.skipIf(skip)('SIP strictness and INVITE floods, on the wire', () => {
  it('answers each recoverable fault with its RFC 3261 status, floods ring once per caller, and a call still works', async () => {
    const provider = await startLoopbackSipp('provider-comedia.xml', ['-rtp_echo']);
    children.push(provider.child);
    const engine = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' });
    engines.push(engine);
    const registration = await engine.invoke('register', {
      account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER },
      password: LAB_PASSWORD,
    });
    expect(registration.state).toBe('registered');
    const contactPort = Number(/:(\d+);transport/.exec(engine.contactHeader ?? '')?.[1]);
    const ringing = new Map<string, Set<string>>();
    const ringingIds = new Set<string>();
    engine.on('call', (info) => {
      if (info.direction !== 'incoming' || info.state !== 'incoming') return;
      ringingIds.add(info.id);
      const ids = ringing.get(info.remote) ?? new Set<string>();
      ids.add(info.id);
      ringing.set(info.remote, ids);
    });

    const { socket, port, received } = await providerSocket();
    const send = (text: string) =>
      new Promise<void>((resolve) => socket.send(text, contactPort, '127.0.0.1', () => resolve()));

    const cases: Array<[Parts, string]> = [
      [{ version: 'SIP/3.0' }, 'SIP/2.0 505 Version Not Supported'],
      [{ drop: ['Call-ID'] }, 'SIP/2.0 400 Missing Call-ID'],
      [{ drop: ['From'] }, 'SIP/2.0 400 Missing From'],
      [{ cseq: 'x OPTIONS' }, 'SIP/2.0 400 Invalid CSeq'],
      [{ cseq: '1 BYE' }, 'SIP/2.0 400 CSeq Method Mismatch'],
      [{ uri: 'tel:+15145550100' }, 'SIP/2.0 416 Unsupported URI Scheme'],
      [{ uri: 'sip:somebody-else@127.0.0.1' }, 'SIP/2.0 404 Not Found'],
      [{ extra: ['Require: foo'] }, 'SIP/2.0 420 Bad Extension'],
      [
        { method: 'INFO', drop: ['Max-Forwards'], extra: ['Max-Forwards: 0'] },
        'SIP/2.0 483 Too Many Hops',
      ],
      [{ extra: [`X-Padding: ${'p'.repeat(40_000)}`] }, 'SIP/2.0 513 Message Too Large'],
      [{ method: '!PING' }, 'SIP/2.0 405 Method Not Allowed'],
      [{ method: 'ACK', version: 'SIP/3.0' }, ''],
    ];
    const answers: Array<[string, string]> = [];
    for (const [parts, expected] of cases) {
      const text = request(port, parts);
      const callId = callIdOf(text) ?? `no-call-id-${answers.length}`;
      const before = received.length;
      await send(text);
      await waitFor(() => received.length > before, expected === '' ? 300 : 2000);
      const answer = received.slice(before).find((message) => {
        const id = callIdOf(message);
        return id === undefined || id === callId;
      });
      answers.push([expected, answer ? statusLine(answer) : '']);
    }
    expect(answers.map(([, seen]) => seen)).toEqual(answers.map(([expected]) => expected));

    // A flood from the registrar's address: 600 INVITEs at about 300/s, each a new call, from
    // three callers. Each caller rings at most once in the 5 s window; the rest is refused.
    received.length = 0;
    const callers = ['15145550101', '15145550102', '15145550103'];
    const started = performance.now();
    for (let batch = 0; batch < 20; batch++) {
      const sent: Array<Promise<void>> = [];
      for (let i = 0; i < 30; i++) {
        sent.push(send(request(port, { method: 'INVITE', caller: callers[i % callers.length] })));
      }
      await Promise.all(sent);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const floodSeconds = (performance.now() - started) / 1000;
    await waitFor(() => received.filter((m) => !/^SIP\/2.0 1/.test(m)).length >= 597, 5000);
    const finals = received.filter((message) => !/^SIP\/2.0 1/.test(message)).map(statusLine);
    const refused = finals.filter((line) => /^SIP\/2.0 (486|503) /.test(line));
    // One ring per caller per 5 s window the flood lasted.
    const windows = Math.ceil(floodSeconds / 5);
    for (const caller of callers) {
      expect(ringing.get(caller)?.size ?? 0).toBeLessThanOrEqual(windows);
    }
    expect([...ringing.values()].reduce((sum, ids) => sum + ids.size, 0)).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThanOrEqual(600 - callers.length * windows);
    expect(received.filter((message) => /^SIP\/2.0 180 /.test(message)).length).toBeLessThanOrEqual(
      callers.length * windows,
    );
    console.log(
      `INVITE flood: 600 in ${floodSeconds.toFixed(2)} s, ${refused.length} refused (${finals.filter((l) => / 486 /.test(l)).length} × 486, ${finals.filter((l) => / 503 /.test(l)).length} × 503), ${[...ringing.values()].reduce((sum, ids) => sum + ids.size, 0)} rang`,
    );

    for (const id of ringingIds)
      await engine.invoke('reject', { callId: id }).catch(() => undefined);
    const calls: string[] = [];
    engine.on('call', (info) => calls.push(`${info.direction}:${info.state}`));
    const call = await engine.invoke('call', { target: '4443' });
    const connected = await waitFor(() => calls.includes('outgoing:connected'), 8000);
    expect(connected).toBe(true);
    await engine.invoke('hangup', { callId: call.id });
  }, 60_000);
});
