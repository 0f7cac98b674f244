/**
 * What a TURN relay adds to a call's round trip, seen on the client's own wire: every RTP packet
 * we send to the comedia provider (`-rtp_echo`) comes back as a byte-for-byte copy, so the time
 * between a sequence number leaving and the same one returning is the round trip. Relayed, the
 * RTP travels inside TURN ChannelData or Send/Data indications; both are unwrapped here.
 */
import { isRtp, startCapture, type UdpPacket } from '../lab/support/capture.js';
import type { Lab } from '../lab/support/netns-lab.js';
import { LAB_USER, runNatter } from '../lab/support/peers.js';
import {
  startTurnServer,
  TURN_ADDRESS,
  TURN_PASSWORD,
  TURN_USER,
} from '../lab/support/turn-server.js';
import { percentile } from './stats.js';

export type Carrier = 'plain' | 'channel-data' | 'indication';

const STUN_MAGIC_COOKIE = 0x2112a442;
const SEND_INDICATION = 0x0016;
const DATA_INDICATION = 0x0017;
const ATTRIBUTE_DATA = 0x0013;

/** The RTP packet a UDP payload carries, and how: bare, in ChannelData, or in an indication. */
export function rtpInside(payload: Buffer): { rtp: Buffer; carrier: Carrier } | null {
  if (isRtp(payload)) return { rtp: payload, carrier: 'plain' };
  const first = payload[0];
  if (first === undefined || payload.length < 4) return null;
  if (first >= 0x40 && first <= 0x7f) {
    // The length field, not the datagram, bounds the data: a server may pad to 4 bytes.
    const length = payload.readUInt16BE(2);
    const rtp = payload.subarray(4, 4 + length);
    return rtp.length === length && isRtp(rtp) ? { rtp, carrier: 'channel-data' } : null;
  }
  if (payload.length < 20 || payload.readUInt32BE(4) !== STUN_MAGIC_COOKIE) return null;
  const type = payload.readUInt16BE(0);
  if (type !== SEND_INDICATION && type !== DATA_INDICATION) return null;
  const end = Math.min(payload.length, 20 + payload.readUInt16BE(2));
  for (let at = 20; at + 4 <= end;) {
    const attribute = payload.readUInt16BE(at);
    const length = payload.readUInt16BE(at + 2);
    if (attribute === ATTRIBUTE_DATA) {
      const rtp = payload.subarray(at + 4, at + 4 + length);
      return rtp.length === length && isRtp(rtp) ? { rtp, carrier: 'indication' } : null;
    }
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return null;
}

export interface RoundTrips {
  /** Milliseconds from a packet leaving to its echo arriving, in sending order. */
  samples: number[];
  /** Our RTP packets on the wire, by how they were carried. */
  sent: Record<Carrier, number>;
  echoed: number;
}

/**
 * Pairs each RTP packet `local` sent with the first copy of it (same SSRC and sequence number)
 * that came back. The first `warmupSeconds` of sending are left out: call set-up, TURN
 * permissions and channel binding, not the steady path.
 */
export function roundTrips(packets: UdpPacket[], local: string, warmupSeconds = 1): RoundTrips {
  const sent: Record<Carrier, number> = { plain: 0, 'channel-data': 0, indication: 0 };
  const pending = new Map<string, number>();
  const samples: number[] = [];
  let firstSent: number | null = null;
  let echoed = 0;
  for (const packet of [...packets].sort((a, b) => a.time - b.time)) {
    const inside = rtpInside(packet.payload);
    if (!inside) continue;
    const key = `${inside.rtp.readUInt32BE(8)}:${inside.rtp.readUInt16BE(2)}`;
    if (packet.src === local) {
      sent[inside.carrier] += 1;
      firstSent ??= packet.time;
      // A sequence number repeats only after 65536 packets (22 minutes): far beyond one run.
      if (packet.time - firstSent >= warmupSeconds) pending.set(key, packet.time);
    } else if (packet.dst === local) {
      const at = pending.get(key);
      if (at === undefined) continue;
      pending.delete(key);
      echoed += 1;
      samples.push((packet.time - at) * 1000);
    }
  }
  return { samples, sent, echoed };
}

export interface PathRoundTrip {
  p50: number;
  p90: number;
  samples: number;
  sent: Record<Carrier, number>;
}

export interface RelayLatency {
  direct: PathRoundTrip;
  relayed: PathRoundTrip;
}

interface CallReport {
  answered?: boolean;
  rtp?: { sent: number; received: number };
  relay?: { state: string; relayed: { address: string; port: number } | null; error: unknown };
}

/**
 * One call to the echo number, direct (STUN only) or forced through the relay, captured on the
 * client's interface for the whole call.
 */
async function callRoundTrip(
  lab: Lab,
  options: { server: string; stun: string; seconds: number; turn: string | null },
): Promise<PathRoundTrip> {
  const wire = await startCapture(lab, lab.client, lab.clientInterface, 'udp');
  const run = await runNatter(
    lab,
    [
      'call',
      '4443',
      '--server',
      options.server,
      '--user',
      LAB_USER,
      '--stun',
      options.stun,
      ...(options.turn
        ? ['--turn', options.turn, '--turn-user', TURN_USER, '--turn-policy', 'always']
        : []),
      '--seconds',
      String(options.seconds),
      '--json',
    ],
    { env: { NATTER_TURN_PASSWORD: TURN_PASSWORD }, timeoutMs: (options.seconds + 30) * 1000 },
  );
  const packets = await wire.stop();
  const path = options.turn ? 'relayed' : 'direct';
  const report = run.json as CallReport | null;
  if (!report?.answered || !report.rtp?.received) {
    throw new Error(`${path} call without audio both ways: ${run.stderr.trim() || run.stdout}`);
  }
  const trips = roundTrips(packets, lab.clientAddress);
  if (options.turn) {
    if (report.relay?.relayed?.address !== TURN_ADDRESS) {
      throw new Error(`the call was not relayed: ${JSON.stringify(report.relay ?? null)}`);
    }
    // A relayed call that still sent RTP straight to the provider would measure the wrong path.
    if (trips.sent.plain > 0) {
      throw new Error(`relayed call sent ${trips.sent.plain} RTP packets outside the relay`);
    }
  }
  if (trips.samples.length < options.seconds * 25) {
    throw new Error(
      `${path} call: only ${trips.samples.length} of ${trips.sent.plain + trips.sent['channel-data'] + trips.sent.indication} RTP packets came back`,
    );
  }
  return {
    p50: percentile(trips.samples, 50),
    p90: percentile(trips.samples, 90),
    samples: trips.samples.length,
    sent: trips.sent,
  };
}

/**
 * The RTP round trip of a direct call and of one relayed through coturn, in a lab that already
 * runs the comedia provider with `-rtp_echo` and the STUN servers.
 */
export async function measureRelayLatency(
  lab: Lab,
  options: { server: string; stun: string; seconds: number },
): Promise<RelayLatency> {
  const turn = await startTurnServer(lab);
  try {
    const direct = await callRoundTrip(lab, { ...options, turn: null });
    const relayed = await callRoundTrip(lab, { ...options, turn: turn.server }).catch(
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${reason}\ncoturn said: ${turn.output().slice(-600)}`);
      },
    );
    return { direct, relayed };
  } finally {
    turn.process.kill('SIGTERM');
  }
}
