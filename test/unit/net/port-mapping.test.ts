/**
 * The port-mapping client against a scripted router on loopback: what it sends, how it falls
 * back, what it refuses to believe, how it renews and deletes, and that it keeps its time bound.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PortMappingError,
  requestMapping,
  type PortMapping,
  type PortMappingRequest,
} from '../../../src-main/net/port-mapping.js';

type Reply = (request: Buffer) => Buffer[] | null;

interface FakeRouter {
  port: number;
  requests: Buffer[];
  reply: Reply;
  close(): Promise<void>;
}

const routers: FakeRouter[] = [];
const mappings: PortMapping[] = [];
afterEach(async () => {
  for (const mapping of mappings.splice(0)) if (mapping.active) await mapping.close();
  for (const router of routers.splice(0)) await router.close();
});

async function fakeRouter(reply: Reply): Promise<FakeRouter> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const router: FakeRouter = {
    port: socket.address().port,
    requests: [],
    reply,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (datagram, from) => {
    router.requests.push(datagram);
    for (const answer of router.reply(datagram) ?? []) socket.send(answer, from.port, from.address);
  });
  routers.push(router);
  return router;
}

function ask(router: FakeRouter, request: Partial<PortMappingRequest> = {}) {
  return requestMapping({
    localPort: 41000,
    protocol: 'udp',
    lifetimeSeconds: 120,
    gateway: '127.0.0.1',
    serverPort: router.port,
    ...request,
  }).then((mapping) => {
    mappings.push(mapping);
    return mapping;
  });
}

async function failure(promise: Promise<unknown>): Promise<PortMappingError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PortMappingError) return error;
    throw error;
  }
  throw new Error('expected a PortMappingError');
}

const isPcp = (request: Buffer) => request[0] === 2;

/** A PCP MAP answer to `request`: its nonce, protocol and port, with what the router grants. */
function pcpAnswer(
  request: Buffer,
  grant: { result?: number; lifetime?: number; port?: number; address?: string } = {},
): Buffer {
  const answer = Buffer.from(request);
  answer[1] = 0x81;
  answer[2] = 0;
  answer[3] = grant.result ?? 0;
  answer.writeUInt32BE(grant.lifetime ?? request.readUInt32BE(4), 4);
  answer.writeUInt32BE(1234, 8);
  answer.fill(0, 12, 24);
  answer.writeUInt16BE(grant.port ?? 50000, 42);
  const octets = (grant.address ?? '203.0.113.7').split('.').map(Number);
  answer.set(octets, 56);
  return answer;
}

/** NAT-PMP answers: the mapping (internal port echoed) and the address query. */
function natPmpAnswer(request: Buffer, grant: { port?: number; address?: string } = {}): Buffer {
  if (request[1] === 0) {
    const answer = Buffer.from('0080000000000005', 'hex');
    return Buffer.concat([
      answer,
      Buffer.from((grant.address ?? '203.0.113.7').split('.').map(Number)),
    ]);
  }
  const answer = Buffer.alloc(16);
  answer.writeUInt8(0x80 + request.readUInt8(1), 1);
  answer.writeUInt32BE(5, 4);
  answer.writeUInt16BE(request.readUInt16BE(4), 8);
  answer.writeUInt16BE(grant.port ?? 50002, 10);
  answer.writeUInt32BE(request.readUInt32BE(8), 12);
  return answer;
}

describe('requestMapping', () => {
  it('asks with PCP first and returns the mapping the router granted', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request)]);
    const mapping = await ask(router, { lifetimeSeconds: 120 });
    expect(mapping).toMatchObject({
      method: 'pcp',
      external: { address: '203.0.113.7', port: 50000 },
      lifetimeSeconds: 120,
      gateway: '127.0.0.1',
      localPort: 41000,
      renewals: 0,
      active: true,
    });
    const [request] = router.requests;
    expect(request?.length).toBe(60);
    // The client's own address as the router sees it, IPv4-mapped, and the port to map.
    expect(request?.subarray(20, 24)).toEqual(Buffer.from([127, 0, 0, 1]));
    expect(request?.readUInt16BE(40)).toBe(41000);
    expect(request?.readUInt8(36)).toBe(17);
  });

  it('falls back to NAT-PMP when the router answers PCP in NAT-PMP version 0', async () => {
    const router = await fakeRouter((request) =>
      isPcp(request) ? [Buffer.from('0081000100000005', 'hex')] : [natPmpAnswer(request)],
    );
    const mapping = await ask(router);
    expect(mapping.method).toBe('nat-pmp');
    expect(mapping.external).toEqual({ address: '203.0.113.7', port: 50002 });
    expect(router.requests.map((r) => [r[0], r[1]])).toEqual([
      [2, 1],
      [0, 1],
      [0, 0],
    ]);
  });

  it('falls back to NAT-PMP when PCP gets no answer, within the same time bound', async () => {
    const router = await fakeRouter((request) => (isPcp(request) ? null : [natPmpAnswer(request)]));
    const started = Date.now();
    const mapping = await ask(router, { timeoutMs: 1000 });
    expect(mapping.method).toBe('nat-pmp');
    expect(Date.now() - started).toBeLessThan(1000);
    // PCP was retransmitted (RFC 6886 §3.1 timing) before its share of the bound ran out.
    expect(router.requests.filter(isPcp).length).toBeGreaterThanOrEqual(2);
  });

  it('retransmits a lost request and takes the answer to the retransmission', async () => {
    let seen = 0;
    const router = await fakeRouter((request) => (++seen < 3 ? null : [pcpAnswer(request)]));
    const mapping = await ask(router, { methods: ['pcp'] });
    expect(mapping.method).toBe('pcp');
    expect(router.requests).toHaveLength(3);
  });

  it('ignores garbage and answers that are not its own, then takes the real one', async () => {
    const router = await fakeRouter((request) => {
      const otherNonce = pcpAnswer(request, { port: 666 });
      otherNonce.writeUInt8(otherNonce.readUInt8(24) ^ 0xff, 24);
      const otherPort = pcpAnswer(request, { port: 667 });
      otherPort.writeUInt16BE(1, 40);
      return [
        Buffer.alloc(0),
        Buffer.from([2]),
        Buffer.alloc(61, 2),
        otherNonce,
        otherPort,
        pcpAnswer(request),
      ];
    });
    const mapping = await ask(router);
    expect(mapping.external.port).toBe(50000);
  });

  it('reports a refusal in plain words and does not try the next protocol', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request, { result: 2, lifetime: 30 })]);
    const error = await failure(ask(router));
    expect(error.code).toBe('refused');
    expect(error.message).toBe(
      'The router at 127.0.0.1 refused the request (port mapping may be switched off on the router) (PCP).',
    );
    expect(router.requests.every(isPcp)).toBe(true);
  });

  it('reports a NAT-PMP refusal, which carries only the header', async () => {
    const router = await fakeRouter((request) =>
      isPcp(request)
        ? [Buffer.from('0081000100000005', 'hex')]
        : [Buffer.from('0081000400000005', 'hex')],
    );
    const error = await failure(ask(router));
    expect(error.code).toBe('refused');
    expect(error.message).toContain('has no ports left to map (NAT-PMP)');
  });

  it('times out within the bound when the router is silent', async () => {
    const router = await fakeRouter(() => null);
    const started = Date.now();
    const error = await failure(ask(router, { timeoutMs: 800 }));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('timeout');
    expect(error.message).toBe(
      'The router at 127.0.0.1 did not answer port-mapping requests (PCP, NAT-PMP) within 0.8 s.',
    );
    expect(elapsed).toBeGreaterThanOrEqual(780);
    expect(elapsed).toBeLessThan(1100);
    expect(router.requests.some(isPcp)).toBe(true);
    expect(router.requests.some((r) => !isPcp(r))).toBe(true);
  });

  it('fails at once when nothing listens on the router', async () => {
    const router = await fakeRouter(() => null);
    const port = router.port;
    await routers.pop()?.close();
    const started = Date.now();
    const error = await failure(
      requestMapping({ localPort: 41000, protocol: 'udp', gateway: '127.0.0.1', serverPort: port }),
    );
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(
      'The router at 127.0.0.1 does not offer port mapping: nothing listens for port-mapping requests on the router.',
    );
    expect(Date.now() - started).toBeLessThan(500);
  });

  it.each([
    ['10.20.30.40', 'a private address'],
    ['100.64.1.2', 'a carrier-grade NAT address'],
  ])('does not trust a mapping on %s, and deletes it again', async (address, words) => {
    const router = await fakeRouter((request) => [pcpAnswer(request, { address })]);
    const error = await failure(ask(router));
    expect(error.code).toBe('untrusted');
    expect(error.message).toContain(`offered a mapping on ${address}, ${words}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const deletion = router.requests.at(-1);
    expect(deletion?.readUInt32BE(4)).toBe(0);
    expect(deletion?.subarray(24, 36)).toEqual(router.requests[0]?.subarray(24, 36));
  });

  it('does not trust a router whose external address differs from what STUN saw', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request)]);
    const error = await failure(ask(router, { stunAddress: '198.51.100.1' }));
    expect(error.code).toBe('untrusted');
    expect(error.message).toBe(
      'The router at 127.0.0.1 offered a mapping on 203.0.113.7, but STUN sees this computer as 198.51.100.1 (another NAT in between).',
    );
    const agreeing = await ask(router, { stunAddress: '203.0.113.7' });
    expect(agreeing.external.address).toBe('203.0.113.7');
  });

  it('does not take a success with no lifetime or no port as a mapping', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request, { lifetime: 0 })]);
    expect((await failure(ask(router))).code).toBe('untrusted');
    router.reply = (request) => [pcpAnswer(request, { port: 0 })];
    expect((await failure(ask(router))).code).toBe('untrusted');
  });

  it.each([
    [{ localPort: 0 }, 'Port 0 cannot be mapped.'],
    [{ localPort: 65536 }, 'Port 65536 cannot be mapped.'],
    [{ lifetimeSeconds: 0 }, 'A mapping needs a lifetime of at least 1 s.'],
    [{ methods: [] }, 'No port-mapping protocol was allowed.'],
  ])('refuses an invalid request %o without sending anything', async (request, message) => {
    const router = await fakeRouter((r) => [pcpAnswer(r)]);
    const error = await failure(ask(router, request));
    expect(error).toMatchObject({ code: 'invalid-request', message });
    expect(router.requests).toHaveLength(0);
  });
});

describe('PortMapping', () => {
  it('renews at half the lifetime with the same nonce and the port it holds', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request)]);
    const mapping = await ask(router, { lifetimeSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1250));
    expect(mapping.renewals).toBeGreaterThanOrEqual(2);
    const [first, ...renewals] = router.requests;
    for (const renewal of renewals) {
      expect(renewal.subarray(24, 36)).toEqual(first?.subarray(24, 36));
      expect(renewal.readUInt16BE(42)).toBe(50000);
      expect(renewal.subarray(56, 60)).toEqual(Buffer.from([203, 0, 113, 7]));
    }
  });

  it('tells its owner when a renewal moves the mapping', async () => {
    let port = 50000;
    const router = await fakeRouter((request) => [pcpAnswer(request, { port: port++ })]);
    const mapping = await ask(router, { lifetimeSeconds: 1 });
    const moved = await new Promise((resolve) => mapping.onChanged(resolve));
    expect(moved).toEqual({ address: '203.0.113.7', port: 50001 });
    expect(mapping.external).toEqual(moved);
  });

  it('keeps renewing and tells its other owners when one owner throws on a move', async () => {
    let port = 50000;
    const router = await fakeRouter((request) => [pcpAnswer(request, { port: port++ })]);
    const mapping = await ask(router, { lifetimeSeconds: 1 });
    mapping.onChanged(() => {
      throw new Error('an owner that chokes');
    });
    const moves: unknown[] = [];
    mapping.onChanged((external) => moves.push(external));
    await new Promise((resolve) => setTimeout(resolve, 1250));
    expect(mapping.renewals).toBeGreaterThanOrEqual(2);
    expect(moves).toContainEqual({ address: '203.0.113.7', port: 50002 });
  });

  it('is lost when the router refuses a renewal', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request)]);
    const mapping = await ask(router, { lifetimeSeconds: 1 });
    router.reply = (request) => [pcpAnswer(request, { result: 8 })];
    const loss = await new Promise((resolve) => mapping.onLost(resolve));
    expect(loss).toEqual({
      code: 'refused',
      message: 'The router at 127.0.0.1 has no mappings left; the port mapping is gone.',
    });
    expect(mapping.active).toBe(false);
  });

  it('is lost when renewals go unanswered until the lifetime ends', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request)]);
    const mapping = await ask(router, { lifetimeSeconds: 2, timeoutMs: 300 });
    router.reply = () => null;
    const started = Date.now();
    const loss = await new Promise((resolve) => mapping.onLost(resolve));
    expect(loss).toMatchObject({ code: 'expired' });
    // Renewal began at 1 s and was retried while an answer could still arrive in time.
    expect(Date.now() - started).toBeLessThan(2100);
    expect(router.requests.length).toBeGreaterThan(3);
  });

  it('deletes the mapping on close with lifetime 0 and the same nonce, once', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request)]);
    const mapping = await ask(router);
    expect(await mapping.close()).toBe(true);
    expect(await mapping.close()).toBe(false);
    expect(router.requests).toHaveLength(2);
    const [request, deletion] = router.requests;
    expect(deletion?.readUInt32BE(4)).toBe(0);
    expect(deletion?.subarray(24, 36)).toEqual(request?.subarray(24, 36));
    expect(mapping.active).toBe(false);
  });

  it('deletes a NAT-PMP mapping with lifetime 0 and suggested port 0', async () => {
    const router = await fakeRouter((request) =>
      isPcp(request) ? [Buffer.from('0081000100000005', 'hex')] : [natPmpAnswer(request)],
    );
    const mapping = await ask(router);
    expect(await mapping.close()).toBe(true);
    const deletion = router.requests.at(-1);
    expect(deletion?.toString('hex')).toBe('00010000a028000000000000');
  });

  it('reports false from close when the router does not confirm, within the bound', async () => {
    const router = await fakeRouter((request) => [pcpAnswer(request)]);
    const mapping = await ask(router, { timeoutMs: 400 });
    router.reply = () => null;
    const started = Date.now();
    expect(await mapping.close()).toBe(false);
    expect(Date.now() - started).toBeLessThan(600);
  });
});

describe('a lifetime the router grants', () => {
  it('is bounded before it becomes a timer: 2^32-1 s renews in a day, not in a loop', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const router = await fakeRouter((request) => [pcpAnswer(request, { lifetime: 0xffffffff })]);
      const mapping = await ask(router);
      expect(mapping.lifetimeSeconds).toBe(86_400);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Granted once and not asked again: the renewal waits for half a day.
      expect(router.requests.length).toBe(1);
      expect(mapping.renewals).toBe(0);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
