/**
 * A TURN server's side of the conversation for the TURN fuzz targets, in memory: a socket that
 * records what the client sends and delivers datagrams as the real one does, and a server that
 * answers each request at once (a microtask later, as if the network took no time) the way its
 * script says: as RFC 8656 asks, with an error, with bytes built from fields, or not at all,
 * the answer then damaged, sent twice, or sent from a stranger's address. The server writes and
 * reads its bytes by hand: the `stun` package's codec costs a millisecond a message, which
 * would leave the fuzzer measuring the server rather than the client.
 */
import { createHash, createHmac } from 'node:crypto';
import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { classifyPacket, type PacketKind } from '../../../src-main/net/packet-kind.js';
import type { TurnClient, TurnSocket, TurnStats } from '../../../src-main/net/turn-client.js';
import type { DatagramHandler } from '../../../src-main/net/udp-endpoint.js';
import { check, mustNotThrow } from '../fuzz-target.js';
import { mutatedBytes } from '../mutate.js';
import { encodeStun, stunMessageSpec } from './stun-messages.js';

export const SERVER: TransportAddress = { address: '192.0.2.10', port: 3478 };
export const STRANGER: TransportAddress = { address: '192.0.2.66', port: 3478 };
export const RELAYED: TransportAddress = { address: '192.0.2.10', port: 49170 };
export const MAPPED: TransportAddress = { address: '198.51.100.7', port: 40123 };
export const USER = 'alice';
export const PASSWORD = 'correct horse battery';
const REALM = 'example.org';
export const KEY = createHash('md5').update(`${USER}:${REALM}:${PASSWORD}`).digest();

/** Peers a call may relay to; the last ones are addresses the client must refuse. */
export const PEERS: readonly TransportAddress[] = [
  { address: '203.0.113.5', port: 20000 },
  { address: '203.0.113.6', port: 30000 },
  { address: '203.0.113.5', port: 20001 },
  { address: '198.51.100.7', port: 40123 },
  { address: '::1', port: 20000 },
  { address: '203.0.113.7', port: 0 },
  { address: 'example.org', port: 20000 },
];

const METHOD_MASK = 0x3eef;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const A = {
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  XOR_MAPPED_ADDRESS: 0x0020,
} as const;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;

/** What the server does with one request the client sent. */
export interface ServerReaction {
  /**
   * `proper`: a 401 challenge to an unauthenticated request, else a signed success (LIFETIME
   * below); `stale`: 438 with a new nonce; `error`: the code below; `built`: the bytes below
   * with the request's transaction ID; `silent`: no answer.
   */
  kind: 'proper' | 'stale' | 'error' | 'built' | 'silent';
  /** ERROR-CODE of an `error` answer. */
  code: number;
  /** A challenge's REALM and NONCE in an `error` answer. */
  challenge: boolean;
  /** MESSAGE-INTEGRITY with the right key on an `error` or `built` answer. */
  sign: boolean;
  /** LIFETIME granted by a `proper` success to Allocate or Refresh; null leaves it out. */
  lifetime: number | null;
  /** A `built` answer, hex. */
  bytes: string;
  /** Byte damage XORed into the answer (hex; empty leaves it intact). */
  damage: string;
  fromServer: boolean;
  /** The answer goes twice, as a retransmitted answer does. */
  twice: boolean;
}

export const PROPER: ServerReaction = {
  kind: 'proper',
  code: 0,
  challenge: false,
  sign: true,
  lifetime: 600,
  bytes: '',
  damage: '',
  fromServer: true,
  twice: false,
};

const mostly = <T>(usual: T, other: fc.Arbitrary<T>, odds = 9): fc.Arbitrary<T> =>
  fc.oneof({ weight: odds, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: other });

/** Damage: the inserted bytes of a few byte mutations, as a hex mask. */
export const damageMask: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: mutatedBytes(fc.uint8Array({ minLength: 1, maxLength: 4 })).map((bytes) =>
      Buffer.from(bytes).toString('hex'),
    ),
  },
);

/** Answers to TURN methods, built from fields: attributes, lengths and padding that may lie. */
export const builtAnswer: fc.Arbitrary<string> = stunMessageSpec([
  0x0103, 0x0113, 0x0104, 0x0114, 0x0108, 0x0118, 0x0109, 0x0119, 0x0017,
])
  .map(encodeStun)
  .map((bytes) => bytes.toString('hex'));

const lifetime: fc.Arbitrary<number | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(600, 3600) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 30, 0xffffffff) },
  { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) },
);

const reactionFields = {
  code: fc.oneof(
    fc.constantFrom(300, 400, 401, 403, 437, 438, 440, 441, 442, 486, 500, 508),
    fc.nat({ max: 799 }),
  ),
  challenge: fc.boolean(),
  sign: fc.boolean(),
  lifetime,
  damage: damageMask,
  fromServer: mostly(true, fc.constant(false)),
  twice: mostly(false, fc.constant(true)),
};

// Built bytes are generated only for the reactions that send them: they are the costly part.
export const serverReaction: fc.Arbitrary<ServerReaction> = fc.oneof(
  {
    weight: 13,
    arbitrary: fc.record({
      kind: fc.oneof(
        { weight: 8, arbitrary: fc.constant('proper' as const) },
        { weight: 1, arbitrary: fc.constant('stale' as const) },
        { weight: 2, arbitrary: fc.constant('error' as const) },
        { weight: 2, arbitrary: fc.constant('silent' as const) },
      ),
      bytes: fc.constant(''),
      ...reactionFields,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('built' as const),
      bytes: builtAnswer,
      ...reactionFields,
    }),
  },
);

/** Damage as bytes XORed into the datagram at places the mask picks; some masks also cut it. */
export function damaged(datagram: Buffer, mask: string): Buffer {
  if (mask === '') return datagram;
  const noise = Buffer.from(mask, 'hex');
  const copy = Buffer.from(datagram);
  for (let index = 0; index < noise.length && copy.length > 0; index++) {
    const at = (noise[index]! * 7 + index * 13) % copy.length;
    copy[at]! ^= noise[(index + 1) % noise.length]! | 1;
  }
  return noise.length % 3 === 0 ? copy : copy.subarray(0, Math.max(0, copy.length - noise.length));
}

/** Appends a MESSAGE-INTEGRITY over the bytes as they are (RFC 5389 §15.4), lies included. */
export function signed(datagram: Buffer, key: Buffer): Buffer {
  if (datagram.length < 20) return datagram;
  const covered = Buffer.from(datagram);
  covered.writeUInt16BE((covered.length - 20 + 24) & 0xffff, 2);
  const attribute = Buffer.alloc(24);
  attribute.writeUInt16BE(A.MESSAGE_INTEGRITY, 0);
  attribute.writeUInt16BE(20, 2);
  createHmac('sha1', key).update(covered).digest().copy(attribute, 4);
  return Buffer.concat([covered, attribute]);
}

export function statsTotal(stats: TurnStats): number {
  return (
    stats.channelDataReceived +
    stats.dataIndicationsReceived +
    stats.droppedMalformed +
    stats.droppedForeign +
    stats.droppedUnmatched +
    stats.droppedBadIntegrity
  );
}

/**
 * The socket a TURN client runs on: records every send, delivers datagrams by their first byte
 * to the handlers of that kind, as the real one does, and checks that each datagram the client
 * receives is counted: once for ChannelData, at most once for STUN (an accepted answer is not).
 */
export class ScriptedSocket implements TurnSocket {
  readonly sent: Array<{ datagram: Buffer; to: TransportAddress }> = [];
  /** Contracts broken while answering, which a microtask cannot throw to the target. */
  readonly faults: unknown[] = [];
  onSend: ((datagram: Buffer, to: TransportAddress) => void) | null = null;
  private readonly handlers = new Map<PacketKind, Set<DatagramHandler>>();
  private client: TurnClient | null = null;

  watch(client: TurnClient): void {
    this.client = client;
  }

  on(kind: PacketKind, handler: DatagramHandler): () => void {
    const set = this.handlers.get(kind) ?? new Set<DatagramHandler>();
    this.handlers.set(kind, set);
    set.add(handler);
    return () => set.delete(handler);
  }

  get handlerCount(): number {
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }

  send(datagram: Uint8Array | string, to: TransportAddress): Promise<void> {
    const copy = Buffer.from(datagram);
    this.sent.push({ datagram: copy, to: { ...to } });
    if (this.onSend) {
      const onSend = this.onSend;
      queueMicrotask(() => {
        // Thrown here it would escape the target as an uncaught exception: kept for the target.
        try {
          onSend(copy, to);
        } catch (error) {
          this.faults.push(error);
        }
      });
    }
    return Promise.resolve();
  }

  /** Throws the first contract broken while the server answered. */
  checkFaults(): void {
    if (this.faults.length > 0) throw this.faults[0];
  }

  deliver(datagram: Buffer, from: TransportAddress): void {
    const kind = classifyPacket(datagram, 'media');
    const handlers = [...(this.handlers.get(kind) ?? [])];
    const before = this.client ? statsTotal(this.client.stats) : 0;
    for (const handler of handlers) {
      // The real socket catches a throwing handler; here it is a broken contract.
      mustNotThrow(`TURN client ${kind} handler`, () => handler(datagram, from));
    }
    if (!this.client || handlers.length === 0) return;
    const counted = statsTotal(this.client.stats) - before;
    if (kind === 'turn-channel') {
      check(counted === handlers.length, `ChannelData counted ${counted} times, not once`);
    } else {
      check(counted >= 0 && counted <= handlers.length, `a STUN datagram counted ${counted} times`);
    }
  }
}

/** The requests a {@link ScriptedTurnServer} received, by method. */
export interface ServerLog {
  requests: number;
  byMethod: Map<number, number>;
}

/**
 * Answers each request the client sends with the reaction `react` picks for it; indications
 * and ChannelData from the client are only recorded.
 */
export class ScriptedTurnServer {
  readonly log: ServerLog = { requests: 0, byMethod: new Map() };
  private nonce = 'nonce-1';
  private nonces = 1;

  constructor(
    private readonly socket: ScriptedSocket,
    private readonly react: (method: number, request: number) => ServerReaction,
  ) {
    socket.onSend = (datagram, to) => this.receive(datagram, to);
  }

  private receive(datagram: Buffer, to: TransportAddress): void {
    check(
      to.address === SERVER.address && to.port === SERVER.port,
      `the TURN client sent to ${to.address}:${to.port}, not its server`,
    );
    check(!datagram.includes(PASSWORD), 'the TURN client sent its password');
    if (datagram.length < 20 || (datagram[0] ?? 0xff) > 3) return;
    const type = datagram.readUInt16BE(0);
    // Requests only: the client's Send indications need no answer.
    if ((type & ERROR) !== 0) return;
    const method = type & METHOD_MASK;
    this.log.byMethod.set(method, (this.log.byMethod.get(method) ?? 0) + 1);
    const reaction = this.react(method, this.log.requests++);
    const answer = this.answerTo(datagram, method, reaction);
    if (!answer) return;
    const datagramOut = damaged(answer, reaction.damage);
    const from = reaction.fromServer ? SERVER : STRANGER;
    this.socket.deliver(datagramOut, from);
    if (reaction.twice) this.socket.deliver(datagramOut, from);
  }

  private answerTo(request: Buffer, method: number, reaction: ServerReaction): Buffer | null {
    const id = request.subarray(8, 20);
    switch (reaction.kind) {
      case 'silent':
        return null;
      case 'built': {
        const bytes = Buffer.from(reaction.bytes, 'hex');
        if (bytes.length >= 20) id.copy(bytes, 8);
        return reaction.sign ? signed(bytes, KEY) : bytes;
      }
      case 'stale':
        this.nonce = `nonce-${++this.nonces}`;
        return this.error(id, method, 438, 'Stale Nonce', true, true);
      case 'error':
        return this.error(id, method, reaction.code, 'Refused', reaction.challenge, reaction.sign);
      case 'proper': {
        if (!attributeOf(request, A.MESSAGE_INTEGRITY)) {
          return this.error(id, method, 401, 'Unauthorized', true, false);
        }
        const attributes: Array<[number, Buffer]> = [];
        if (method === ALLOCATE) {
          attributes.push(
            [A.XOR_RELAYED_ADDRESS, xorAddress(RELAYED)],
            [A.XOR_MAPPED_ADDRESS, xorAddress(MAPPED)],
          );
        }
        if (method === ALLOCATE || method === REFRESH) {
          const asked = attributeOf(request, A.LIFETIME);
          const granted =
            asked?.length === 4 && asked.readUInt32BE(0) === 0 ? 0 : reaction.lifetime;
          if (granted !== null) attributes.push([A.LIFETIME, uint32(granted)]);
        }
        return signed(stunBytes(method | SUCCESS, id, attributes), KEY);
      }
    }
  }

  private error(
    id: Buffer,
    method: number,
    code: number,
    reason: string,
    challenge: boolean,
    sign: boolean,
  ): Buffer {
    const attributes: Array<[number, Buffer]> = [[A.ERROR_CODE, errorCode(code, reason)]];
    if (challenge) {
      attributes.push([A.REALM, Buffer.from(REALM)], [A.NONCE, Buffer.from(this.nonce)]);
    }
    const message = stunBytes(method | ERROR, id, attributes);
    return sign ? signed(message, KEY) : message;
  }
}

const MAGIC_COOKIE = 0x2112a442;

/** A STUN message (RFC 5389 §6) of these attributes, each padded to 4 bytes (§15). */
function stunBytes(type: number, id: Buffer, attributes: Array<[number, Buffer]>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(20)];
  for (const [attributeType, value] of attributes) {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(attributeType, 0);
    header.writeUInt16BE(value.length, 2);
    parts.push(header, value, Buffer.alloc((4 - (value.length % 4)) % 4));
  }
  const message = Buffer.concat(parts);
  message.writeUInt16BE(type, 0);
  message.writeUInt16BE(message.length - 20, 2);
  message.writeUInt32BE(MAGIC_COOKIE, 4);
  id.copy(message, 8);
  return message;
}

/** The value of the first attribute of `type` in a well-formed message, or null. */
function attributeOf(message: Buffer, type: number): Buffer | null {
  let offset = 20;
  while (offset + 4 <= message.length) {
    const length = message.readUInt16BE(offset + 2);
    if (message.readUInt16BE(offset) === type) {
      return message.subarray(offset + 4, offset + 4 + length);
    }
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return null;
}

/** XOR-MAPPED-ADDRESS and kin for IPv4 (RFC 5389 §15.2); other addresses as family 0. */
function xorAddress(address: TransportAddress): Buffer {
  const value = Buffer.alloc(8);
  if (!isIPv4(address.address)) return value;
  value[1] = 0x01;
  value.writeUInt16BE((address.port ^ (MAGIC_COOKIE >>> 16)) & 0xffff, 2);
  const ip = address.address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  value.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0, 0);
  return bytes;
}

/** ERROR-CODE (RFC 5389 §15.6): class and number, then the reason phrase. */
function errorCode(code: number, reason: string): Buffer {
  const value = Buffer.alloc(4);
  value[2] = Math.floor(code / 100) & 0x07;
  value[3] = code % 100;
  return Buffer.concat([value, Buffer.from(reason)]);
}

/** A Data indication (RFC 8656 §11.4) from the server, relaying `data` from `peer`. */
export function dataIndication(peer: TransportAddress, data: Buffer, id: Buffer): Buffer {
  return stunBytes(0x0017, id, [
    [A.XOR_PEER_ADDRESS, xorAddress(peer)],
    [A.DATA, data],
  ]);
}

/** ChannelData (RFC 8656 §12.4) whose length field says `declared`, then `padding` zeros. */
export function channelData(
  channel: number,
  data: Uint8Array,
  declared: number,
  padding: number,
): Buffer {
  const datagram = Buffer.alloc(4 + data.length + padding);
  datagram.writeUInt16BE(channel & 0xffff, 0);
  datagram.writeUInt16BE(declared & 0xffff, 2);
  Buffer.from(data).copy(datagram, 4);
  return datagram;
}
