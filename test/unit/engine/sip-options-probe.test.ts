import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildOptionsRequest,
  formatSeconds,
  newProbeIdentifiers,
  probeSipServers,
} from '../../../src-main/engine/sip-options-probe.js';
import { viewSipMessage } from '../../../src-main/sip/sip-message-view.js';

interface SipResponder {
  server: string;
  /** Every OPTIONS received, as text, with its arrival time. */
  requests: Array<{ text: string; at: number }>;
}

type Reply = (request: string, index: number) => Array<{ text: string | Buffer; delayMs?: number }>;

/** The response a UAS builds (RFC 3261 §8.2.6.2): Via, From, Call-ID and CSeq copied. */
function responseTo(request: string, status = '200 OK', overrides: Record<string, string> = {}) {
  const header = (name: string) =>
    overrides[name] ?? new RegExp(`^${name}: .*$`, 'mi').exec(request)?.[0] ?? '';
  return [
    `SIP/2.0 ${status}`,
    header('Via'),
    header('From'),
    `${header('To')};tag=uas1`,
    header('Call-ID'),
    header('CSeq'),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

async function sipResponder(reply: Reply): Promise<SipResponder> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const state: SipResponder = { server: `127.0.0.1:${socket.address().port}`, requests: [] };
  socket.on('message', (datagram, rinfo) => {
    const text = datagram.toString('utf8');
    state.requests.push({ text, at: performance.now() });
    for (const { text: answer, delayMs } of reply(text, state.requests.length - 1)) {
      setTimeout(() => socket.send(answer, rinfo.port, rinfo.address), delayMs ?? 0);
    }
  });
  return state;
}

/** A port nothing listens on: bound, then closed. */
async function deadServer(): Promise<string> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

describe('the OPTIONS request', () => {
  const identifiers = newProbeIdentifiers();
  const request = buildOptionsRequest({
    target: { host: 'montreal.voip.ms', port: 5060 },
    local: { address: '192.168.1.20', port: 40312 },
    ...identifiers,
  });

  it('is a request sip.js parses, with the RFC 3261 branch, rport, Call-ID and CSeq', () => {
    const view = viewSipMessage(request);
    expect(view).toMatchObject({
      kind: 'request',
      method: 'OPTIONS',
      branch: identifiers.branch,
      callId: identifiers.callId,
      cseq: 1,
      via: { host: '192.168.1.20', port: 40312 },
    });
    expect(identifiers.branch).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
  });

  it('carries every mandatory header and no body', () => {
    expect(request.startsWith('OPTIONS sip:montreal.voip.ms SIP/2.0\r\n')).toBe(true);
    expect(request).toMatch(
      /^Via: SIP\/2\.0\/UDP 192\.168\.1\.20:40312;branch=z9hG4bK\w+;rport\r$/m,
    );
    expect(request).toMatch(/^Max-Forwards: 70\r$/m);
    expect(request).toMatch(/^From: .*<sip:[^>]+>;tag=[0-9a-f]{12}\r$/m);
    expect(request).toMatch(/^To: <sip:montreal\.voip\.ms>\r$/m);
    expect(request).toMatch(/^CSeq: 1 OPTIONS\r$/m);
    expect(request.endsWith('Content-Length: 0\r\n\r\n')).toBe(true);
  });

  it('names a port other than 5060 in the Request-URI', () => {
    const text = buildOptionsRequest({
      target: { host: '127.0.0.1', port: 5070 },
      local: { address: '127.0.0.1', port: 1 },
      ...newProbeIdentifiers(),
    });
    expect(text.split('\r\n')[0]).toBe('OPTIONS sip:127.0.0.1:5070 SIP/2.0');
  });

  it('uses a new branch and Call-ID every time', () => {
    const other = newProbeIdentifiers();
    expect(other.branch).not.toBe(identifiers.branch);
    expect(other.callId).not.toBe(identifiers.callId);
  });
});

describe('probing servers with OPTIONS', () => {
  it('takes any response as an answer, a 404 as much as a 200, and measures its round trip', async () => {
    const ok = await sipResponder((request) => [{ text: responseTo(request), delayMs: 40 }]);
    const notFound = await sipResponder((request) => [
      { text: responseTo(request, '404 Not Found') },
    ]);
    const results = await probeSipServers([ok.server, notFound.server], { deadlineMs: 1000 });
    expect(results).toEqual([
      { server: ok.server, rttMs: expect.any(Number), error: null },
      { server: notFound.server, rttMs: expect.any(Number), error: null },
    ]);
    expect(results[0]?.rttMs).toBeGreaterThanOrEqual(35);
    expect(results[1]?.rttMs).toBeLessThan(results[0]?.rttMs ?? 0);
    const view = viewSipMessage(ok.requests[0]?.text ?? '');
    expect(view).toMatchObject({ kind: 'request', method: 'OPTIONS' });
    expect(view?.branch.startsWith('z9hG4bK')).toBe(true);
  });

  it('ignores garbage and responses to other transactions, and waits for its own', async () => {
    const server = await sipResponder((request) => [
      { text: Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80]) },
      { text: 'SIP/2.0 200 OK\r\n\r\n' },
      { text: `SIP/2.0 200 OK\r\n${'X-Junk: y\r\n'.repeat(500)}\r\n` },
      { text: 'OPTIONS sip:you SIP/2.0\r\nCall-ID: x\r\n\r\n' },
      {
        text: responseTo(request, '200 OK', {
          Via: 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnotyours;rport',
        }),
      },
      { text: responseTo(request, '200 OK', { 'Call-ID': 'Call-ID: not-ours' }) },
      { text: responseTo(request, '200 OK', { CSeq: 'CSeq: 1 INVITE' }) },
      { text: responseTo(request), delayMs: 120 },
    ]);
    const [result] = await probeSipServers([server.server], { deadlineMs: 1000 });
    expect(result?.error).toBeNull();
    expect(result?.rttMs).toBeGreaterThanOrEqual(100);
  });

  it('retransmits per Timer E, doubling from T1, the same request each time', async () => {
    const server = await sipResponder((request, index) =>
      index < 2 ? [] : [{ text: responseTo(request, '100 Trying') }],
    );
    const [result] = await probeSipServers([server.server], { deadlineMs: 2000, t1Ms: 100 });
    expect(result?.error).toBeNull();
    expect(server.requests).toHaveLength(3);
    const [first, second, third] = server.requests;
    expect(second?.text).toBe(first?.text);
    expect(third?.text).toBe(first?.text);
    const firstGap = (second?.at ?? 0) - (first?.at ?? 0);
    const secondGap = (third?.at ?? 0) - (second?.at ?? 0);
    expect(firstGap).toBeGreaterThanOrEqual(90);
    expect(firstGap).toBeLessThan(160);
    expect(secondGap).toBeGreaterThanOrEqual(190);
    expect(secondGap).toBeLessThan(280);
    // Measured from the copy that was answered, not from the first send.
    expect(result?.rttMs).toBeLessThan(50);
  });

  it('gives up on a silent server at the deadline, with the bound in words', async () => {
    const dead = await deadServer();
    const started = performance.now();
    const [result] = await probeSipServers([dead], { deadlineMs: 400 });
    const elapsed = performance.now() - started;
    expect(result).toEqual({ server: dead, rttMs: null, error: 'no answer within 0.4 s' });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(700);
  });

  it('probes in parallel: many silent servers cost one deadline, not one each', async () => {
    const dead = await Promise.all([deadServer(), deadServer(), deadServer(), deadServer()]);
    const live = await sipResponder((request) => [{ text: responseTo(request) }]);
    const started = performance.now();
    const results = await probeSipServers([...dead, live.server], { deadlineMs: 500 });
    expect(performance.now() - started).toBeLessThan(900);
    expect(results.map((r) => r.server)).toEqual([...dead, live.server]);
    expect(results.filter((r) => r.rttMs === null)).toHaveLength(4);
    expect(results[4]?.error).toBeNull();
  });

  it('reports what cannot be probed, in words, and never throws', async () => {
    const results = await probeSipServers(
      ['nothing.invalid', 'bad host!', '127.0.0.1:70000', '127.0.0.1:0'],
      { deadlineMs: 1500 },
    );
    expect(results[0]?.error).toMatch(/^cannot resolve host nothing\.invalid/);
    for (const result of results) {
      expect(result.rttMs).toBeNull();
      expect(result.error).toEqual(expect.any(String));
      expect(result.error).not.toBe('');
    }
    expect(results[1]?.error).toMatch(/not a host/);
    expect(results[2]?.error).toMatch(/port/);
  });

  it('answers an empty list at once', async () => {
    expect(await probeSipServers([])).toEqual([]);
  });

  it('writes bounds as a person reads them', () => {
    expect(formatSeconds(3000)).toBe('3 s');
    expect(formatSeconds(1500)).toBe('1.5 s');
  });
});
