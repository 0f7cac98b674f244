/**
 * Packet captures in the lab (tshark writing classic pcap) and what they show: the SIP messages
 * on the wire with their source addresses, Contact and SDP, and RTP counted by source and
 * destination. The pcap is read here, not by tshark's dissectors, so what is parsed is exactly
 * the bytes that crossed the interface.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from './netns-lab.js';
import { delay, waitFor } from './wait.js';

const STOP_GRACE_MS = 750;

export interface UdpPacket {
  /** Seconds since the epoch, with microseconds. */
  time: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  payload: Buffer;
}

export interface Capture {
  file: string;
  /** Stops tshark (the file is complete once this resolves) and returns the UDP packets. */
  stop(): Promise<UdpPacket[]>;
}

/** Starts tshark on `iface` inside `ns`; resolves once it is capturing. */
export async function startCapture(
  lab: Lab,
  ns: string,
  iface: string,
  filter = 'udp',
): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-capture-'));
  const file = join(dir, `${iface}.pcap`);
  const child = lab.spawn(ns, 'tshark', [
    '-q',
    '-n',
    '-i',
    iface,
    '-f',
    filter,
    '-F',
    'pcap',
    '-w',
    file,
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  // tshark loads every dissector before it captures: seconds of CPU, more on a busy machine.
  const capturing = await waitFor(
    () => output.includes('Capturing on') || child.exitCode !== null,
    30_000,
  );
  if (!capturing || child.exitCode !== null) {
    throw new Error(`tshark did not start on ${ns}/${iface}: ${output.slice(-500)}`);
  }
  let stopped: Promise<UdpPacket[]> | null = null;
  return {
    file,
    stop: () => {
      stopped ??= (async () => {
        // dumpcap reads the kernel's buffer in batches and drops what is left when told to
        // stop: let it catch up with the last packets first.
        await delay(STOP_GRACE_MS);
        child.kill('SIGINT');
        const gone = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolveLate) => setTimeout(() => resolveLate(false), 5000)),
        ]);
        if (!gone) child.kill('SIGKILL');
        return readPcap(file);
      })();
      return stopped;
    },
  };
}

/** The UDP-over-IPv4 packets of a classic pcap file (Ethernet or Linux cooked link types). */
export function readPcap(file: string): UdpPacket[] {
  if (!existsSync(file)) return [];
  const data = readFileSync(file);
  if (data.length < 24) return [];
  const magic = data.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && data.readUInt32BE(0) !== 0xa1b2c3d4 && data.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${file} is not a classic pcap file`);
  }
  const nanos = (little ? data.readUInt32LE(0) : data.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (offset: number) => (little ? data.readUInt32LE(offset) : data.readUInt32BE(offset));
  const linkType = u32(20);
  const packets: UdpPacket[] = [];
  let offset = 24;
  while (offset + 16 <= data.length) {
    const seconds = u32(offset);
    const fraction = u32(offset + 4);
    const captured = u32(offset + 8);
    const frame = data.subarray(offset + 16, offset + 16 + captured);
    offset += 16 + captured;
    const ip = ipv4Of(frame, linkType);
    if (!ip) continue;
    const headerLength = (ip[0]! & 0x0f) * 4;
    if (ip[9] !== 17 || ip.length < headerLength + 8) continue;
    const fragment = ip.readUInt16BE(6) & 0x3fff;
    if (fragment !== 0) continue;
    const udp = ip.subarray(headerLength);
    const udpLength = udp.readUInt16BE(4);
    packets.push({
      time: seconds + fraction / (nanos ? 1e9 : 1e6),
      src: ip.subarray(12, 16).join('.'),
      dst: ip.subarray(16, 20).join('.'),
      sport: udp.readUInt16BE(0),
      dport: udp.readUInt16BE(2),
      payload: Buffer.from(udp.subarray(8, Math.min(udpLength, udp.length))),
    });
  }
  return packets;
}

export interface TcpSegment {
  time: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** SYN without ACK: a connection being opened by `src`. */
  syn: boolean;
  rst: boolean;
  payload: Buffer;
}

/** The TCP segments of a classic pcap file (what a capture with a `tcp` filter holds). */
export function readTcpSegments(file: string): TcpSegment[] {
  if (!existsSync(file)) return [];
  const data = readFileSync(file);
  if (data.length < 24) return [];
  const little = data.readUInt32LE(0) === 0xa1b2c3d4 || data.readUInt32LE(0) === 0xa1b23c4d;
  const nanos = (little ? data.readUInt32LE(0) : data.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (offset: number) => (little ? data.readUInt32LE(offset) : data.readUInt32BE(offset));
  const linkType = u32(20);
  const segments: TcpSegment[] = [];
  let offset = 24;
  while (offset + 16 <= data.length) {
    const time = u32(offset) + u32(offset + 4) / (nanos ? 1e9 : 1e6);
    const captured = u32(offset + 8);
    const frame = data.subarray(offset + 16, offset + 16 + captured);
    offset += 16 + captured;
    const ip = ipv4Of(frame, linkType);
    if (!ip || ip[9] !== 6) continue;
    const headerLength = (ip[0]! & 0x0f) * 4;
    const total = Math.min(ip.readUInt16BE(2), ip.length);
    const tcp = ip.subarray(headerLength, total);
    if (tcp.length < 20) continue;
    const flags = tcp[13]!;
    segments.push({
      time,
      src: ip.subarray(12, 16).join('.'),
      dst: ip.subarray(16, 20).join('.'),
      sport: tcp.readUInt16BE(0),
      dport: tcp.readUInt16BE(2),
      syn: (flags & 0x12) === 0x02,
      rst: (flags & 0x04) !== 0,
      payload: Buffer.from(tcp.subarray((tcp[12]! >> 4) * 4)),
    });
  }
  return segments;
}

function ipv4Of(frame: Buffer, linkType: number): Buffer | null {
  let etherType: number;
  let start: number;
  if (linkType === 1) {
    // Ethernet, possibly with one VLAN tag.
    if (frame.length < 14) return null;
    etherType = frame.readUInt16BE(12);
    start = 14;
    if (etherType === 0x8100 && frame.length >= 18) {
      etherType = frame.readUInt16BE(16);
      start = 18;
    }
  } else if (linkType === 113) {
    // Linux cooked capture (SLL).
    if (frame.length < 16) return null;
    etherType = frame.readUInt16BE(14);
    start = 16;
  } else if (linkType === 101 || linkType === 228) {
    etherType = 0x0800;
    start = 0;
  } else {
    return null;
  }
  if (etherType !== 0x0800 || frame.length < start + 20) return null;
  const ip = frame.subarray(start);
  return ip[0]! >> 4 === 4 ? ip : null;
}

/** RFC 7983: the first byte of RTP and RTCP is 128–191; RTCP packet types are 192–223. */
export function isRtp(payload: Buffer): boolean {
  if (payload.length < 12) return false;
  const first = payload[0]!;
  const packetType = payload[1]!;
  return first >= 128 && first <= 191 && !(packetType >= 192 && packetType <= 223);
}

export interface Endpoint {
  address?: string;
  port?: number;
}

function matches(address: string, port: number, endpoint: Endpoint | undefined): boolean {
  if (!endpoint) return true;
  if (endpoint.address !== undefined && endpoint.address !== address) return false;
  if (endpoint.port !== undefined && endpoint.port !== port) return false;
  return true;
}

/** RTP packets (not RTCP, STUN or SIP) from `from` to `to`; an omitted side matches anything. */
export function rtpPackets(
  packets: UdpPacket[],
  filter: { from?: Endpoint; to?: Endpoint } = {},
): UdpPacket[] {
  return packets.filter(
    (packet) =>
      isRtp(packet.payload) &&
      matches(packet.src, packet.sport, filter.from) &&
      matches(packet.dst, packet.dport, filter.to),
  );
}

/** RTP flows as `src:sport>dst:dport` → packet count. */
export function rtpFlows(packets: UdpPacket[]): Map<string, number> {
  const flows = new Map<string, number>();
  for (const packet of rtpPackets(packets)) {
    const key = `${packet.src}:${packet.sport}>${packet.dst}:${packet.dport}`;
    flows.set(key, (flows.get(key) ?? 0) + 1);
  }
  return flows;
}

export interface SipPacket {
  time: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  text: string;
  startLine: string;
  /** The request method, or null for a response. */
  method: string | null;
  /** The response status, or null for a request. */
  status: number | null;
  callId: string | null;
  cseq: { number: number; method: string } | null;
  /** The branch of the topmost Via. */
  branch: string | null;
  contact: string | null;
  expires: string | null;
  sdp: { connection: string | null; audioPort: number | null } | null;
}

const SIP_START = /^(?:([A-Z]+) \S+ SIP\/2\.0|SIP\/2\.0 (\d{3}) .*)$/;

/** The SIP messages among the packets (keepalive CRLFs, STUN and RTP are left out). */
export function sipPackets(packets: UdpPacket[]): SipPacket[] {
  const messages: SipPacket[] = [];
  for (const packet of packets) {
    const first = packet.payload[0];
    if (first === undefined || first < 0x41 || first > 0x5a) continue;
    const text = packet.payload.toString('latin1');
    const startLine = text.split(/\r?\n/, 1)[0] ?? '';
    const start = SIP_START.exec(startLine);
    if (!start) continue;
    const cseq = /^(\d+)\s+(\S+)$/.exec(header(text, 'CSeq') ?? '');
    const body = text
      .split(/\r?\n\r?\n/)
      .slice(1)
      .join('\n\n');
    messages.push({
      time: packet.time,
      src: packet.src,
      sport: packet.sport,
      dst: packet.dst,
      dport: packet.dport,
      text,
      startLine,
      method: start[1] ?? null,
      status: start[2] === undefined ? null : Number(start[2]),
      callId: header(text, 'Call-ID', 'i'),
      cseq: cseq?.[1] && cseq[2] ? { number: Number(cseq[1]), method: cseq[2] } : null,
      branch: /;\s*branch=([^;,\s]+)/i.exec(header(text, 'Via', 'v') ?? '')?.[1] ?? null,
      contact: header(text, 'Contact', 'm'),
      expires: header(text, 'Expires'),
      sdp: body.includes('v=0') ? sdpOf(body) : null,
    });
  }
  return messages;
}

/** SIP requests, optionally of one method. */
export function sipRequests(packets: UdpPacket[], method?: string): SipPacket[] {
  return sipPackets(packets).filter(
    (message) => message.method !== null && (method === undefined || message.method === method),
  );
}

/** A header's value (the first one), by full or compact name. */
export function header(message: string, name: string, compact?: string): string | null {
  const head = message.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const names = compact ? `(?:${name}|${compact})` : name;
  const match = new RegExp(`^${names}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim() ?? null;
}

/**
 * The audio connection address and port of an SDP (inside a SIP message or alone). A media-level
 * `c=` under `m=audio` wins over the session-level one, as RFC 4566 says.
 */
export function sdpOf(message: string): { connection: string | null; audioPort: number | null } {
  const lines = message.split(/\r?\n/);
  let session: string | null = null;
  let media: string | null = null;
  let audioPort: number | null = null;
  let section: 'session' | 'audio' | 'other' = 'session';
  for (const line of lines) {
    const audio = /^m=audio (\d+)/.exec(line);
    if (audio?.[1]) {
      if (audioPort !== null) break;
      audioPort = Number(audio[1]);
      section = 'audio';
      continue;
    }
    if (line.startsWith('m=')) {
      section = 'other';
      continue;
    }
    const connection = /^c=IN IP4 (\S+)/.exec(line)?.[1];
    if (!connection) continue;
    if (section === 'session') session = connection;
    else if (section === 'audio') media = connection;
  }
  return { connection: media ?? session, audioPort };
}

/** The `host:port` of a SIP URI in a Contact header (or a bare URI). */
export function contactHostPort(contact: string | null): { address: string; port: number } | null {
  const match = /sips?:(?:[^@>;]*@)?([\d.]+)(?::(\d+))?/.exec(contact ?? '');
  if (!match?.[1]) return null;
  return { address: match[1], port: match[2] ? Number(match[2]) : 5060 };
}

/**
 * The SIP messages that crossed `before` (a capture on the sending side of the router) and of
 * which no identical copy crossed `after` (the receiving side): lost for good, unless the
 * protocol repaired the loss. NAT rewrites addresses in the IP header only, so a message is
 * recognised on both sides by its bytes.
 */
export function undelivered(before: SipPacket[], after: SipPacket[]): SipPacket[] {
  const passed = new Set(after.map((message) => message.text));
  const lost = new Map<string, SipPacket>();
  for (const message of before) {
    if (!passed.has(message.text) && !lost.has(message.text)) lost.set(message.text, message);
  }
  return [...lost.values()];
}

/** Messages that are byte-for-byte copies of an earlier one: retransmissions. */
export function retransmissions(messages: SipPacket[]): SipPacket[] {
  const seen = new Set<string>();
  const copies: SipPacket[] = [];
  for (const message of [...messages].sort((a, b) => a.time - b.time)) {
    if (seen.has(message.text)) copies.push(message);
    else seen.add(message.text);
  }
  return copies;
}

/** Call-ID and CSeq number: what a request, its responses and its ACK have in common. */
export function transactionKey(message: SipPacket): string {
  return `${message.callId ?? ''} ${message.cseq?.number ?? ''}`;
}
