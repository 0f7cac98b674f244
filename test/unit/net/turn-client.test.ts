/**
 * The TURN client's state machine against an in-memory TURN server on a fake socket, under fake
 * timers: the challenge and credentials (checked with the `stun` package's own validators),
 * stale nonces, retransmission timing, what answers are accepted, hostile datagrams, refreshes
 * of the allocation, permissions and channels, data paths, close and abort, and the RTP
 * transport over the relay. test/unit/net/turn-coturn.test.ts runs the same client against coturn.
 */
import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import stun, { type StunMessage } from 'stun';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { classifyPacket, type PacketKind } from '../../../src-main/net/packet-kind.js';
import { relayTransport } from '../../../src-main/net/relay-transport.js';
import {
  TurnClient,
  TurnError,
  type TurnEvent,
  type TurnSocket,
} from '../../../src-main/net/turn-client.js';
import type { DatagramHandler } from '../../../src-main/net/udp-endpoint.js';

const SERVER: TransportAddress = { address: '192.0.2.10', port: 3478 };
const ELSEWHERE: TransportAddress = { address: '192.0.2.66', port: 3478 };
const MAPPED: TransportAddress = { address: '198.51.100.7', port: 40123 };
const RELAYED: TransportAddress = { address: '192.0.2.10', port: 49170 };
const PEER: TransportAddress = { address: '203.0.113.5', port: 20000 };
const PEER2: TransportAddress = { address: '203.0.113.6', port: 30000 };
const USER = 'alice';
const PASSWORD = 'correct horse battery';
const REALM = 'example.org';
const KEY = createHash('md5').update(`${USER}:${REALM}:${PASSWORD}`).digest();

const T = {
  ALLOCATE: 0x0003,
  REFRESH: 0x0004,
  CREATE_PERMISSION: 0x0008,
  CHANNEL_BIND: 0x0009,
  SEND: 0x0016,
  DATA: 0x0017,
} as const;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const A = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
} as const;

/** The socket: records what is sent, hands it to the server a microtask later. */
class FakeSocket implements TurnSocket {
  readonly sent: Array<{ datagram: Buffer; to: TransportAddress; at: number }> = [];
  server: ((datagram: Buffer, to: TransportAddress) => void) | null = null;
  private readonly handlers = new Map<PacketKind, Set<DatagramHandler>>();

  on(kind: PacketKind, handler: DatagramHandler): () => void {
    const set = this.handlers.get(kind) ?? new Set<DatagramHandler>();
    this.handlers.set(kind, set);
    set.add(handler);
    return () => set.delete(handler);
  }

  send(datagram: Uint8Array | string, to: TransportAddress): Promise<void> {
    const copy = Buffer.from(datagram);
    this.sent.push({ datagram: copy, to, at: performance.now() });
    queueMicrotask(() => this.server?.(copy, to));
    return Promise.resolve();
  }

  /** As the real socket does: by first byte, to the handlers of that kind. No try/catch. */
  deliver(datagram: Buffer, from: TransportAddress = SERVER): void {
    for (const handler of [...(this.handlers.get(classifyPacket(datagram, 'media')) ?? [])]) {
      handler(datagram, from);
    }
  }

  handlerCount(kind: PacketKind): number {
    return this.handlers.get(kind)?.size ?? 0;
  }

  /** STUN message types sent, in order. */
  types(): number[] {
    return this.sent
      .filter(({ datagram }) => (datagram[0] ?? 0xff) <= 3)
      .map(({ datagram }) => datagram.readUInt16BE(0));
  }
}

interface Request {
  type: number;
  message: StunMessage;
  raw: Buffer;
  at: number;
}

/** A TURN server that checks credentials as RFC 8656 §7.2 says, scripted per test. */
class FakeTurnServer {
  readonly requests: Request[] = [];
  readonly indications: StunMessage[] = [];
  readonly channelData: Buffer[] = [];
  nonce = 'nonce-1';
  private nonces = 1;
  lifetime = 600;
  /** Answers nothing at all. */
  silent = false;
  /** Answers nothing to these message types. */
  readonly silentTo = new Set<number>();
  /** The next N authenticated requests get 438 with a fresh nonce. */
  staleAhead = 0;
  /** Called with each answer before it goes; may deliver forgeries first, or replace it. */
  beforeAnswer: ((answer: Buffer, request: StunMessage) => Buffer | null) | null = null;

  constructor(private readonly socket: FakeSocket) {
    socket.server = (datagram, to) => this.receive(datagram, to);
  }

  count(type: number): number {
    return this.requests.filter((request) => request.type === type).length;
  }

  authenticated(type: number): Request[] {
    return this.requests.filter(
      (request) => request.type === type && request.message.getAttribute(A.MESSAGE_INTEGRITY),
    );
  }

  private receive(datagram: Buffer, to: TransportAddress): void {
    if (to.address !== SERVER.address || to.port !== SERVER.port) return;
    if ((datagram[0] ?? 0xff) > 3) {
      this.channelData.push(datagram);
      return;
    }
    const message = stun.decode(datagram);
    if (message.type === T.SEND) {
      this.indications.push(message);
      return;
    }
    this.requests.push({ type: message.type, message, raw: datagram, at: performance.now() });
    if (this.silent || this.silentTo.has(message.type)) return;
    if (!message.getAttribute(A.MESSAGE_INTEGRITY)) {
      this.error(message, 401, 'Unauthorized', true);
      return;
    }
    // The package's own checks, independent of the client's encoding.
    expect(stun.validateFingerprint(message)).toBe(true);
    if (!stun.validateMessageIntegrity(message, KEY)) {
      this.error(message, 401, 'Unauthorized', true);
      return;
    }
    expect(String(message.getAttribute(A.USERNAME)?.value)).toBe(USER);
    expect(String(message.getAttribute(A.REALM)?.value)).toBe(REALM);
    if (String(message.getAttribute(A.NONCE)?.value) !== this.nonce || this.staleAhead > 0) {
      if (this.staleAhead > 0) this.staleAhead--;
      this.nonce = `nonce-${++this.nonces}`;
      this.error(message, 438, 'Stale Nonce', true);
      return;
    }
    const attributes: Array<[number, ...unknown[]]> = [];
    if (message.type === T.ALLOCATE) {
      attributes.push(
        [A.XOR_RELAYED_ADDRESS, RELAYED.address, RELAYED.port],
        [A.XOR_MAPPED_ADDRESS, MAPPED.address, MAPPED.port],
        [A.LIFETIME, this.lifetime],
      );
    } else if (message.type === T.REFRESH) {
      const asked = message.getAttribute(A.LIFETIME)?.value;
      attributes.push([A.LIFETIME, asked === 0 ? 0 : this.lifetime]);
    }
    this.answer(message, message.type | SUCCESS, attributes, true);
  }

  error(request: StunMessage, code: number, reason: string, challenge: boolean): void {
    const attributes: Array<[number, ...unknown[]]> = [[A.ERROR_CODE, code, reason]];
    if (challenge) attributes.push([A.REALM, REALM], [A.NONCE, this.nonce]);
    this.answer(request, request.type | ERROR, attributes, false);
  }

  answer(
    request: StunMessage,
    type: number,
    attributes: Array<[number, ...unknown[]]>,
    sign: boolean,
  ): void {
    const message = stun.createMessage(type, request.transactionId);
    for (const [attribute, ...values] of attributes) message.addAttribute(attribute, ...values);
    if (sign) message.addMessageIntegrity(KEY);
    message.addFingerprint();
    let datagram: Buffer | null = message.toBuffer();
    if (this.beforeAnswer) datagram = this.beforeAnswer(datagram, request);
    if (datagram) this.socket.deliver(datagram);
  }
}

function dataIndication(peer: TransportAddress, data: Buffer): Buffer {
  const message = stun.createMessage(T.DATA);
  message.addAttribute(A.XOR_PEER_ADDRESS, peer.address, peer.port);
  message.addAttribute(A.DATA, data);
  return message.toBuffer();
}

function channelData(channel: number, data: Buffer, padTo = 0): Buffer {
  const datagram = Buffer.alloc(Math.max(4 + data.length, padTo));
  datagram.writeUInt16BE(channel, 0);
  datagram.writeUInt16BE(data.length, 2);
  data.copy(datagram, 4);
  return datagram;
}

function rtpPacket(sequence: number): Buffer {
  const packet = Buffer.alloc(12 + 160, 0xd5);
  packet[0] = 0x80;
  packet[1] = 0x08;
  packet.writeUInt16BE(sequence, 2);
  return packet;
}

let socket: FakeSocket;
let server: FakeTurnServer;
let events: TurnEvent[];

function client(
  options: { password?: string; server?: string; allocateTimeoutMs?: number } = {},
): TurnClient {
  return new TurnClient(
    socket,
    {
      server: options.server ?? `${SERVER.address}:${SERVER.port}`,
      username: USER,
      password: options.password ?? PASSWORD,
    },
    {
      onEvent: (event) => events.push(event),
      ...(options.allocateTimeoutMs === undefined
        ? {}
        : { allocateTimeoutMs: options.allocateTimeoutMs }),
    },
  );
}

/** Settles what a promise does within the fake time given; 'pending' if it does not. */
async function within<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ value: T } | { error: unknown } | 'pending'> {
  let outcome: { value: T } | { error: unknown } | 'pending' = 'pending';
  promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  await vi.advanceTimersByTimeAsync(ms);
  return outcome;
}

async function allocated(turn: TurnClient) {
  const outcome = await within(turn.allocate(), 0);
  if (outcome === 'pending' || !('value' in outcome)) throw new Error('allocation failed');
  return outcome.value;
}

beforeEach(() => {
  vi.useFakeTimers();
  socket = new FakeSocket();
  server = new FakeTurnServer(socket);
  events = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('allocate', () => {
  it('answers the 401 challenge with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY', async () => {
    const turn = client();
    expect(turn.state).toBe('idle');
    const pending = turn.allocate();
    expect(turn.state).toBe('allocating');
    const outcome = await within(pending, 10);

    expect(outcome).toEqual({
      value: {
        server: SERVER,
        relayed: RELAYED,
        mapped: MAPPED,
        lifetimeSeconds: 600,
        rttMs: expect.any(Number),
      },
    });
    expect(turn.state).toBe('allocated');
    expect(turn.allocation?.relayed).toEqual(RELAYED);
    expect(events).toEqual([{ type: 'allocated', detail: '192.0.2.10:49170 for 600 s' }]);

    const [challenge, credentials] = server.requests;
    // The first goes bare; the second carries what the server's checks (above) accept.
    expect(challenge?.message.getAttribute(A.USERNAME)).toBeUndefined();
    expect(challenge?.message.getAttribute(A.MESSAGE_INTEGRITY)).toBeUndefined();
    expect(challenge?.message.getAttribute(A.REQUESTED_TRANSPORT)?.value).toBe(17 * 2 ** 24);
    expect(String(credentials?.message.getAttribute(A.NONCE)?.value)).toBe('nonce-1');
    expect(credentials?.message.getAttribute(A.REQUESTED_TRANSPORT)?.value).toBe(17 * 2 ** 24);
    expect(stun.validateMessageIntegrity(credentials!.message, KEY)).toBe(true);
    expect(credentials?.message.transactionId.equals(challenge!.message.transactionId)).toBe(false);
    for (const { datagram } of socket.sent) expect(datagram.includes(PASSWORD)).toBe(false);

    // A second call resolves with the allocation at hand, without asking again.
    await expect(turn.allocate()).resolves.toMatchObject({ relayed: RELAYED });
    expect(server.count(T.ALLOCATE)).toBe(2);
  });

  it('concurrent calls share one attempt', async () => {
    const turn = client();
    const [a, b] = [turn.allocate(), turn.allocate()];
    await vi.advanceTimersByTimeAsync(10);
    await expect(a).resolves.toEqual(await b);
    expect(server.count(T.ALLOCATE)).toBe(2);
  });

  it('a 438 makes the request go once more with the new nonce', async () => {
    server.staleAhead = 1;
    const turn = client();
    await allocated(turn);
    const authenticated = server.authenticated(T.ALLOCATE);
    expect(authenticated.map((r) => String(r.message.getAttribute(A.NONCE)?.value))).toEqual([
      'nonce-1',
      'nonce-2',
    ]);
    expect(turn.stats.staleNonceRetries).toBe(1);
  });

  it('a second 438 in a row is a refusal, not a loop', async () => {
    server.staleAhead = 2;
    const turn = client();
    const outcome = await within(turn.allocate(), 10);
    expect(outcome).toMatchObject({ error: { code: 'rejected', stunErrorCode: 438 } });
    expect(server.authenticated(T.ALLOCATE)).toHaveLength(2);
    expect(turn.state).toBe('failed');
  });

  it('a wrong password is auth-failed after one try, and is found nowhere', async () => {
    const wrong = 'Tr0ub4dor&3';
    const turn = client({ password: wrong });
    const outcome = await within(turn.allocate(), 10);

    expect(outcome).toMatchObject({ error: { code: 'auth-failed', stunErrorCode: 401 } });
    const error = (outcome as { error: TurnError }).error;
    expect(error).toBeInstanceOf(TurnError);
    expect(error.message).toMatch(/user name or password/);
    expect(server.count(T.ALLOCATE)).toBe(2);
    expect(turn.state).toBe('failed');
    for (const text of [
      error.message,
      error.stack ?? '',
      inspect(turn, { depth: 5 }),
      JSON.stringify(turn),
    ]) {
      expect(text).not.toContain(wrong);
    }
    expect(inspect(turn, { depth: 5, showHidden: true })).not.toContain(wrong);
    for (const { datagram } of socket.sent) expect(datagram.includes(wrong)).toBe(false);
    // Failed: the socket is let go of.
    expect(socket.handlerCount('stun')).toBe(0);
    expect(socket.handlerCount('turn-channel')).toBe(0);
  });

  it('retransmits at 0, 500 and 1500 ms and times out at 2000 ms when nobody answers', async () => {
    server.silent = true;
    const turn = client();
    const started = performance.now();
    const pending = turn.allocate();
    expect(await within(pending, 1999)).toBe('pending');
    const outcome = await within(pending, 1);
    expect(outcome).toMatchObject({ error: { code: 'timeout' } });
    expect((outcome as { error: Error }).error.message).toMatch(
      /no answer from TURN server 192\.0\.2\.10:3478/,
    );
    expect(socket.sent.map(({ at }) => at - started)).toEqual([0, 500, 1500]);
    expect(turn.state).toBe('failed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('follows the whole RFC 5389 schedule when allowed the time: 7 sends, then 16 RTO', async () => {
    server.silent = true;
    const turn = client({ allocateTimeoutMs: 60_000 });
    const started = performance.now();
    const pending = turn.allocate();
    expect(await within(pending, 39_499)).toBe('pending');
    expect(await within(pending, 1)).toMatchObject({ error: { code: 'timeout' } });
    expect(socket.sent.map(({ at }) => at - started)).toEqual([
      0, 500, 1500, 3500, 7500, 15_500, 31_500,
    ]);
  });

  it('the bound covers both round trips: a late challenge answer leaves less for the second', async () => {
    server.silentTo.add(T.ALLOCATE);
    const turn = client();
    const started = performance.now();
    const pending = turn.allocate();
    // The challenge is answered (by hand) at 1800 ms; the credentials then get the 200 ms left.
    await vi.advanceTimersByTimeAsync(1800);
    server.silentTo.clear();
    server.silent = true;
    server.error(server.requests[0]!.message, 401, 'Unauthorized', true);
    const outcome = await within(pending, 200);
    expect(outcome).toMatchObject({ error: { code: 'timeout' } });
    expect(performance.now() - started).toBe(2000);
  });

  it('takes only genuine answers: the server address, our transaction, the method, the key', async () => {
    const forged = (relayedPort: number) => {
      const message = stun.createMessage(T.ALLOCATE | SUCCESS, randomBytes(12));
      message.addAttribute(A.XOR_RELAYED_ADDRESS, '6.6.6.6', relayedPort);
      message.addAttribute(A.LIFETIME, 600);
      return message;
    };
    server.beforeAnswer = (answer, request) => {
      if (!request.getAttribute(A.MESSAGE_INTEGRITY)) return answer;
      // The genuine answer, from elsewhere.
      socket.deliver(answer, ELSEWHERE);
      // Another transaction.
      const other = forged(1);
      other.addMessageIntegrity(KEY);
      socket.deliver(other.toBuffer());
      // Our transaction, another method.
      const refresh = stun.createMessage(T.REFRESH | SUCCESS, request.transactionId);
      refresh.addMessageIntegrity(KEY);
      socket.deliver(refresh.toBuffer());
      // Our transaction, signed with another key, or not at all.
      const badKey = stun.createMessage(T.ALLOCATE | SUCCESS, request.transactionId);
      badKey.addAttribute(A.XOR_RELAYED_ADDRESS, '6.6.6.6', 2);
      badKey.addMessageIntegrity(createHash('md5').update('mallory').digest());
      socket.deliver(badKey.toBuffer());
      const unsigned = stun.createMessage(T.ALLOCATE | SUCCESS, request.transactionId);
      unsigned.addAttribute(A.XOR_RELAYED_ADDRESS, '6.6.6.6', 3);
      socket.deliver(unsigned.toBuffer());
      // A 401 signed with another key claims what it cannot prove.
      const error = stun.createMessage(T.ALLOCATE | ERROR, request.transactionId);
      error.addAttribute(A.ERROR_CODE, 401, 'Unauthorized');
      error.addMessageIntegrity(createHash('md5').update('mallory').digest());
      socket.deliver(error.toBuffer());
      return answer;
    };
    const turn = client();
    const allocation = await allocated(turn);
    expect(allocation.relayed).toEqual(RELAYED);
    expect(turn.stats.droppedForeign).toBe(1);
    expect(turn.stats.droppedUnmatched).toBe(2);
    expect(turn.stats.droppedBadIntegrity).toBe(3);
  });

  it('an unresolvable or malformed server is unreachable, at once', async () => {
    const turn = client({ server: 'not a host:port' });
    const outcome = await within(turn.allocate(), 10);
    expect(outcome).toMatchObject({ error: { code: 'unreachable' } });
    expect((outcome as { error: Error }).error.message).toContain('not a host:port');
    expect(socket.sent).toHaveLength(0);
  });

  it('a socket that refuses to send is unreachable', async () => {
    socket.send = () => Promise.reject(new Error('send ENETUNREACH'));
    const outcome = await within(client().allocate(), 10);
    expect(outcome).toMatchObject({ error: { code: 'unreachable' } });
  });

  it('an error other than 401/438 is rejected with its code; a retry may follow', async () => {
    server.beforeAnswer = (answer, request) => {
      if (!request.getAttribute(A.MESSAGE_INTEGRITY)) return answer;
      const quota = stun.createMessage(T.ALLOCATE | ERROR, request.transactionId);
      quota.addAttribute(A.ERROR_CODE, 486, 'Allocation Quota Reached\u0007');
      return quota.toBuffer();
    };
    const turn = client();
    const outcome = await within(turn.allocate(), 10);
    expect(outcome).toMatchObject({
      error: {
        code: 'rejected',
        stunErrorCode: 486,
        message: 'TURN Allocate refused: 486 Allocation Quota Reached',
      },
    });
    server.beforeAnswer = null;
    await expect(allocated(turn)).resolves.toMatchObject({ relayed: RELAYED });
  });

  it('an abort ends the attempt as closed and releases what may have been granted', async () => {
    server.silentTo.add(T.ALLOCATE);
    const turn = client();
    const controller = new AbortController();
    const pending = turn.allocate(controller.signal);
    await vi.advanceTimersByTimeAsync(100);
    server.silentTo.clear();
    server.error(server.requests[0]!.message, 401, 'Unauthorized', true);
    server.silent = true;
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    const outcome = await within(pending, 0);
    expect(outcome).toMatchObject({ error: { code: 'closed' } });
    expect(turn.state).toBe('failed');
    // A Refresh with LIFETIME 0 followed the authenticated Allocate whose answer never came.
    const last = server.requests.at(-1);
    expect(last?.type).toBe(T.REFRESH);
    expect(last?.message.getAttribute(A.LIFETIME)?.value).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await within(client().allocate(controller.signal), 0);
    expect(outcome).toMatchObject({ error: { code: 'closed' } });
    expect(socket.sent).toHaveLength(0);
  });
});

describe('hostile input', () => {
  it('malformed datagrams are counted and dropped, never thrown, never delivered', async () => {
    const turn = client();
    await allocated(turn);
    await within(turn.bindChannel(PEER), 0);
    const delivered: Buffer[] = [];
    turn.onData((data) => delivered.push(data));
    const valid = dataIndication(PEER, Buffer.from('x'));

    const hostile: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0x00]),
      valid.subarray(0, 19),
      valid.subarray(0, valid.length - 4), // length field disagrees
      Buffer.concat([valid, Buffer.alloc(4)]),
      Buffer.from(valid).fill(0x00, 4, 8), // wrong cookie
      (() => {
        const b = Buffer.from(valid);
        b.writeUInt16BE(0xfff0, 22); // an attribute longer than the message
        return b;
      })(),
      (() => {
        const m = stun.createMessage(T.DATA); // DATA missing
        m.addAttribute(A.XOR_PEER_ADDRESS, PEER.address, PEER.port);
        return m.toBuffer();
      })(),
      (() => {
        const b = Buffer.alloc(28); // XOR-PEER-ADDRESS with a family byte of 9
        b.writeUInt16BE(T.DATA, 0);
        b.writeUInt16BE(8, 2);
        b.writeUInt32BE(0x2112a442, 4);
        b.writeUInt16BE(A.XOR_PEER_ADDRESS, 20);
        b.writeUInt16BE(4, 22);
        b[25] = 9;
        return b;
      })(),
      Buffer.from([0x40]),
      Buffer.from([0x40, 0x00, 0x00]),
      channelData(0x4000, Buffer.from('abc')).subarray(0, 6), // length says 3, has 2
      channelData(0x4123, Buffer.from('unbound channel')),
    ];
    for (const datagram of hostile) expect(() => socket.deliver(datagram)).not.toThrow();
    for (let i = 0; i < 3000; i++) {
      const datagram = randomBytes(1 + Math.floor(Math.random() * 120));
      datagram[0] = i % 2 === 0 ? i % 4 : 64 + (i % 16);
      // Never the bound channel 0x4000: random bytes for it would be legitimate data.
      if (datagram[0] === 0x40 && datagram.length > 1) datagram[1] = 0x80 | (datagram[1] ?? 0);
      if (i % 3 === 0 && datagram.length >= 20) {
        datagram.writeUInt32BE(0x2112a442, 4);
        datagram.writeUInt16BE(datagram.length - 20, 2);
      }
      socket.deliver(datagram);
    }
    expect(delivered).toEqual([]);
    const dropped =
      turn.stats.droppedMalformed + turn.stats.droppedUnmatched + turn.stats.droppedForeign;
    expect(turn.stats.droppedMalformed).toBeGreaterThanOrEqual(hostile.length - 1);
    expect(dropped).toBeGreaterThan(3000 - 10);
    expect(turn.state).toBe('allocated');

    // Still working.
    socket.deliver(channelData(0x4000, Buffer.from('fine')));
    expect(delivered.at(-1)?.toString()).toBe('fine');
  });
});

describe('refreshes', () => {
  it('refreshes the allocation at 80 % of its lifetime, through a stale nonce', async () => {
    server.lifetime = 10;
    const turn = client();
    await allocated(turn);
    const started = performance.now();

    await vi.advanceTimersByTimeAsync(7999);
    expect(server.count(T.REFRESH)).toBe(0);
    server.staleAhead = 1;
    await vi.advanceTimersByTimeAsync(1);
    expect(server.count(T.REFRESH)).toBe(2);
    expect(events.at(-1)).toEqual({ type: 'refreshed', detail: '10 s' });
    expect(turn.stats.staleNonceRetries).toBe(1);
    // No LIFETIME asked: the server's default, which it caps (RFC 8656 §7.2).
    expect(server.requests.at(-1)?.message.getAttribute(A.LIFETIME)).toBeUndefined();

    server.lifetime = 5;
    await vi.advanceTimersByTimeAsync(8000);
    expect(server.count(T.REFRESH)).toBe(3);
    expect(turn.allocation?.lifetimeSeconds).toBe(5);
    await vi.advanceTimersByTimeAsync(4000);
    expect(server.count(T.REFRESH)).toBe(4);
    expect(performance.now() - started).toBe(20_000);
    expect(turn.state).toBe('allocated');
  });

  it('bounds a LIFETIME of 2^32-1 s to an hour: refreshed at 80 % of it, not at once', async () => {
    server.lifetime = 0xffffffff;
    const turn = client();
    await allocated(turn);
    expect(turn.allocation?.lifetimeSeconds).toBe(3600);
    await vi.advanceTimersByTimeAsync(2_879_999);
    expect(server.count(T.REFRESH)).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.count(T.REFRESH)).toBe(1);
    expect(turn.state).toBe('allocated');
  });

  it('a refresh that goes unanswered until expiry loses the allocation, said once', async () => {
    server.lifetime = 10;
    const turn = client();
    await allocated(turn);
    await within(turn.permit(PEER), 0);
    server.silent = true;
    await vi.advanceTimersByTimeAsync(8000);
    expect(turn.state).toBe('allocated');
    // Retransmitted until the allocation would lapse, 10 s after it was granted.
    await vi.advanceTimersByTimeAsync(1980);
    expect(turn.state).toBe('allocated');
    await vi.advanceTimersByTimeAsync(20);
    expect(turn.state).toBe('failed');
    expect(turn.allocation).toBeNull();
    expect(events.filter((event) => event.type === 'refresh-failed')).toEqual([
      { type: 'refresh-failed', detail: expect.stringMatching(/^allocation: no answer/) },
    ]);
    expect(vi.getTimerCount()).toBe(0);
    const before = socket.sent.length;
    turn.send(PEER, Buffer.from('into the void'));
    expect(socket.sent).toHaveLength(before);
    expect(turn.stats.sendsDropped).toBe(1);
  });

  it('a 437 to a refresh means the allocation is gone', async () => {
    server.lifetime = 10;
    const turn = client();
    await allocated(turn);
    server.beforeAnswer = (answer, request) => {
      const mismatch = stun.createMessage(request.type | ERROR, request.transactionId);
      mismatch.addAttribute(A.ERROR_CODE, 437, 'Allocation Mismatch');
      return mismatch.toBuffer();
    };
    await vi.advanceTimersByTimeAsync(8000);
    expect(turn.state).toBe('failed');
    expect(events.at(-1)).toMatchObject({
      type: 'refresh-failed',
      detail: expect.stringContaining('437'),
    });
  });

  it('permissions every 4 minutes (< 5), channels too (< 10): ChannelBind also keeps its permission', async () => {
    server.lifetime = 3600;
    const turn = client();
    await allocated(turn);
    expect(await within(turn.permit(PEER), 0)).toEqual({ value: undefined });
    expect(await within(turn.permit(PEER), 0)).toEqual({ value: undefined });
    expect(server.authenticated(T.CREATE_PERMISSION)).toHaveLength(1);
    expect(await within(turn.bindChannel(PEER2), 0)).toEqual({ value: 0x4000 });
    expect(await within(turn.bindChannel(PEER), 0)).toEqual({ value: 0x4001 });
    expect(await within(turn.bindChannel(PEER2), 0)).toEqual({ value: 0x4000 });
    expect(server.authenticated(T.CHANNEL_BIND)).toHaveLength(2);
    const bind = server.authenticated(T.CHANNEL_BIND)[0]!.message;
    expect(bind.getAttribute(A.CHANNEL_NUMBER)?.value).toBe(0x4000 * 0x10000);
    expect(bind.getAttribute(A.XOR_PEER_ADDRESS)?.value).toMatchObject(PEER2);
    expect(events.map((event) => event.type)).toEqual([
      'allocated',
      'permission',
      'channel',
      'channel',
    ]);

    await vi.advanceTimersByTimeAsync(240_000 - 40);
    expect(server.authenticated(T.CREATE_PERMISSION)).toHaveLength(1);
    expect(server.authenticated(T.CHANNEL_BIND)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(40);
    expect(server.authenticated(T.CREATE_PERMISSION)).toHaveLength(2);
    expect(server.authenticated(T.CHANNEL_BIND)).toHaveLength(4);
    const refreshed = server.authenticated(T.CHANNEL_BIND).slice(2);
    expect(
      refreshed
        .map((r) => (r.message.getAttribute(A.CHANNEL_NUMBER)?.value as number) / 0x10000)
        .sort(),
    ).toEqual([0x4000, 0x4001]);
    await vi.advanceTimersByTimeAsync(240_000);
    expect(server.authenticated(T.CREATE_PERMISSION)).toHaveLength(3);
    expect(server.authenticated(T.CHANNEL_BIND)).toHaveLength(6);
    expect(turn.state).toBe('allocated');

    await within(turn.close(), 10);
    const count = server.requests.length;
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(server.requests).toHaveLength(count);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a permission refresh that fails is said and tried again soon', async () => {
    server.lifetime = 3600;
    const turn = client();
    await allocated(turn);
    await within(turn.permit(PEER), 0);
    server.silentTo.add(T.CREATE_PERMISSION);
    await vi.advanceTimersByTimeAsync(240_000 + 39_500);
    expect(events.at(-1)).toMatchObject({
      type: 'refresh-failed',
      detail: expect.stringContaining('permission 203.0.113.5'),
    });
    server.silentTo.clear();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(events.at(-1)).toEqual({ type: 'permission', detail: '203.0.113.5 refreshed' });
    expect(turn.state).toBe('allocated');
  });

  it('permit and bindChannel need an allocation and an IPv4 peer', async () => {
    const turn = client();
    await expect(turn.permit(PEER)).rejects.toMatchObject({ code: 'rejected' });
    await allocated(turn);
    await expect(turn.permit({ address: 'example.com', port: 1 })).rejects.toMatchObject({
      code: 'rejected',
    });
    await expect(turn.bindChannel({ address: PEER.address, port: 0 })).rejects.toMatchObject({
      code: 'rejected',
    });
    server.beforeAnswer = (answer, request) => {
      const forbidden = stun.createMessage(request.type | ERROR, request.transactionId);
      forbidden.addAttribute(A.ERROR_CODE, 403, 'Forbidden');
      return forbidden.toBuffer();
    };
    expect(await within(turn.bindChannel(PEER), 0)).toMatchObject({
      error: { code: 'rejected', stunErrorCode: 403 },
    });
    // Not bound: sending still uses a Send indication.
    turn.send(PEER, Buffer.from('x'));
    expect(server.indications).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.indications).toHaveLength(1);
  });
});

describe('data', () => {
  it('Send indications until a channel is bound, then ChannelData; both ways', async () => {
    const turn = client();
    await allocated(turn);
    const received: Array<{ data: string; peer: TransportAddress }> = [];
    turn.onData((data, peer) => received.push({ data: data.toString(), peer }));

    turn.send(PEER, Buffer.from('one'));
    await vi.advanceTimersByTimeAsync(0);
    const indication = server.indications[0];
    expect(indication?.getAttribute(A.XOR_PEER_ADDRESS)?.value).toMatchObject(PEER);
    expect(String(indication?.getAttribute(A.DATA)?.value)).toBe('one');
    // Indications carry no credentials (RFC 8656 §11).
    expect(indication?.getAttribute(A.MESSAGE_INTEGRITY)).toBeUndefined();

    socket.deliver(dataIndication(PEER, Buffer.from('two')));
    socket.deliver(dataIndication(PEER, Buffer.from('forged')), ELSEWHERE);
    expect(received).toEqual([{ data: 'two', peer: PEER }]);

    const channel = (await within(turn.bindChannel(PEER), 0)) as { value: number };
    turn.send(PEER, Buffer.from('three'));
    await vi.advanceTimersByTimeAsync(0);
    expect(server.channelData).toEqual([channelData(channel.value, Buffer.from('three'))]);

    socket.deliver(channelData(channel.value, Buffer.from('four'), 12)); // padded to 4 bytes
    socket.deliver(channelData(channel.value, Buffer.from('forged')), ELSEWHERE);
    expect(received.at(-1)).toEqual({ data: 'four', peer: PEER });
    expect(received).toHaveLength(2);
    expect(turn.stats).toMatchObject({
      sendIndicationsSent: 1,
      channelDataSent: 1,
      dataIndicationsReceived: 1,
      channelDataReceived: 1,
      droppedForeign: 2,
    });
  });

  it('a listener that throws neither stops the others nor reaches the socket', async () => {
    const turn = client();
    await allocated(turn);
    const seen: string[] = [];
    const remove = turn.onData(() => {
      throw new Error('listener bug');
    });
    turn.onData((data) => seen.push(data.toString()));
    expect(() => socket.deliver(dataIndication(PEER, Buffer.from('a')))).not.toThrow();
    remove();
    socket.deliver(dataIndication(PEER, Buffer.from('b')));
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('close', () => {
  it('deallocates with an authenticated Refresh of LIFETIME 0, through a stale nonce', async () => {
    const turn = client();
    await allocated(turn);
    server.staleAhead = 1;
    expect(await within(turn.close(), 10)).toEqual({ value: undefined });
    const refreshes = server.authenticated(T.REFRESH);
    expect(refreshes).toHaveLength(2);
    expect(refreshes.map((r) => r.message.getAttribute(A.LIFETIME)?.value)).toEqual([0, 0]);
    expect(turn.state).toBe('closed');
    expect(turn.allocation).toBeNull();
    expect(events.at(-1)).toEqual({ type: 'closed' });
    expect(socket.handlerCount('stun')).toBe(0);
    expect(socket.handlerCount('turn-channel')).toBe(0);
    await expect(turn.allocate()).rejects.toMatchObject({ code: 'closed' });
    await expect(turn.permit(PEER)).rejects.toMatchObject({ code: 'closed' });
  });

  it('is bounded (1 s) when the server is silent, idempotent and never throws', async () => {
    const turn = client();
    await allocated(turn);
    server.silent = true;
    const first = turn.close();
    expect(turn.close()).toBe(first);
    expect(await within(first, 999)).toBe('pending');
    expect(await within(first, 1)).toEqual({ value: undefined });
    expect(events.filter((event) => event.type === 'closed')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('during an allocation: the attempt ends as closed and what it may hold is released', async () => {
    server.silentTo.add(T.ALLOCATE);
    const turn = client();
    const pending = turn.allocate();
    await vi.advanceTimersByTimeAsync(10);
    server.silentTo.clear();
    server.error(server.requests[0]!.message, 401, 'Unauthorized', true);
    server.silentTo.add(T.ALLOCATE);
    await vi.advanceTimersByTimeAsync(10);
    const closed = turn.close();
    expect(await within(pending, 0)).toMatchObject({ error: { code: 'closed' } });
    expect(await within(closed, 10)).toEqual({ value: undefined });
    expect(server.authenticated(T.REFRESH)).toHaveLength(1);
    expect(turn.state).toBe('closed');
  });

  it('before any allocation: nothing to send', async () => {
    const turn = client();
    expect(await within(turn.close(), 0)).toEqual({ value: undefined });
    expect(socket.sent).toHaveLength(0);
    expect(turn.state).toBe('closed');
  });
});

describe('relayTransport', () => {
  it('sends RTP through the relay, binding a channel once, and feeds relayed RTP to rtp handlers', async () => {
    const turn = client();
    await allocated(turn);
    const transport = relayTransport(turn, socket);
    const rtp: Array<{ data: Buffer; from: TransportAddress }> = [];
    const stunSeen: Buffer[] = [];
    transport.on('rtp', (data, from) => rtp.push({ data, from }));
    transport.on('stun', (data) => stunSeen.push(data));

    // One ChannelBind for both;
    // until its answer, Send indications.
    server.silentTo.add(T.CHANNEL_BIND);
    await transport.send(rtpPacket(1), PEER);
    await transport.send(rtpPacket(2), PEER);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.count(T.CHANNEL_BIND)).toBe(1);
    expect(server.indications).toHaveLength(2);
    server.silentTo.clear();
    await vi.advanceTimersByTimeAsync(500); // the retransmission is answered
    expect(server.count(T.CHANNEL_BIND)).toBe(2);
    await transport.send(rtpPacket(3), PEER);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.channelData).toEqual([channelData(0x4000, rtpPacket(3))]);

    socket.deliver(channelData(0x4000, rtpPacket(9)));
    socket.deliver(channelData(0x4000, Buffer.from('not RTP')));
    socket.deliver(dataIndication(PEER2, rtpPacket(10)));
    // Directly on the socket, not through the relay: not from the peers.
    socket.deliver(rtpPacket(11), PEER);
    expect(rtp).toEqual([
      { data: rtpPacket(9), from: PEER },
      { data: rtpPacket(10), from: PEER2 },
    ]);
    // STUN keeps arriving on the socket: the server's answers were seen by 'stun' handlers.
    expect(stunSeen.length).toBeGreaterThan(0);
  });

  it('refuses to send without an allocation; after a failed ChannelBind, asks again only after 5 s', async () => {
    const turn = client();
    const transport = relayTransport(turn, socket);
    await expect(transport.send(rtpPacket(1), PEER)).rejects.toThrow(
      /TURN relay not available \(idle\)/,
    );
    await allocated(turn);
    server.silentTo.add(T.CHANNEL_BIND);
    await transport.send(rtpPacket(1), PEER);
    await vi.advanceTimersByTimeAsync(2000); // the ChannelBind times out
    await transport.send(rtpPacket(2), PEER);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.count(T.CHANNEL_BIND)).toBe(3); // 0, 500, 1500 ms: one request
    await vi.advanceTimersByTimeAsync(5000);
    await transport.send(rtpPacket(3), PEER);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.count(T.CHANNEL_BIND)).toBe(4);
    expect(server.indications).toHaveLength(3);
  });
});
