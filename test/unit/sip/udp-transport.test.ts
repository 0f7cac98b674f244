import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UdpTransport } from '../../../src-main/sip/udp-transport.js';
import { FakeEndpoint } from '../../support/fake-endpoint.js';

const server = { address: '198.51.100.10', port: 5060 };

function request(method: string, branch: string, cseq = 1): string {
  return [
    `${method} sip:${method === 'REGISTER' ? '' : '4443@'}198.51.100.10 SIP/2.0`,
    `Via: SIP/2.0/UDP 203.0.113.7;rport;branch=${branch}`,
    'Max-Forwards: 70',
    'To: <sip:123456_home@198.51.100.10>',
    'From: <sip:123456_home@198.51.100.10>;tag=abc',
    'Call-ID: call-1',
    `CSeq: ${cseq} ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function response(status: number, method: string, branch: string, via = ''): string {
  return [
    `SIP/2.0 ${status} Reason`,
    `Via: SIP/2.0/UDP 203.0.113.7;rport${via};branch=${branch}`,
    'To: <sip:123456_home@198.51.100.10>;tag=srv',
    'From: <sip:123456_home@198.51.100.10>;tag=abc',
    'Call-ID: call-1',
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('UdpTransport retransmission (RFC 3261 §17)', () => {
  let endpoint: FakeEndpoint;
  let transport: UdpTransport;

  beforeEach(async () => {
    vi.useFakeTimers();
    endpoint = new FakeEndpoint();
    transport = new UdpTransport(undefined, { endpoint, server });
    await transport.connect();
  });
  afterEach(async () => {
    await transport.dispose();
    vi.useRealTimers();
  });

  it('retransmits a non-INVITE request by Timer E: T1, 2T1, 4T1, capped at T2', async () => {
    await transport.send(request('REGISTER', 'z9hG4bK-e'));
    const times: number[] = [];
    const start = Date.now();
    for (let step = 0; step < 20_000; step += 50) {
      const before = endpoint.sent.length;
      await vi.advanceTimersByTimeAsync(50);
      if (endpoint.sent.length > before) times.push(Date.now() - start);
    }
    // Sends at 500, 1500, 3500, 7500, then every 4000 ms.
    expect(times.slice(0, 6)).toEqual([500, 1500, 3500, 7500, 11500, 15500]);
  });

  it('retransmits INVITE by Timer A, doubling without cap, and gives up at 64·T1', async () => {
    await transport.send(request('INVITE', 'z9hG4bK-a'));
    await vi.advanceTimersByTimeAsync(64 * 500 + 10);
    // Original plus retransmissions at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s.
    expect(endpoint.count('INVITE ')).toBe(7);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(endpoint.count('INVITE ')).toBe(7);
    expect(transport.pendingRetransmissions).toBe(0);
  });

  it('stops retransmitting INVITE on any response, and a non-INVITE on a final one', async () => {
    await transport.send(request('INVITE', 'z9hG4bK-i'));
    await transport.send(request('OPTIONS', 'z9hG4bK-o'));
    endpoint.deliver(response(100, 'INVITE', 'z9hG4bK-i'), server);
    endpoint.deliver(response(200, 'OPTIONS', 'z9hG4bK-o'), server);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(endpoint.count('INVITE ')).toBe(1);
    expect(endpoint.count('OPTIONS ')).toBe(1);
  });

  it('moves a non-INVITE to T2 after a provisional response', async () => {
    await transport.send(request('REGISTER', 'z9hG4bK-p'));
    endpoint.deliver(response(100, 'REGISTER', 'z9hG4bK-p'), server);
    await vi.advanceTimersByTimeAsync(3_900);
    expect(endpoint.count('REGISTER ')).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(endpoint.count('REGISTER ')).toBe(2);
  });

  it('does not stop on a response for another branch', async () => {
    await transport.send(request('REGISTER', 'z9hG4bK-mine'));
    endpoint.deliver(response(200, 'REGISTER', 'z9hG4bK-other'), server);
    await vi.advanceTimersByTimeAsync(600);
    expect(endpoint.count('REGISTER ')).toBe(2);
  });

  it('never retransmits ACK', async () => {
    await transport.send(request('ACK', 'z9hG4bK-ack'));
    await vi.advanceTimersByTimeAsync(40_000);
    expect(endpoint.count('ACK ')).toBe(1);
  });

  it('retransmits a non-2xx final response to INVITE by Timer G until the ACK', async () => {
    const invite = request('INVITE', 'z9hG4bK-in');
    endpoint.deliver(invite, { address: server.address, port: 5060 });
    await transport.send(response(486, 'INVITE', 'z9hG4bK-in', ';received=192.0.2.1'));
    await vi.advanceTimersByTimeAsync(1_600);
    expect(endpoint.count('SIP/2.0 486')).toBe(3);
    endpoint.deliver(request('ACK', 'z9hG4bK-in'), server);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(endpoint.count('SIP/2.0 486')).toBe(3);
  });

  it('leaves 2xx to INVITE to sip.js (RFC 3261 §13.3.1.4)', async () => {
    await transport.send(response(200, 'INVITE', 'z9hG4bK-ok'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(endpoint.count('SIP/2.0 200')).toBe(1);
  });
});

describe('UdpTransport routing and filtering', () => {
  it('sends responses to the Via received/rport address of the request (RFC 3581)', async () => {
    const endpoint = new FakeEndpoint();
    const transport = new UdpTransport(undefined, { endpoint, server });
    await transport.connect();
    const text = response(180, 'INVITE', 'z9hG4bK-r').replace(
      'Via: SIP/2.0/UDP 203.0.113.7;rport',
      'Via: SIP/2.0/UDP 198.51.100.10:5070;received=198.51.100.11;rport=5099',
    );
    await transport.send(text);
    expect(endpoint.sent[0]?.to).toEqual({ address: '198.51.100.11', port: 5099 });
    await transport.dispose();
  });

  it('reports what the registrar saw from the Via of a response to our own request', async () => {
    const endpoint = new FakeEndpoint();
    const seen: unknown[] = [];
    const transport = new UdpTransport(undefined, {
      endpoint,
      server,
      onViaReceived: (address, answered) => seen.push({ address, answered }),
    });
    const delivered: string[] = [];
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
    await transport.send(request('REGISTER', 'z9hG4bK-v'));
    endpoint.deliver(
      response(401, 'REGISTER', 'z9hG4bK-v').replace(
        ';rport;',
        ';received=203.0.113.9;rport=40000;',
      ),
      server,
    );
    expect(seen).toEqual([
      {
        address: { address: '203.0.113.9', port: 40000 },
        answered: { method: 'REGISTER', statusCode: 401 },
      },
    ]);
    expect(delivered).toHaveLength(1);
    expect(transport.hasClientTransaction('REGISTER')).toBe(false);
    await transport.dispose();
  });

  it('drops garbage, keepalives and requests from strangers, delivers the rest', async () => {
    const endpoint = new FakeEndpoint();
    const transport = new UdpTransport(undefined, { endpoint, server });
    const delivered: string[] = [];
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
    endpoint.deliver('\r\n\r\n', server);
    endpoint.deliver('INVITE garbage\r\n\r\n', server);
    endpoint.deliver('SIP/2.0 200\r\nVia: nonsense\r\n\r\n', server);
    endpoint.deliver(request('INVITE', 'z9hG4bK-scan'), { address: '192.0.2.66', port: 5060 });
    endpoint.deliver(request('INVITE', 'z9hG4bK-ok'), server);
    expect(delivered).toHaveLength(1);
    expect(transport.droppedMessages).toBe(3);
    // A response comes from the server, which every request of ours goes to.
    await transport.send(request('OPTIONS', 'z9hG4bK-asked'));
    endpoint.deliver(response(200, 'OPTIONS', 'z9hG4bK-asked'), {
      address: '192.0.2.66',
      port: 5060,
    });
    expect(delivered).toHaveLength(1);
    expect(transport.droppedMessages).toBe(4);
    endpoint.deliver(response(200, 'OPTIONS', 'z9hG4bK-asked'), server);
    expect(delivered).toHaveLength(2);
    await transport.dispose();
  });

  it("refuses a stranger's request before reading it, and still finds messages after CRLFs", async () => {
    const endpoint = new FakeEndpoint();
    const traced: string[] = [];
    const transport = new UdpTransport(undefined, {
      endpoint,
      server,
      onTrace: (direction, message) => traced.push(`${direction} ${message.slice(0, 11)}`),
    });
    const delivered: string[] = [];
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
    const stranger = { address: '192.0.2.66', port: 5060 };
    endpoint.deliver(`OPTIONS sip:x SIP/2.0\r\nX-Pad: ${'A'.repeat(9000)}\r\n\r\n`, stranger);
    endpoint.deliver(`\r\n${request('OPTIONS', 'z9hG4bK-crlf')}`, server);
    await transport.send(request('OPTIONS', 'z9hG4bK-lower'));
    endpoint.deliver(
      `\r\n${response(200, 'OPTIONS', 'z9hG4bK-lower').replace('SIP/2.0 ', 'sip/2.0 ')}`,
      server,
    );
    expect(transport.droppedMessages).toBe(1);
    expect(traced.filter((line) => line.startsWith('in'))).toEqual([
      'in OPTIONS sip',
      'in sip/2.0 200',
    ]);
    expect(delivered).toHaveLength(2);
    await transport.dispose();
  });

  it('reports a lost socket through onDisconnect', async () => {
    const endpoint = new FakeEndpoint();
    const transport = new UdpTransport(undefined, { endpoint, server });
    const onDisconnect = vi.fn();
    transport.onDisconnect = onDisconnect;
    await transport.connect();
    endpoint.close();
    expect(onDisconnect).toHaveBeenCalledWith(expect.any(Error));
    expect(transport.isConnected()).toBe(false);
    await expect(transport.send(request('OPTIONS', 'z9hG4bK-x'))).rejects.toThrow(/not connected/);
  });
});

describe('UdpTransport believes Via received/rport only from its own transactions', () => {
  const view = ';received=6.6.6.6;rport=6666;';
  let endpoint: FakeEndpoint;
  let transport: UdpTransport;
  let seen: unknown[];
  let ended: string[];
  let delivered: string[];

  beforeEach(async () => {
    vi.useFakeTimers();
    endpoint = new FakeEndpoint();
    seen = [];
    ended = [];
    delivered = [];
    transport = new UdpTransport(undefined, {
      endpoint,
      server,
      onViaReceived: (address) => seen.push(address),
      onClientTransactionEnd: (method) => ended.push(method),
    });
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
  });
  afterEach(async () => {
    await transport.dispose();
    vi.useRealTimers();
  });

  it('ignores a response matching no transaction of ours', () => {
    endpoint.deliver(response(200, 'REGISTER', 'z9hG4bK-none').replace(';rport;', view), server);
    expect(seen).toEqual([]);
  });

  it('ignores a response to our request that comes from another host or port', async () => {
    await transport.send(request('REGISTER', 'z9hG4bK-a'));
    const forged = response(200, 'REGISTER', 'z9hG4bK-a').replace(';rport;', view);
    endpoint.deliver(forged, { address: '198.51.100.30', port: 5060 });
    endpoint.deliver(forged, { address: server.address, port: 5099 });
    expect(seen).toEqual([]);
    // The transaction is still open for the registrar's own answer.
    expect(transport.hasClientTransaction('REGISTER')).toBe(true);
    endpoint.deliver(forged.replace(view, ';received=198.51.100.1;rport=40000;'), server);
    expect(seen).toEqual([{ address: '198.51.100.1', port: 40000 }]);
  });

  it('ignores a response whose method or CSeq is not the request it names by branch', async () => {
    await transport.send(request('REGISTER', 'z9hG4bK-b', 7));
    endpoint.deliver(response(200, 'INVITE', 'z9hG4bK-b').replace(';rport;', view), server);
    // response() answers CSeq 1: not the REGISTER we sent as CSeq 7.
    endpoint.deliver(response(200, 'REGISTER', 'z9hG4bK-b').replace(';rport;', view), server);
    expect(seen).toEqual([]);
  });

  it('believes a provisional response and keeps the transaction until the final one', async () => {
    await transport.send(request('INVITE', 'z9hG4bK-c'));
    endpoint.deliver(response(100, 'INVITE', 'z9hG4bK-c').replace(';rport;', view), server);
    expect(transport.hasClientTransaction('INVITE')).toBe(true);
    endpoint.deliver(response(200, 'INVITE', 'z9hG4bK-c').replace(';rport;', view), server);
    expect(seen).toHaveLength(2);
    expect(transport.hasClientTransaction('INVITE')).toBe(false);
    // A retransmitted 200 after the transaction ended teaches nothing.
    endpoint.deliver(response(200, 'INVITE', 'z9hG4bK-c').replace(';rport;', view), server);
    expect(seen).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(ended).toEqual(['INVITE']);
    // Every copy still reaches sip.js, which absorbs the duplicates.
    expect(delivered).toHaveLength(3);
  });

  it('ends a transaction that never got an answer at 64·T1', async () => {
    await transport.send(request('REGISTER', 'z9hG4bK-d'));
    expect(transport.hasClientTransaction('REGISTER')).toBe(true);
    await vi.advanceTimersByTimeAsync(64 * 500);
    expect(transport.hasClientTransaction('REGISTER')).toBe(false);
    expect(ended).toEqual(['REGISTER']);
    endpoint.deliver(response(200, 'REGISTER', 'z9hG4bK-d').replace(';rport;', view), server);
    expect(seen).toEqual([]);
  });
});
