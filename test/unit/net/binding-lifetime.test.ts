/**
 * The binding-lifetime probe on loopback, where no mapping ever expires: against coturn on two
 * addresses (RFC 5780 RESPONSE-PORT honoured), coturn on one (ignored), a silent port, and an
 * in-process server that plays a router forgetting idle mappings after a set time, so that the
 * bounds, the early stop and the handling of hostile datagrams are checked too.
 */
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import stun from 'stun';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  keepaliveForLifetime,
  measureBindingLifetime,
  type BindingLifetimeResult,
} from '../../../src-main/net/binding-lifetime.js';
import { decodeStunMessage, encodeBindingRequest } from '../../../src-main/net/stun-codec.js';
import { UdpEndpoint } from '../../../src-main/net/udp-endpoint.js';
import { hasCommand } from '../../support/lab-guard.js';
import { startLoopbackCoturn } from '../../support/loopback-coturn.js';

const RESPONSE_PORT = 0x0027;
/** The probe sends X's second Binding this long after the first (see the module). */
const ESTABLISH_MS = 2500;

/** Every UdpEndpoint the code under test bound, to check that none is left open. */
function trackSockets(): () => Promise<UdpEndpoint[]> {
  const spy = vi.spyOn(UdpEndpoint, 'bind');
  return async () => {
    const bound = await Promise.all(
      spy.mock.results.map((result) => result.value as Promise<UdpEndpoint>),
    );
    return bound;
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function expectAllClosed(sockets: () => Promise<UdpEndpoint[]>, atLeast: number) {
  const bound = await sockets();
  expect(bound.length).toBeGreaterThanOrEqual(atLeast);
  expect(bound.filter((endpoint) => !endpoint.isClosed)).toHaveLength(0);
}

describe('RESPONSE-PORT encoding', () => {
  it('puts the port in a 16-bit attribute 0x0027 padded to 4 bytes (RFC 5780 §7.5)', () => {
    const id = Buffer.alloc(12, 7);
    const request = encodeBindingRequest(id, { responsePort: 40000 });
    expect(request.readUInt16BE(2)).toBe(8);
    expect(request.subarray(20).toString('hex')).toBe('002700029c400000');
    expect(stun.decode(request).getAttribute(RESPONSE_PORT)?.value).toBe(40000);
    expect(decodeStunMessage(request)?.transactionId).toEqual(id);
    // Without the option the request stays the plain 20-byte one.
    expect(encodeBindingRequest(id)).toHaveLength(20);
  });

  it('refuses a port the package would silently encode as 0', () => {
    for (const port of [0, 65536, 1.5, -1]) {
      expect(() => encodeBindingRequest(Buffer.alloc(12), { responsePort: port })).toThrow(
        RangeError,
      );
    }
  });
});

describe('keepaliveForLifetime', () => {
  const result = (aliveSeconds: number | null): BindingLifetimeResult => ({
    supported: true,
    aliveSeconds,
    expiredSeconds: null,
    probes: [],
    error: null,
    server: 's',
  });

  it('is 60 % of the lower bound, in whole seconds, clamped to 1..120', () => {
    expect(keepaliveForLifetime(result(30))).toBe(18);
    expect(keepaliveForLifetime(result(41.47))).toBe(24);
    expect(keepaliveForLifetime(result(8.6))).toBe(5);
    expect(keepaliveForLifetime(result(1))).toBe(1);
    expect(keepaliveForLifetime(result(180))).toBe(108);
    expect(keepaliveForLifetime(result(600))).toBe(120);
  });

  it('is null when no gap survived or nothing was measured', () => {
    expect(keepaliveForLifetime(result(null))).toBeNull();
    expect(
      keepaliveForLifetime({ ...result(null), supported: false, error: 'no RESPONSE-PORT' }),
    ).toBeNull();
  });
});

describe('option checks', () => {
  it.each([
    [{ ratio: 1.5 }, /ratio/],
    [{ ratio: 1 }, /ratio/],
    [{ minSeconds: 0 }, /minSeconds/],
    [{ minSeconds: 10, maxSeconds: 5 }, /maxSeconds/],
    [{ minSeconds: 0.01, maxSeconds: 1000, ratio: 1.05 }, /at most 64/],
  ])('%o is refused without opening a socket', async (options, message) => {
    const sockets = trackSockets();
    const result = await measureBindingLifetime({ server: '127.0.0.1:9', ...options });
    expect(result.error).toMatch(message);
    expect(result.supported).toBe(false);
    expect(await sockets()).toHaveLength(0);
  });

  it('an unparsable server is an error, not an exception', async () => {
    const result = await measureBindingLifetime({ server: 'not a host:port' });
    expect(result.error).toMatch(/not a STUN server/);
  });
});

const hasCoturn = hasCommand('turnserver');
if (!hasCoturn) console.warn('SKIP: binding lifetime against coturn: turnserver not installed');

describe.skipIf(!hasCoturn)('against coturn on loopback', () => {
  const children: ChildProcess[] = [];
  let twoAddresses: string;
  let oneAddress: string;

  beforeAll(async () => {
    const [two, one] = await Promise.all([
      startLoopbackCoturn({ addresses: ['127.0.0.1', '127.0.0.2'] }),
      startLoopbackCoturn(),
    ]);
    children.push(two.process, one.process);
    [twoAddresses, oneAddress] = [two.server, one.server];
  }, 30_000);

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('every gap from 1 to 3 s stays alive, probed in parallel', async () => {
    const sockets = trackSockets();
    const landed: { gapSeconds: number; alive: boolean; at: number }[] = [];
    const started = performance.now();
    const result = await measureBindingLifetime({
      server: twoAddresses,
      minSeconds: 1,
      maxSeconds: 3,
      ratio: 1.2,
      bindAddress: '127.0.0.1',
      onProbe: (probe) => landed.push({ ...probe, at: performance.now() - started }),
    });
    const elapsed = performance.now() - started;

    expect(result.error).toBeNull();
    expect(result.supported).toBe(true);
    expect(result.server).toBe(twoAddresses);
    const gaps = result.probes.map((probe) => probe.gapSeconds);
    // ln 3 / ln 1.2 = 6.03: seven steps of 3^(1/7) = 1.17.
    expect(gaps).toHaveLength(8);
    expect(gaps[0]).toBe(1);
    expect(gaps.at(-1)).toBe(3);
    for (let i = 1; i < gaps.length; i++) {
      const ratio = (gaps[i] ?? 0) / (gaps[i - 1] ?? 1);
      expect(ratio).toBeGreaterThan(1.1);
      expect(ratio).toBeLessThanOrEqual(1.2);
    }
    expect(result.probes.every((probe) => probe.alive)).toBe(true);
    expect(result.aliveSeconds).toBe(3);
    expect(result.expiredSeconds).toBeNull();
    expect(keepaliveForLifetime(result)).toBe(1);

    // Progress arrived as each probe landed, about its gap after the flows were set up.
    expect(landed.map(({ gapSeconds, alive }) => ({ gapSeconds, alive }))).toEqual(result.probes);
    for (const probe of landed) {
      expect(probe.at).toBeGreaterThanOrEqual(ESTABLISH_MS + probe.gapSeconds * 1000 - 50);
      expect(probe.at).toBeLessThan(ESTABLISH_MS + probe.gapSeconds * 1000 + 800);
    }
    // In parallel: about the longest gap, where one after another would take 15 s.
    expect(elapsed).toBeGreaterThan(ESTABLISH_MS + 3000);
    expect(elapsed).toBeLessThan(ESTABLISH_MS + 3000 + 1500);
    // X0 and Y0 for the RESPONSE-PORT check, then an X and a Y per gap.
    await expectAllClosed(sockets, 2 + 2 * 8);
  }, 15_000);

  it('coturn on one address ignores RESPONSE-PORT: supported false, said plainly, at once', async () => {
    const sockets = trackSockets();
    const started = performance.now();
    const result = await measureBindingLifetime({ server: oneAddress, bindAddress: '127.0.0.1' });
    expect(result.supported).toBe(false);
    expect(result.error).toMatch(/does not honour RESPONSE-PORT/);
    expect(result.error).toMatch(/answered the requesting socket/);
    expect(result.probes).toEqual([]);
    expect(result.aliveSeconds).toBeNull();
    expect(keepaliveForLifetime(result)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
    await expectAllClosed(sockets, 2);
  });

  it('an abort ends the run at once with what was learned, every socket closed', async () => {
    const sockets = trackSockets();
    const controller = new AbortController();
    const landed: number[] = [];
    let abortedAt = NaN;
    const result = await measureBindingLifetime({
      server: twoAddresses,
      minSeconds: 1,
      maxSeconds: 3,
      bindAddress: '127.0.0.1',
      signal: controller.signal,
      onProbe: (probe) => {
        landed.push(probe.gapSeconds);
        if (landed.length === 3) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    expect(performance.now() - abortedAt).toBeLessThan(100);
    expect(result.error).toMatch(/aborted after 3 probes/);
    expect(result.supported).toBe(true);
    expect(result.probes.map((probe) => probe.gapSeconds)).toEqual([1, 1.17, 1.37]);
    expect(result.aliveSeconds).toBe(1.37);
    await expectAllClosed(sockets, 2 + 8);
    // Nothing lands once the promise has resolved, though 1.6..3 s were still to come.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(landed).toEqual([1, 1.17, 1.37]);
  }, 15_000);

  it('an abort before the start opens nothing and says so', async () => {
    const sockets = trackSockets();
    const result = await measureBindingLifetime({
      server: twoAddresses,
      signal: AbortSignal.abort(),
    });
    expect(result.error).toMatch(/aborted/);
    expect(result.probes).toEqual([]);
    expect(await sockets()).toHaveLength(0);
  });
});

describe('a silent server', () => {
  it('is an error within about 5 s, every socket closed', async () => {
    const silent = dgram.createSocket('udp4');
    let requests = 0;
    silent.on('message', () => requests++);
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const sockets = trackSockets();
    const started = performance.now();
    const result = await measureBindingLifetime({
      server: `127.0.0.1:${silent.address().port}`,
      bindAddress: '127.0.0.1',
    });
    const elapsed = performance.now() - started;
    silent.close();
    expect(result.supported).toBe(false);
    expect(result.error).toMatch(/no answer from STUN server 127\.0\.0\.1:\d+/);
    expect(result.probes).toEqual([]);
    expect(requests).toBe(4);
    expect(elapsed).toBeGreaterThan(4500);
    expect(elapsed).toBeLessThan(6000);
    await expectAllClosed(sockets, 1);
  }, 10_000);
});

interface RouterLikeServer {
  server: string;
  /** Per source port: when its plain Binding requests arrived (ms, performance.now()). */
  plain: Map<number, number[]>;
  /** Per port named in RESPONSE-PORT: when the first such request arrived. */
  probed: Map<number, number>;
  close(): void;
}

/**
 * A STUN server that plays the router too: it answers a RESPONSE-PORT request only while the
 * named port has seen traffic within `lifetimeMs` (the mapping "exists"). With `junk`, every
 * socket it writes to first gets hostile datagrams, among them a well-formed answer with another
 * transaction ID. With `refuse`, RESPONSE-PORT requests get a 420 error, as from an RFC 5389
 * server that does not know the attribute.
 */
async function routerLikeServer(
  options: { lifetimeMs: number; junk?: boolean; refuse?: boolean } = { lifetimeMs: Infinity },
): Promise<RouterLikeServer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const lastSeen = new Map<number, number>();
  const plain = new Map<number, number[]>();
  const probed = new Map<number, number>();
  const junk = (port: number) => {
    const wrongId = stun.createMessage(0x0101);
    wrongId.addXorAddress('127.0.0.1', port);
    const lying = stun.encode(wrongId);
    const badLength = Buffer.from(lying);
    badLength.writeUInt16BE(badLength.readUInt16BE(2) + 40, 2);
    for (const datagram of [
      Buffer.alloc(0),
      Buffer.from([0x01]),
      lying.subarray(0, 20),
      badLength,
      lying,
      Buffer.from('SIP/2.0 200 OK\r\n\r\n'),
      Buffer.from([0x01, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42, ...Array(12).fill(9), 0xff]),
    ]) {
      socket.send(datagram, port, '127.0.0.1');
    }
  };
  socket.on('message', (datagram, rinfo) => {
    const now = performance.now();
    lastSeen.set(rinfo.port, now);
    let request;
    try {
      request = stun.decode(datagram);
    } catch {
      return;
    }
    const responsePort = request.getAttribute(RESPONSE_PORT)?.value;
    if (typeof responsePort !== 'number') {
      plain.set(rinfo.port, [...(plain.get(rinfo.port) ?? []), now]);
      if (options.junk) junk(rinfo.port);
      const answer = stun.createMessage(0x0101, request.transactionId);
      answer.addXorAddress(rinfo.address, rinfo.port);
      socket.send(stun.encode(answer), rinfo.port, rinfo.address);
      return;
    }
    if (!probed.has(responsePort)) probed.set(responsePort, now);
    if (options.refuse) {
      const refusal = stun.createMessage(0x0111, request.transactionId);
      refusal.addError(420, 'Unknown Attribute');
      socket.send(stun.encode(refusal), rinfo.port, rinfo.address);
      return;
    }
    if (options.junk) junk(responsePort);
    const seen = lastSeen.get(responsePort);
    if (seen === undefined || now - seen >= options.lifetimeMs) return;
    lastSeen.set(responsePort, now);
    const answer = stun.createMessage(0x0101, request.transactionId);
    answer.addXorAddress(rinfo.address, rinfo.port);
    socket.send(stun.encode(answer), responsePort, rinfo.address);
  });
  return {
    server: `127.0.0.1:${socket.address().port}`,
    plain,
    probed,
    close: () => socket.close(),
  };
}

describe('against a server that plays a router with a short mapping lifetime', () => {
  const servers: RouterLikeServer[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it('brackets the lifetime, stops after two expired gaps, and used each X as asked', async () => {
    // Gaps 1, 1.19, 1.41, 1.68, 2, 2.38, 2.83, 3.36, 4: the lifetime sits midway in 1.68..2.
    const router = await routerLikeServer({ lifetimeMs: 1840 });
    servers.push(router);
    const sockets = trackSockets();
    const landed: { gapSeconds: number; alive: boolean }[] = [];
    const started = performance.now();
    const result = await measureBindingLifetime({
      server: router.server,
      minSeconds: 1,
      maxSeconds: 4,
      bindAddress: '127.0.0.1',
      onProbe: (probe) => landed.push(probe),
    });
    const elapsed = performance.now() - started;

    expect(result.error).toBeNull();
    expect(result.supported).toBe(true);
    expect(result.probes).toEqual([
      { gapSeconds: 1, alive: true },
      { gapSeconds: 1.19, alive: true },
      { gapSeconds: 1.41, alive: true },
      { gapSeconds: 1.68, alive: true },
      { gapSeconds: 2, alive: false },
      { gapSeconds: 2.38, alive: false },
    ]);
    expect(landed).toEqual(result.probes);
    expect(result.aliveSeconds).toBe(1.68);
    expect(result.expiredSeconds).toBe(2);
    // Stopped once 2 and 2.38 had expired, without waiting out the probes of 2.83..4 s (which
    // would have ended at 2.5 + 4 + 2 s).
    expect(elapsed).toBeLessThan(ESTABLISH_MS + 2380 + 2000 + 600);

    // Every X (but the check's) was set up at the same moment with two plain Bindings, the second
    // past conntrack's 2 s "stream" mark, then kept silent for its gap until the RESPONSE-PORT
    // request named it.
    const gaps = [1, 1.19, 1.41, 1.68, 2, 2.38, 2.83, 3.36, 4];
    const [check, ...flows] = [...router.probed.entries()]
      .map(([port, at]) => ({ port, at, bindings: router.plain.get(port) ?? [] }))
      .sort((a, b) => a.at - b.at);
    expect(check?.bindings).toHaveLength(1);
    expect(flows.length).toBeGreaterThanOrEqual(6);
    const firstSent = flows.map((flow) => flow.bindings[0] ?? NaN);
    expect(Math.max(...firstSent) - Math.min(...firstSent)).toBeLessThan(100);
    flows.forEach((flow, index) => {
      const [first, second] = flow.bindings;
      expect(flow.bindings).toHaveLength(2);
      expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(2000);
      const gapMs = (gaps[index] ?? NaN) * 1000;
      expect(flow.at - (second ?? 0)).toBeGreaterThanOrEqual(gapMs);
      // Never early; late only by what a loaded machine's timers allow.
      expect(flow.at - (second ?? 0)).toBeLessThan(gapMs + 300);
    });
    await expectAllClosed(sockets, 2 + 2 * 6);
  }, 15_000);

  it('hostile datagrams and answers with other transaction IDs prove nothing', async () => {
    // Alive for the immediate check, gone for every gap; junk lands on X and Y all along.
    const router = await routerLikeServer({ lifetimeMs: 500, junk: true });
    servers.push(router);
    const sockets = trackSockets();
    const result = await measureBindingLifetime({
      server: router.server,
      minSeconds: 1,
      maxSeconds: 2,
      bindAddress: '127.0.0.1',
    });
    expect(result.error).toBeNull();
    expect(result.supported).toBe(true);
    expect(result.probes).toEqual([
      { gapSeconds: 1, alive: false },
      { gapSeconds: 1.19, alive: false },
    ]);
    expect(result.aliveSeconds).toBeNull();
    expect(result.expiredSeconds).toBe(1);
    expect(keepaliveForLifetime(result)).toBeNull();
    await expectAllClosed(sockets, 2 + 2 * 2);
  }, 15_000);

  it('a 420 refusal of RESPONSE-PORT is reported as not supported, with the code', async () => {
    const router = await routerLikeServer({ lifetimeMs: Infinity, refuse: true });
    servers.push(router);
    const result = await measureBindingLifetime({
      server: router.server,
      bindAddress: '127.0.0.1',
    });
    expect(result.supported).toBe(false);
    expect(result.error).toMatch(/refused the request with error 420 Unknown Attribute/);
    expect(result.probes).toEqual([]);
  });
});
