/**
 * The TURN client against a scripted server (see turn-server.ts) on a clock that moves only when
 * told: `turn-client` plays whole conversations (Allocate with its challenge, permissions,
 * channels, refreshes over minutes of protocol time, unsolicited datagrams, close) whose answers
 * the input picks; `channel-data` sends ChannelData of every shape to a client that holds an
 * allocation, a permission, two bound channels and one whose ChannelBind is still unanswered.
 */
import fc from 'fast-check';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { classifyPacket } from '../../../src-main/net/packet-kind.js';
import { TurnClient, TurnError } from '../../../src-main/net/turn-client.js';
import {
  bytesCodec,
  check,
  ContractViolation,
  describe,
  jsonCodec,
  mustNotThrow,
  type FuzzTarget,
} from '../fuzz-target.js';
import { ManualClock, settle } from '../manual-clock.js';
import { mutatedBytes } from '../mutate.js';
import {
  builtAnswer,
  channelData,
  damaged,
  damageMask,
  dataIndication,
  PASSWORD,
  PEERS,
  PROPER,
  ScriptedSocket,
  ScriptedTurnServer,
  SERVER,
  serverReaction,
  signed,
  KEY,
  STRANGER,
  USER,
  type ServerReaction,
} from './turn-server.js';

/**
 * Timers one execution may fire: a server granting 1 s lifetimes for an hour of protocol time
 * takes a few thousand refreshes; ten times that is a loop, not a schedule.
 */
const MAX_TIMERS = 20_000;
/** close() waits at most a second for its deallocation; past this, it is stuck. */
const CLOSE_GRACE_MS = 5000;
const FIRST_CHANNEL = 0x4000;
const INDICATION_ID = Buffer.alloc(12, 0xab);

/** A datagram that arrives unasked: relayed data, or anything else the server (or not) sends. */
interface Injected {
  kind: 'data-indication' | 'channel-data' | 'built';
  peer: number;
  /** Offset from 0x4000: the first channels are the client's own, once it has bound them. */
  channel: number;
  data: string;
  /** ChannelData length field: null tells the truth. */
  declared: number | null;
  padding: number;
  /** A built STUN message takes the transaction ID of the client's last request. */
  answersLast: boolean;
  sign: boolean;
  damage: string;
  fromServer: boolean;
}

type ClientAction =
  | { kind: 'wait'; ms: number }
  | { kind: 'permit' | 'bind'; peer: number }
  | { kind: 'send'; peer: number; size: number }
  | { kind: 'allocate' }
  | { kind: 'close' }
  | { kind: 'inject'; datagram: Injected };

interface TurnScript {
  /** How the server meets each request in turn; requests beyond the list are answered properly. */
  reactions: ServerReaction[];
  actions: ClientAction[];
}

const peerIndex = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 3 }) },
  { weight: 1, arbitrary: fc.nat({ max: PEERS.length - 1 }) },
);

const injectedFields = {
  peer: peerIndex,
  channel: fc.oneof(
    { weight: 4, arbitrary: fc.nat({ max: 3 }) },
    { weight: 1, arbitrary: fc.nat({ max: 0xffff }) },
  ),
  declared: fc.option(
    fc.oneof(fc.constantFrom(0, 1, 3, 0xffff), fc.nat({ max: 0xffff }), fc.nat({ max: 260 })),
    { freq: 3 },
  ),
  padding: fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 3 }) }, fc.nat({ max: 64 })),
  answersLast: fc.boolean(),
  sign: fc.boolean(),
  damage: damageMask,
  fromServer: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
};

const injected: fc.Arbitrary<Injected> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('data-indication' as const, 'channel-data' as const),
      data: fc
        .oneof(
          { weight: 3, arbitrary: fc.uint8Array({ maxLength: 200 }) },
          { weight: 1, arbitrary: fc.constantFrom(0, 1, 3, 4, 1200).map((n) => new Uint8Array(n)) },
        )
        .map((bytes) => Buffer.from(bytes).toString('hex')),
      ...injectedFields,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('built' as const),
      data: builtAnswer,
      ...injectedFields,
    }),
  },
);

/** Waits that cross the client's deadlines: RTO steps, the 2 s bound, refreshes at 4 and 8 min. */
const waitMs = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      0,
      1,
      499,
      500,
      1500,
      2000,
      15_000,
      39_500,
      240_000,
      480_000,
      600_000,
    ),
  },
  { weight: 1, arbitrary: fc.nat({ max: 3_600_000 }) },
);

const clientAction: fc.Arbitrary<ClientAction> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: waitMs }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('permit' as const), peer: peerIndex }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bind' as const), peer: peerIndex }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      peer: peerIndex,
      size: fc.constantFrom(0, 160, 65_000, 65_001),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('allocate' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('inject' as const), datagram: injected }),
  },
);

/** The promises a conversation starts, and how each settled. */
class Outcomes {
  private readonly watched: Array<{ what: string; outcome: 'pending' | 'value' | unknown }> = [];

  watch(what: string, promise: Promise<unknown>): void {
    const entry: { what: string; outcome: 'pending' | 'value' | unknown } = {
      what,
      outcome: 'pending',
    };
    this.watched.push(entry);
    promise.then(
      () => (entry.outcome = 'value'),
      (error: unknown) => (entry.outcome = error ?? new Error('rejected with nothing')),
    );
  }

  /** Each has settled, with a value or a TurnError that names no secret. */
  checkSettled(): void {
    for (const { what, outcome } of this.watched) {
      check(outcome !== 'pending', `${what} still pending after close()`);
      if (outcome === 'value') continue;
      if (!(outcome instanceof TurnError)) {
        throw new ContractViolation(`${what} rejected with ${describe(outcome)}`);
      }
      check(!outcome.message.includes(PASSWORD), `${what}: the error names the password`);
    }
  }
}

function lastRequestId(socket: ScriptedSocket): Buffer | null {
  for (let index = socket.sent.length - 1; index >= 0; index--) {
    const { datagram } = socket.sent[index]!;
    if (datagram.length >= 20 && (datagram[0] ?? 0xff) <= 3) return datagram.subarray(8, 20);
  }
  return null;
}

function injectedDatagram(spec: Injected, socket: ScriptedSocket): Buffer {
  const data = Buffer.from(spec.data, 'hex');
  const peer = PEERS[spec.peer] ?? PEERS[0]!;
  switch (spec.kind) {
    case 'data-indication':
      return dataIndication(peer, data, INDICATION_ID);
    case 'channel-data':
      return channelData(
        FIRST_CHANNEL + spec.channel,
        data,
        spec.declared ?? data.length,
        spec.padding,
      );
    case 'built': {
      const id = spec.answersLast ? lastRequestId(socket) : null;
      if (id && data.length >= 20) id.copy(data, 8);
      return spec.sign ? signed(data, KEY) : data;
    }
  }
}

function newClient(socket: ScriptedSocket, clock: ManualClock): TurnClient {
  const client = new TurnClient(
    socket,
    { server: `${SERVER.address}:${SERVER.port}`, username: USER, password: PASSWORD },
    { clock },
  );
  socket.watch(client);
  return client;
}

function checkState(client: TurnClient, clock: ManualClock, socket: ScriptedSocket): void {
  socket.checkFaults();
  check(clock.faults.length === 0, `TURN client: ${clock.faults[0]}`);
  check(
    (client.allocation !== null) === (client.state === 'allocated'),
    `an allocation ${client.allocation ? 'held' : 'missing'} in state ${client.state}`,
  );
}

export const turnClientTarget: FuzzTarget<TurnScript> = {
  name: 'turn-client',
  contract:
    "the TURN client's receive path never throws into the socket and counts every ChannelData " +
    'it refuses; allocate(), permit(), bindChannel() and close() settle with a value or a ' +
    'TurnError naming no secret; it sends only to its server and never its password; every ' +
    'timer it sets is one Node can hold, none loops, and after close() none is left, nor any ' +
    'socket handler',
  modules: ['src-main/net/turn-client.ts', 'src-main/net/turn-codec.ts'],
  async: true,
  input: () =>
    fc.record({
      reactions: fc.array(serverReaction, { maxLength: 8 }),
      actions: fc.array(clientAction, { minLength: 1, maxLength: 8 }),
    }),
  async execute(script) {
    const clock = new ManualClock();
    const socket = new ScriptedSocket();
    new ScriptedTurnServer(socket, (_method, index) => script.reactions[index] ?? PROPER);
    const client = newClient(socket, clock);
    const outcomes = new Outcomes();
    client.onData(() => undefined);
    outcomes.watch('allocate()', client.allocate());
    await settle();
    for (const action of script.actions) {
      const peer: TransportAddress = PEERS['peer' in action ? action.peer : 0] ?? PEERS[0]!;
      switch (action.kind) {
        case 'wait':
          await clock.advance(action.ms, MAX_TIMERS);
          break;
        case 'permit':
          outcomes.watch(`permit(${peer.address})`, client.permit(peer));
          break;
        case 'bind':
          outcomes.watch(`bindChannel(${peer.address}:${peer.port})`, client.bindChannel(peer));
          break;
        case 'send':
          mustNotThrow('TurnClient.send', () => client.send(peer, Buffer.alloc(action.size)));
          break;
        case 'allocate':
          outcomes.watch('allocate() again', client.allocate());
          break;
        case 'close':
          outcomes.watch('close()', client.close());
          break;
        case 'inject':
          socket.deliver(
            damaged(injectedDatagram(action.datagram, socket), action.datagram.damage),
            action.datagram.fromServer ? SERVER : STRANGER,
          );
          break;
      }
      await settle();
      checkState(client, clock, socket);
    }
    outcomes.watch('close()', client.close());
    await clock.advance(CLOSE_GRACE_MS, MAX_TIMERS);
    checkState(client, clock, socket);
    check(client.state === 'closed', `state ${client.state} after close()`);
    outcomes.checkSettled();
    check(clock.pending === 0, `${clock.pending} timers left after close()`);
    check(socket.handlerCount === 0, `${socket.handlerCount} socket handlers left after close()`);
  },
  ...jsonCodec,
};

/** A client with an allocation on a clock that never moves, so nothing about it expires. */
interface ChannelSetup {
  client: TurnClient;
  socket: ScriptedSocket;
  /** Channel number to the peer it relays, bound or with its ChannelBind still unanswered. */
  channels: Map<number, TransportAddress>;
  received: Array<{ data: Buffer; peer: TransportAddress }>;
}

const CHANNEL_BIND = 0x0009;
let channelSetup: Promise<ChannelSetup> | null = null;

/**
 * Allocates, permits the first peer, binds channels 0x4000 and 0x4001 to the first two peers,
 * and leaves the ChannelBind of 0x4002 (third peer) unanswered: the client already relays what
 * arrives on it (the server may use a channel as soon as it has bound it).
 */
async function setUpChannels(): Promise<ChannelSetup> {
  const clock = new ManualClock();
  const socket = new ScriptedSocket();
  let binds = 0;
  new ScriptedTurnServer(socket, (method) =>
    method === CHANNEL_BIND && ++binds === 3 ? { ...PROPER, kind: 'silent' } : PROPER,
  );
  const client = newClient(socket, clock);
  const received: ChannelSetup['received'] = [];
  client.onData((data, peer) => received.push({ data: Buffer.from(data), peer }));
  const [first, second, third] = [PEERS[0]!, PEERS[1]!, PEERS[2]!];
  await client.allocate();
  await client.permit(first);
  const channels = new Map<number, TransportAddress>();
  channels.set(await client.bindChannel(first), first);
  channels.set(await client.bindChannel(second), second);
  client.bindChannel(third).catch(() => undefined);
  await settle();
  channels.set(FIRST_CHANNEL + 2, third);
  socket.checkFaults();
  if (
    client.state !== 'allocated' ||
    ![...channels.keys()].every((n, i) => n === FIRST_CHANNEL + i)
  ) {
    throw new Error(
      `channel-data set-up failed: state ${client.state}, channels ${[...channels.keys()]}`,
    );
  }
  return { client, socket, channels, received };
}

/** Channel numbers: the client's three, others in the ChannelData range, and beyond it. */
const channelNumber = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: FIRST_CHANNEL, max: FIRST_CHANNEL + 2 }) },
  { weight: 2, arbitrary: fc.integer({ min: FIRST_CHANNEL + 3, max: 0x4fff }) },
  { weight: 1, arbitrary: fc.constantFrom(0x3fff, 0x5000, 0x7fff, 0xffff) },
);

/** Frames as a server sends them, padded to 4 or not, with length fields that tell the truth or lie. */
const channelFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        channel: channelNumber,
        data: fc.oneof(
          { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }) },
          { weight: 1, arbitrary: fc.constantFrom(0, 1, 160, 1500).map((n) => new Uint8Array(n)) },
        ),
        declared: fc.oneof(
          { weight: 4, arbitrary: fc.constant('true' as const) },
          { weight: 1, arbitrary: fc.constant('shorter' as const) },
          { weight: 1, arbitrary: fc.constant('longer' as const) },
          { weight: 1, arbitrary: fc.constantFrom(0, 1, 0xfffb, 0xffff) },
        ),
        padding: fc.oneof(
          { weight: 3, arbitrary: fc.constant(-1) },
          { weight: 1, arbitrary: fc.nat({ max: 64 }) },
        ),
        cut: fc.nat({ max: 100 }),
      })
      .map(({ channel, data, declared, padding, cut }) => {
        const length = data.length;
        const field =
          declared === 'true'
            ? length
            : declared === 'shorter'
              ? cut % (length + 1)
              : declared === 'longer'
                ? length + 1 + cut
                : declared;
        // -1: padded to a multiple of 4, as RFC 8656 §12.5 lets a server do over UDP.
        const pad = padding === -1 ? (4 - (length % 4)) % 4 : padding;
        return channelData(channel, data, field, pad);
      }),
  },
  // Shorter than the 4-byte header.
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 2 }).map((rest) => Uint8Array.from([0x40, ...rest])),
  },
);

export const channelDataTarget: FuzzTarget<Uint8Array> = {
  name: 'channel-data',
  contract:
    'ChannelData (RFC 8656 §12.4) of any length, padding or channel number reaches a client ' +
    'holding an allocation and channels: from its server, on a channel it bound (or is binding), ' +
    'with a length field that fits, it is delivered once with exactly the bytes the field ' +
    "counts, to that channel's peer; anything else is delivered to no one; each datagram is " +
    'counted once; the handler never throws',
  modules: ['src-main/net/turn-client.ts', 'src-main/net/packet-kind.ts'],
  async: true,
  input: () =>
    fc.oneof(
      { weight: 2, arbitrary: channelFrame },
      { weight: 1, arbitrary: mutatedBytes(channelFrame) },
    ),
  async execute(input) {
    channelSetup ??= setUpChannels();
    const { socket, channels, received } = await channelSetup;
    const datagram = Buffer.from(input);
    const kind = mustNotThrow('classifyPacket', () => classifyPacket(datagram, 'media'));
    check(
      ['stun', 'turn-channel', 'rtp', 'unknown'].includes(kind),
      `media socket classified ${kind}`,
    );
    for (const from of [SERVER, STRANGER]) {
      received.length = 0;
      socket.deliver(datagram, from);
      if (kind !== 'turn-channel') continue;
      const peer = datagram.length >= 4 ? channels.get(datagram.readUInt16BE(0)) : undefined;
      const declared = datagram.length >= 4 ? datagram.readUInt16BE(2) : Infinity;
      const deliverable = from === SERVER && peer !== undefined && declared <= datagram.length - 4;
      if (!deliverable) {
        check(received.length === 0, 'ChannelData delivered that should have been dropped');
        continue;
      }
      check(received.length === 1, `ChannelData delivered ${received.length} times, not once`);
      const [delivered] = received;
      check(
        delivered!.data.equals(datagram.subarray(4, 4 + declared)),
        'ChannelData delivered with other bytes than its length field counts',
      );
      check(
        delivered!.peer.address === peer.address && delivered!.peer.port === peer.port,
        "ChannelData delivered as another peer's",
      );
    }
  },
  dispose: async () => {
    const setup = channelSetup;
    channelSetup = null;
    await setup?.then(
      ({ client }) => client.close(),
      () => undefined,
    );
  },
  ...bytesCodec,
};
