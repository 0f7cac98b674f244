/**
 * A flood of hostile datagrams, as a SIP scanner or a forger on the internet sends them, run
 * inside the lab's internet namespace:
 *
 *   ip netns exec NS node dist/test/lab/support/flood.js '<FloodPlan as JSON>'
 *
 * It sends `count` datagrams at `ratePerSecond` (paced against the start time, in 5 ms slices),
 * cycling through the kinds asked for, and prints one JSON line: what it sent, by kind, and how
 * fast. With `probeOptions` it instead sends one OPTIONS from `registrar` and prints the answer.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface FloodAddress {
  address: string;
  port: number;
}

export type FloodKind =
  | 'sip-malformed'
  | 'registrar-malformed'
  | 'sip-oversized'
  | 'sip-stranger'
  | 'invite-flood'
  | 'stun-forged'
  | 'rtp-random'
  | 'rtp-forged'
  | 'rtcp-forged'
  | 'channeldata';

export interface FloodPlan {
  /** The engine's public SIP address (the router's mapped port). */
  sip: FloodAddress;
  /** The call's public RTP address, or null before a call: media kinds then go to `sip`. */
  rtp: FloodAddress | null;
  /** The SSRC the engine receives on the call, for forgeries that name it. */
  ssrc: number | null;
  count: number;
  ratePerSecond: number;
  kinds: FloodKind[];
  /** Source addresses of strangers (addresses of the namespace), one socket each. */
  strangers: string[];
  /** Where the INVITE flood comes from: the registrar's address (port 0: any free port). */
  registrar: FloodAddress;
  /** The account's user, for requests that look like real calls. */
  user: string;
  seed?: number;
}

export interface FloodReport {
  sent: number;
  failed: number;
  byKind: Record<string, number>;
  elapsedMs: number;
  ratePerSecond: number;
  /** When the last datagram went out (epoch ms); answers are read for a moment after it. */
  endedAt: number;
  /**
   * What the registrar's socket got back for its INVITEs, by status code: how many calls (Call-IDs)
   * were answered with it. A call can appear under 180 and then under 200 or 486.
   */
  inviteAnswers: Record<string, number>;
}

/** How long answers are still read after the last datagram went out. */
const LINGER_MS = 1000;

const SLICE_MS = 5;

/** A scanner's few identities, as the registrar would relay its calls. */
const SCANNER_USERS = ['100', '1001', '2000'];

/** A small deterministic generator (xorshift32), so a run can be repeated. */
function generator(seed: number) {
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    int: (below: number) => next() % below,
    bytes: (length: number) => {
      const out = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}

type Random = ReturnType<typeof generator>;

function sipRequest(
  method: string,
  uri: string,
  from: FloodAddress,
  random: Random,
  options: { body?: string; extra?: string[]; fromUser?: string } = {},
): string {
  const tag = random.int(1e9).toString(36);
  const body = options.body ?? '';
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${from.address}:${from.port};branch=z9hG4bK${tag}${random.int(1e9)};rport`,
    `From: "scanner" <sip:${options.fromUser ?? random.int(9999)}@${from.address}>;tag=${tag}`,
    `To: <${uri}>`,
    `Call-ID: ${tag}-${random.int(1e9).toString(36)}@${from.address}`,
    `CSeq: ${1 + random.int(1000)} ${method}`,
    `Contact: <sip:scanner@${from.address}:${from.port}>`,
    'Max-Forwards: 70',
    ...(options.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function offer(from: FloodAddress, random: Random): string {
  return [
    'v=0',
    `o=- ${random.int(1e9)} 1 IN IP4 ${from.address}`,
    's=-',
    `c=IN IP4 ${from.address}`,
    't=0 0',
    `m=audio ${10_000 + 2 * random.int(20_000)} RTP/AVP 0 8 101`,
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
}

function malformedSip(
  plan: FloodPlan,
  from: FloodAddress,
  random: Random,
  fromUser?: string,
): Buffer {
  const uri = `sip:${plan.user}@${plan.sip.address}:${plan.sip.port}`;
  const valid = sipRequest('INVITE', uri, from, random, {
    body: offer(from, random),
    ...(fromUser === undefined ? {} : { fromUser }),
  });
  switch (random.int(8)) {
    case 0:
      return random.bytes(1 + random.int(1200));
    case 1:
      return Buffer.from(valid.slice(0, random.int(valid.length)));
    case 2:
      return Buffer.from(
        valid.replace(/Content-Length: \d+/, `Content-Length: ${random.int(1e9)}`),
      );
    case 3:
      return Buffer.from(valid.replace('SIP/2.0', `SIP/${random.int(9)}.${random.int(9)}`));
    case 4:
      return Buffer.from(valid.replace(/\r\nVia:[^\r]*/, ''));
    case 5:
      return Buffer.from(`SIP/2.0 ${100 + random.int(600)} Whatever\r\nCSeq: x\r\n\r\n`);
    case 6: {
      const text = Buffer.from(valid);
      for (let i = 0; i < 8; i++) text[random.int(text.length)] = random.int(256);
      return text;
    }
    default:
      return Buffer.from(`${valid.slice(0, 60)}\0\0\0${random.bytes(40).toString('latin1')}`);
  }
}

function stunAnswer(random: Random): Buffer {
  // A Binding success (or error) response for a transaction nobody started, with a
  // XOR-MAPPED-ADDRESS pointing at a forger.
  const success = random.int(4) !== 0;
  const attribute = Buffer.alloc(12);
  attribute.writeUInt16BE(0x0020, 0);
  attribute.writeUInt16BE(8, 2);
  attribute.writeUInt8(1, 5);
  attribute.writeUInt16BE(6666 ^ 0x2112, 6);
  attribute.writeUInt32BE((0x06060606 ^ 0x2112a442) >>> 0, 8);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(success ? 0x0101 : 0x0111, 0);
  header.writeUInt16BE(attribute.length, 2);
  header.writeUInt32BE(0x2112a442, 4);
  random.bytes(12).copy(header, 8);
  return Buffer.concat([header, attribute]);
}

function rtp(ssrc: number, random: Random): Buffer {
  const packet = Buffer.alloc(12 + 160);
  packet[0] = 0x80;
  packet[1] = random.int(2) ? 0 : 0x80; // PCMU, with and without the marker bit
  packet.writeUInt16BE(random.int(0x10000), 2);
  packet.writeUInt32BE(random.int(0x100000000), 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
  random.bytes(160).copy(packet, 12);
  return packet;
}

function rtcp(ssrc: number, random: Random): Buffer {
  if (random.int(2)) {
    // BYE naming the remote's SSRC.
    const bye = Buffer.alloc(8);
    bye.writeUInt8(0x81, 0);
    bye.writeUInt8(203, 1);
    bye.writeUInt16BE(1, 2);
    bye.writeUInt32BE(ssrc >>> 0, 4);
    return bye;
  }
  // A sender report in the remote's name, with a report block about an SSRC made up.
  const sr = Buffer.alloc(52);
  sr.writeUInt8(0x81, 0);
  sr.writeUInt8(200, 1);
  sr.writeUInt16BE(12, 2);
  sr.writeUInt32BE(ssrc >>> 0, 4);
  random.bytes(44).copy(sr, 8);
  return sr;
}

function channelData(random: Random): Buffer {
  const length = random.int(200);
  const packet = Buffer.alloc(4 + length);
  packet.writeUInt16BE(0x4000 + random.int(0x4000), 0);
  // Sometimes a length that lies.
  packet.writeUInt16BE(random.int(4) ? length : random.int(0x10000), 2);
  random.bytes(length).copy(packet, 4);
  return packet;
}

interface Datagram {
  data: Buffer;
  to: FloodAddress;
  /** Index into the plan's sockets: 0 is the registrar's, 1.. the strangers'. */
  from: number;
}

function datagramOf(
  kind: FloodKind,
  plan: FloodPlan,
  sources: FloodAddress[],
  random: Random,
): Datagram {
  const stranger = 1 + random.int(Math.max(1, sources.length - 1));
  const strangerAddress = sources[stranger] ?? sources[0]!;
  const media = plan.rtp ?? plan.sip;
  const uri = `sip:${plan.user}@${plan.sip.address}:${plan.sip.port}`;
  switch (kind) {
    case 'sip-malformed':
      return { data: malformedSip(plan, strangerAddress, random), to: plan.sip, from: stranger };
    case 'registrar-malformed': {
      // The scanner's identities again: what still reads as a call after the damage is its call.
      const fromUser = SCANNER_USERS[random.int(SCANNER_USERS.length)];
      return { data: malformedSip(plan, sources[0]!, random, fromUser), to: plan.sip, from: 0 };
    }
    case 'sip-oversized': {
      const pad = `X-Pad: ${'A'.repeat(3000 + random.int(6000))}`;
      const data = sipRequest('OPTIONS', uri, strangerAddress, random, { extra: [pad] });
      return { data: Buffer.from(data), to: plan.sip, from: stranger };
    }
    case 'sip-stranger': {
      const method = ['OPTIONS', 'INVITE', 'MESSAGE', 'BYE', 'REGISTER', 'NOTIFY'][random.int(6)]!;
      const body = method === 'INVITE' ? offer(strangerAddress, random) : '';
      const data = sipRequest(method, uri, strangerAddress, random, { body });
      return { data: Buffer.from(data), to: plan.sip, from: stranger };
    }
    case 'invite-flood': {
      const from = sources[0]!;
      const fromUser = SCANNER_USERS[random.int(SCANNER_USERS.length)];
      const data = sipRequest('INVITE', uri, from, random, { body: offer(from, random), fromUser });
      return { data: Buffer.from(data), to: plan.sip, from: 0 };
    }
    case 'stun-forged':
      return { data: stunAnswer(random), to: random.int(2) ? plan.sip : media, from: stranger };
    case 'rtp-random': {
      const data = random.bytes(12 + random.int(300));
      data[0] = 0x80 | ((data[0] ?? 0) & 0x3f);
      return { data, to: media, from: stranger };
    }
    case 'rtp-forged':
      return { data: rtp(plan.ssrc ?? random.int(0x100000000), random), to: media, from: stranger };
    case 'rtcp-forged':
      return {
        data: rtcp(plan.ssrc ?? random.int(0x100000000), random),
        to: media,
        from: stranger,
      };
    case 'channeldata':
      return { data: channelData(random), to: random.int(2) ? plan.sip : media, from: stranger };
  }
}

async function bindSocket(
  address: string,
  port: number,
  onMessage: (message: Buffer) => void = () => undefined,
): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', onMessage);
  socket.on('error', () => undefined);
  await new Promise<void>((resolveBind, rejectBind) => {
    socket.once('error', rejectBind);
    socket.bind(port, address, () => {
      socket.off('error', rejectBind);
      resolveBind();
    });
  });
  return socket;
}

/** Counts, by status, the calls whose INVITE got that answer (retransmissions counted once). */
function inviteAnswerCounter() {
  const calls = new Map<string, Set<string>>();
  return {
    onMessage(message: Buffer): void {
      const text = message.toString('latin1');
      const status = /^SIP\/2\.0 (\d{3}) /.exec(text)?.[1];
      if (!status || !/\r\nCSeq:\s*\d+\s+INVITE\r\n/i.test(text)) return;
      const callId = /\r\nCall-ID:\s*([^\r]+)/i.exec(text)?.[1] ?? '';
      const seen = calls.get(status) ?? new Set<string>();
      seen.add(callId);
      calls.set(status, seen);
    },
    counts: (): Record<string, number> =>
      Object.fromEntries([...calls].map(([status, ids]) => [status, ids.size])),
  };
}

export async function flood(plan: FloodPlan): Promise<FloodReport> {
  const answers = inviteAnswerCounter();
  const sockets = [
    await bindSocket(plan.registrar.address, plan.registrar.port, (message) =>
      answers.onMessage(message),
    ),
    ...(await Promise.all(plan.strangers.map((address) => bindSocket(address, 0)))),
  ];
  const sources = sockets.map((socket) => {
    const bound = socket.address();
    return { address: bound.address, port: bound.port };
  });
  const random = generator(plan.seed ?? 1);
  const byKind: Record<string, number> = {};
  let issued = 0;
  let failed = 0;
  let pending = 0;
  const started = performance.now();
  while (issued < plan.count) {
    const due = Math.min(
      plan.count,
      Math.floor(((performance.now() - started) * plan.ratePerSecond) / 1000) + 1,
    );
    while (issued < due && pending < 2000) {
      const kind = plan.kinds[issued % plan.kinds.length]!;
      const datagram = datagramOf(kind, plan, sources, random);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      pending++;
      sockets[datagram.from]!.send(
        datagram.data,
        datagram.to.port,
        datagram.to.address,
        (error) => {
          pending--;
          if (error) failed++;
        },
      );
      issued++;
    }
    await new Promise((resolveSlice) => setTimeout(resolveSlice, SLICE_MS));
  }
  while (pending > 0) await new Promise((resolveDrain) => setTimeout(resolveDrain, SLICE_MS));
  const elapsedMs = performance.now() - started;
  const endedAt = Date.now();
  await new Promise((resolveLinger) => setTimeout(resolveLinger, LINGER_MS));
  for (const socket of sockets) socket.close();
  return {
    sent: issued - failed,
    failed,
    byKind,
    elapsedMs: Math.round(elapsedMs),
    ratePerSecond: Math.round(((issued - failed) * 1000) / elapsedMs),
    endedAt,
    inviteAnswers: answers.counts(),
  };
}

/** One OPTIONS from the registrar's address; resolves with the answer's status line, or null. */
export async function probeOptions(plan: FloodPlan, timeoutMs = 3000): Promise<string | null> {
  const socket = await bindSocket(plan.registrar.address, plan.registrar.port);
  const bound = socket.address();
  const uri = `sip:${plan.user}@${plan.sip.address}:${plan.sip.port}`;
  const request = sipRequest(
    'OPTIONS',
    uri,
    { address: bound.address, port: bound.port },
    generator(plan.seed ?? 7),
  );
  const callId = /\r\nCall-ID: ([^\r]+)/.exec(request)?.[1] ?? '';
  const answer = new Promise<string | null>((resolveAnswer) => {
    const timer = setTimeout(() => resolveAnswer(null), timeoutMs);
    socket.on('message', (message) => {
      const text = message.toString('latin1');
      const line = text.split('\r\n')[0] ?? '';
      // Only the answer to this OPTIONS: the engine may still be answering a flood's requests.
      if (!line.startsWith('SIP/2.0') || !/\r\nCSeq:\s*\d+\s+OPTIONS\r\n/i.test(text)) return;
      if (!text.includes(callId)) return;
      clearTimeout(timer);
      resolveAnswer(line);
    });
  });
  for (let attempt = 0; attempt < 3; attempt++) {
    socket.send(request, plan.sip.port, plan.sip.address);
    const line = await Promise.race([
      answer,
      new Promise<undefined>((resolveLater) => setTimeout(() => resolveLater(undefined), 500)),
    ]);
    if (line !== undefined) {
      socket.close();
      return line;
    }
  }
  const line = await answer;
  socket.close();
  return line;
}

const isMain = process.argv[1]?.endsWith('flood.js') === true;
if (isMain) {
  const [mode, json] =
    process.argv[2] === '--probe-options' ? ['probe', process.argv[3]] : ['flood', process.argv[2]];
  const plan = JSON.parse(json ?? '{}') as FloodPlan;
  plan.seed ??= randomBytes(4).readUInt32BE(0);
  if (mode === 'probe') {
    process.stdout.write(`${JSON.stringify({ answer: await probeOptions(plan) })}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(await flood(plan))}\n`);
  }
}
