/**
 * STUN, TURN and ChannelData: the codecs every datagram on a SIP or media socket meets first, and
 * the TURN client receiving answers to its own Allocate (the 401 challenge, the success, ERROR-CODE
 * and XOR-* attributes, Data indications and ChannelData) from its server.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import fc from 'fast-check';
import stun from 'stun';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { classifyPacket, type PacketKind } from '../../../src-main/net/packet-kind.js';
import { decodeStunMessage, readRawErrorCode } from '../../../src-main/net/stun-codec.js';
import { TurnClient, TurnError, type TurnSocket } from '../../../src-main/net/turn-client.js';
import {
  ATTR,
  addressAttribute,
  bytesAttribute,
  decodeTurnMessage,
  lifetimeOf,
  verifyIntegrity,
} from '../../../src-main/net/turn-codec.js';
import type { DatagramHandler } from '../../../src-main/net/udp-endpoint.js';
import {
  bytesCodec,
  check,
  ContractViolation,
  describe,
  jsonCodec,
  mustNotThrow,
  type FuzzTarget,
} from '../fuzz-target.js';
import { mutatedBytes } from '../mutate.js';
import { encodeStun, stunDatagrams, stunMessageSpec } from './stun-messages.js';

function checkAddress(address: TransportAddress | null, what: string, limit: number): void {
  if (address === null) return;
  check(isIP(address.address) !== 0, `${what} is not an IP address: ${address.address}`);
  check(
    Number.isInteger(address.port) && address.port >= 0 && address.port <= 0xffff,
    `${what} port out of range: ${address.port}`,
  );
  check(address.address.length <= limit, `${what} longer than the datagram`);
}

export const stunCodecTarget: FuzzTarget<Uint8Array> = {
  name: 'stun',
  contract:
    'decodeStunMessage returns null for anything not well formed and never throws; what it ' +
    'returns is bounded by the datagram (addresses are IP addresses, ports 16-bit, ERROR-CODE ' +
    'class·100+number from the raw attribute)',
  modules: ['src-main/net/stun-codec.ts'],
  input: () => mutatedBytes(stunDatagrams()),
  execute(input) {
    const datagram = Buffer.from(input);
    const decoded = mustNotThrow('decodeStunMessage', () => decodeStunMessage(datagram));
    const raw = mustNotThrow('readRawErrorCode', () => readRawErrorCode(datagram));
    if (raw) {
      check(raw.code >= 0 && raw.code <= 7 * 100 + 255, `ERROR-CODE out of range: ${raw.code}`);
      check(raw.reason.length <= datagram.length, 'ERROR-CODE reason longer than the datagram');
    }
    if (!decoded) return;
    check(decoded.transactionId.length === 12, 'transaction ID is not 96 bits');
    checkAddress(decoded.xorMappedAddress, 'XOR-MAPPED-ADDRESS', datagram.length * 3);
    checkAddress(decoded.mappedAddress, 'MAPPED-ADDRESS', datagram.length * 3);
    checkAddress(decoded.otherAddress, 'OTHER-ADDRESS', datagram.length * 3);
  },
  ...bytesCodec,
};

export const turnCodecTarget: FuzzTarget<Uint8Array> = {
  name: 'turn-codec',
  contract:
    'decodeTurnMessage returns null or a message and never throws; verifyIntegrity answers a ' +
    'boolean for any bytes; the attribute readers return null for what is missing or malformed',
  modules: ['src-main/net/turn-codec.ts'],
  input: () => mutatedBytes(stunDatagrams()),
  execute(input) {
    const datagram = Buffer.from(input);
    const verified = mustNotThrow('verifyIntegrity', () =>
      verifyIntegrity(datagram, Buffer.alloc(16, 7)),
    );
    check(typeof verified === 'boolean', 'verifyIntegrity answered a non-boolean');
    const message = mustNotThrow('decodeTurnMessage', () => decodeTurnMessage(datagram));
    if (!message) return;
    for (const type of [ATTR.XOR_PEER_ADDRESS, ATTR.XOR_RELAYED_ADDRESS, ATTR.XOR_MAPPED_ADDRESS]) {
      const address = mustNotThrow('addressAttribute', () => addressAttribute(message, type));
      checkAddress(address, `attribute 0x${type.toString(16)}`, datagram.length * 3);
    }
    const data = mustNotThrow('bytesAttribute', () => bytesAttribute(message, ATTR.DATA));
    check(data === null || data.length <= datagram.length, 'DATA longer than the datagram');
    const lifetime = mustNotThrow('lifetimeOf', () => lifetimeOf(message));
    check(lifetime === null || Number.isFinite(lifetime), 'LIFETIME is not a finite number');
  },
  ...bytesCodec,
};

const SERVER: TransportAddress = { address: '192.0.2.10', port: 3478 };
const USER = 'alice';
const PASSWORD = 'correct horse battery';
const REALM = 'example.org';
const KEY = createHash('md5').update(`${USER}:${REALM}:${PASSWORD}`).digest();

/** A socket whose sends are recorded; datagrams are delivered as the real socket does. */
class ScriptedSocket implements TurnSocket {
  readonly sent: Buffer[] = [];
  private readonly handlers = new Map<PacketKind, Set<DatagramHandler>>();

  on(kind: PacketKind, handler: DatagramHandler): () => void {
    const set = this.handlers.get(kind) ?? new Set<DatagramHandler>();
    this.handlers.set(kind, set);
    set.add(handler);
    return () => set.delete(handler);
  }

  send(datagram: Uint8Array | string): Promise<void> {
    this.sent.push(Buffer.from(datagram));
    return Promise.resolve();
  }

  deliver(datagram: Buffer, from: TransportAddress): void {
    for (const handler of [...(this.handlers.get(classifyPacket(datagram, 'media')) ?? [])]) {
      // The real socket catches a throwing handler; here it is a broken contract.
      mustNotThrow(`TURN client ${classifyPacket(datagram, 'media')} handler`, () =>
        handler(datagram, from),
      );
    }
  }

  lastTransactionId(): Buffer | null {
    for (let index = this.sent.length - 1; index >= 0; index--) {
      const datagram = this.sent[index]!;
      if (datagram.length >= 20 && (datagram[0] ?? 0xff) <= 3) return datagram.subarray(8, 20);
    }
    return null;
  }
}

/** One step of a TURN server's side of the conversation. */
interface TurnStep {
  /** What the server sends: a scripted good answer, or a datagram built from fields. */
  kind: 'challenge' | 'success' | 'data-indication' | 'built' | 'channel-data';
  /** Byte mutations applied to the step's datagram. */
  damage: string;
  /** Built STUN (hex) or ChannelData payload (hex). */
  bytes: string;
  /** Take the transaction ID of the last request the client sent. */
  answer: boolean;
  /** From the server's address, or from a stranger. */
  fromServer: boolean;
}

function scripted(kind: TurnStep['kind'], id: Buffer, bytes: Buffer): Buffer {
  switch (kind) {
    case 'challenge': {
      const message = stun.createMessage(0x0113, id);
      message.addAttribute(0x0009, 401, 'Unauthorized');
      message.addAttribute(ATTR.REALM, REALM);
      message.addAttribute(ATTR.NONCE, 'f00dfeed');
      return message.toBuffer();
    }
    case 'success': {
      const message = stun.createMessage(0x0103, id);
      message.addAttribute(ATTR.XOR_RELAYED_ADDRESS, '192.0.2.10', 49170);
      message.addAttribute(ATTR.XOR_MAPPED_ADDRESS, '198.51.100.7', 40123);
      message.addAttribute(ATTR.LIFETIME, 600);
      message.addMessageIntegrity(KEY);
      return message.toBuffer();
    }
    case 'data-indication': {
      const message = stun.createMessage(0x0017);
      message.addAttribute(ATTR.XOR_PEER_ADDRESS, '203.0.113.5', 20000);
      message.addAttribute(ATTR.DATA, bytes);
      return message.toBuffer();
    }
    case 'built': {
      const copy = Buffer.from(bytes);
      if (copy.length >= 20) id.copy(copy, 8);
      return copy;
    }
    case 'channel-data': {
      const datagram = Buffer.alloc(4 + bytes.length);
      datagram.writeUInt16BE(0x4000, 0);
      datagram.writeUInt16BE(bytes.length, 2);
      bytes.copy(datagram, 4);
      return datagram;
    }
  }
}

const damage = mutatedBytes(fc.constant(new Uint8Array(0)));

const turnStep: fc.Arbitrary<TurnStep> = fc.record({
  kind: fc.constantFrom(
    'challenge' as const,
    'success' as const,
    'data-indication' as const,
    'built' as const,
    'channel-data' as const,
  ),
  damage: fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: damage.map((bytes) => Buffer.from(bytes).toString('hex')) },
  ),
  bytes: fc
    .oneof(stunMessageSpec([0x0103, 0x0113, 0x0017, 0x0104]).map(encodeStun), fc.uint8Array())
    .map((bytes) => Buffer.from(bytes).toString('hex')),
  answer: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
  fromServer: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
});

/** Damage as bytes mutated into the step's datagram: the mutations' inserted bytes, XORed in. */
function damaged(datagram: Buffer, mask: string): Buffer {
  if (mask === '') return datagram;
  const noise = Buffer.from(mask, 'hex');
  const copy = Buffer.from(datagram);
  for (let index = 0; index < noise.length && copy.length > 0; index++) {
    const at = (noise[index]! * 7 + index * 13) % copy.length;
    copy[at]! ^= noise[(index + 1) % noise.length]! | 1;
  }
  return noise.length % 3 === 0 ? copy : copy.subarray(0, Math.max(0, copy.length - noise.length));
}

/** How long a scripted server waits for the client's next request. */
const REQUEST_WAIT_MS = 50;

async function until(condition: () => boolean, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!condition() && performance.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export const turnClientTarget: FuzzTarget<TurnStep[]> = {
  name: 'turn-client',
  contract:
    "the TURN client's receive path never throws into the socket for any datagram from its " +
    'server or a stranger; allocate() settles with a TurnError, never another exception',
  modules: ['src-main/net/turn-client.ts', 'src-main/net/turn-codec.ts'],
  async: true,
  input: () => fc.array(turnStep, { minLength: 1, maxLength: 5 }),
  async execute(steps) {
    const socket = new ScriptedSocket();
    const client = new TurnClient(
      socket,
      { server: `${SERVER.address}:${SERVER.port}`, username: USER, password: PASSWORD },
      { rtoMs: 5000, allocateTimeoutMs: REQUEST_WAIT_MS * 2 },
    );
    let outcome: unknown = 'pending';
    client.allocate().then(
      () => (outcome = 'allocated'),
      (error: unknown) => (outcome = error),
    );
    client.onData(() => undefined);
    let answered = 0;
    for (const step of steps) {
      // An answer waits for the request it answers (the first one follows a DNS lookup).
      if (step.answer) await until(() => socket.sent.length > answered, REQUEST_WAIT_MS);
      answered = socket.sent.length;
      const id = (step.answer ? socket.lastTransactionId() : null) ?? Buffer.alloc(12, 0xab);
      const datagram = damaged(
        scripted(step.kind, id, Buffer.from(step.bytes, 'hex')),
        step.damage,
      );
      socket.deliver(datagram, step.fromServer ? SERVER : { address: '192.0.2.66', port: 3478 });
    }
    await client.close();
    for (let tick = 0; tick < 5 && outcome === 'pending'; tick++) await Promise.resolve();
    if (outcome !== 'pending' && outcome !== 'allocated' && !(outcome instanceof TurnError)) {
      throw new ContractViolation(`allocate() rejected with ${describe(outcome)}`);
    }
  },
  ...jsonCodec,
};

export const channelDataTarget: FuzzTarget<Uint8Array> = {
  name: 'channel-data',
  contract:
    'ChannelData (RFC 8656 §12.4) of any length or channel number, from the server or not, is ' +
    'delivered or counted as dropped; the handler never throws',
  modules: ['src-main/net/turn-client.ts', 'src-main/net/packet-kind.ts'],
  input: () =>
    mutatedBytes(
      fc
        .tuple(
          fc.integer({ min: 0x4000, max: 0x4fff }),
          fc.uint8Array({ maxLength: 300 }),
          fc.nat({ max: 3 }),
        )
        .map(([channel, data, padding]) => {
          const datagram = Buffer.alloc(4 + data.length + padding);
          datagram.writeUInt16BE(channel, 0);
          datagram.writeUInt16BE(data.length, 2);
          Buffer.from(data).copy(datagram, 4);
          return datagram;
        }),
    ),
  execute(input) {
    const datagram = Buffer.from(input);
    const kind = mustNotThrow('classifyPacket', () => classifyPacket(datagram, 'media'));
    check(
      ['stun', 'turn-channel', 'rtp', 'unknown'].includes(kind),
      `media socket classified ${kind}`,
    );
    const client = channelClient();
    const before = totalReceived(client);
    socketForChannels.deliver(datagram, SERVER);
    socketForChannels.deliver(datagram, { address: '192.0.2.66', port: 3478 });
    const after = totalReceived(client);
    check(
      kind !== 'turn-channel' || after - before === 2,
      'a ChannelData datagram was neither delivered nor counted as dropped',
    );
  },
  dispose: () => disposeChannelClient(),
  ...bytesCodec,
};

const socketForChannels = new ScriptedSocket();
let channelClientInstance: TurnClient | null = null;

/** One client listening on the socket (idle: every channel is unknown to it). */
function channelClient(): TurnClient {
  if (!channelClientInstance) {
    channelClientInstance = new TurnClient(socketForChannels, {
      server: `${SERVER.address}:${SERVER.port}`,
      username: USER,
      password: PASSWORD,
    });
    // allocate() attaches the receive handlers; its request goes nowhere and it is closed below.
    channelClientInstance.allocate().catch(() => undefined);
  }
  return channelClientInstance;
}

function totalReceived(client: TurnClient): number {
  const { stats } = client;
  return (
    stats.channelDataReceived +
    stats.droppedMalformed +
    stats.droppedForeign +
    stats.droppedUnmatched +
    stats.dataIndicationsReceived +
    stats.droppedBadIntegrity
  );
}

export function disposeChannelClient(): Promise<void> {
  const client = channelClientInstance;
  channelClientInstance = null;
  return client ? client.close() : Promise.resolve();
}
