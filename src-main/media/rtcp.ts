/**
 * Minimal RTCP (RFC 3550 §6): the compound packet a one-stream softphone sends (§6.1: a sender
 * or receiver report first, then an SDES CNAME, optionally a BYE), and a parser that accepts
 * what peers send and reports what it understood. Parsing applies the header validity checks of
 * RFC 3550 Appendix A.2 and returns `null` for a datagram that fails them; it never throws.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  /** The source this block reports on. */
  ssrc: number;
  /** Fraction of packets lost since the previous report, in 1/256. */
  fractionLost: number;
  /** Cumulative packets lost; 24-bit signed on the wire (duplicates can make it negative). */
  cumulativeLost: number;
  extendedHighestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from that source, or 0. */
  lastSr: number;
  /** Delay since that SR arrived, in 1/65536 s, or 0. */
  delaySinceLastSr: number;
}

/** Sender information of an SR (RFC 3550 §6.4.1). */
export interface SenderInfo {
  /** NTP timestamp: seconds since 1900 (most significant word). */
  ntpSeconds: number;
  /** NTP timestamp: fraction of a second in 1/2³² (least significant word). */
  ntpFraction: number;
  /** The same instant in RTP timestamp units. */
  rtpTimestamp: number;
  packetCount: number;
  /** Payload octets sent (headers and padding excluded). */
  octetCount: number;
}

export interface RtcpReport {
  type: 'sr' | 'rr';
  ssrc: number;
  /** Present on SRs only. */
  sender?: SenderInfo;
  blocks: ReportBlock[];
}

/** What a compound RTCP datagram said, as far as this module understands it. */
export interface RtcpCompound {
  reports: RtcpReport[];
  cnames: Array<{ ssrc: number; cname: string }>;
  /** Sources saying goodbye (RFC 3550 §6.6). */
  bye: number[];
}

/** Seconds between 1900-01-01 (NTP era 0) and 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET = 2_208_988_800;
const MAX_REPORT_BLOCKS = 31;
const SDES_CNAME = 1;

/** Wall-clock milliseconds (Unix epoch) as a 64-bit NTP timestamp split in two words (§4). */
export function ntpTimestamp(unixMs: number): { seconds: number; fraction: number } {
  const wholeSeconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - wholeSeconds * 1000) / 1000) * 2 ** 32);
  return { seconds: (wholeSeconds + NTP_UNIX_OFFSET) >>> 0, fraction: fraction >>> 0 };
}

/** The middle 32 bits of an NTP timestamp, the unit of LSR and DLSR (§6.4.1). */
export function compactNtp(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/**
 * Whether a datagram whose second octet is `secondByte` is RTCP rather than RTP when both share a
 * port (RFC 5761 §4: RTCP packet types 192–223 cannot be confused with RTP payload types in use).
 */
export function isRtcpSecondByte(secondByte: number): boolean {
  return secondByte >= 192 && secondByte <= 223;
}

function writeReportBlock(out: Buffer, offset: number, block: ReportBlock): void {
  out.writeUInt32BE(block.ssrc >>> 0, offset);
  out.writeUInt8(block.fractionLost & 0xff, offset + 4);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(block.cumulativeLost)));
  out.writeUIntBE(lost & 0xffffff, offset + 5, 3);
  out.writeUInt32BE(block.extendedHighestSequence >>> 0, offset + 8);
  out.writeUInt32BE(block.jitter >>> 0, offset + 12);
  out.writeUInt32BE(block.lastSr >>> 0, offset + 16);
  out.writeUInt32BE(block.delaySinceLastSr >>> 0, offset + 20);
}

function buildReport(report: RtcpReport): Buffer {
  const blocks = report.blocks.slice(0, MAX_REPORT_BLOCKS);
  const sender = report.type === 'sr' ? report.sender : undefined;
  const isSr = report.type === 'sr';
  const bytes = 8 + (isSr ? 20 : 0) + blocks.length * 24;
  const out = Buffer.alloc(bytes);
  out[0] = 0x80 | blocks.length;
  out[1] = isSr ? RTCP_SR : RTCP_RR;
  out.writeUInt16BE(bytes / 4 - 1, 2);
  out.writeUInt32BE(report.ssrc >>> 0, 4);
  let offset = 8;
  if (isSr) {
    out.writeUInt32BE((sender?.ntpSeconds ?? 0) >>> 0, 8);
    out.writeUInt32BE((sender?.ntpFraction ?? 0) >>> 0, 12);
    out.writeUInt32BE((sender?.rtpTimestamp ?? 0) >>> 0, 16);
    out.writeUInt32BE((sender?.packetCount ?? 0) >>> 0, 20);
    out.writeUInt32BE((sender?.octetCount ?? 0) >>> 0, 24);
    offset = 28;
  }
  for (const block of blocks) {
    writeReportBlock(out, offset, block);
    offset += 24;
  }
  return out;
}

/** Text of at most 255 octets of UTF-8 without splitting a character (SDES item length, §6.5). */
function sdesText(text: string): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 255) {
    text = text.slice(0, -1);
    bytes = Buffer.from(text, 'utf8');
  }
  return bytes;
}

function buildSdesCname(ssrc: number, cname: string): Buffer {
  const name = sdesText(cname);
  // SSRC, CNAME item (type, length, text), then at least one null octet ending the item list,
  // padded to a 32-bit boundary (§6.5).
  const chunkBytes = 4 + Math.ceil((2 + name.length + 1) / 4) * 4;
  const out = Buffer.alloc(4 + chunkBytes);
  out[0] = 0x81;
  out[1] = RTCP_SDES;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out[8] = SDES_CNAME;
  out[9] = name.length;
  name.copy(out, 10);
  return out;
}

function buildBye(ssrc: number): Buffer {
  const out = Buffer.alloc(8);
  out[0] = 0x81;
  out[1] = RTCP_BYE;
  out.writeUInt16BE(1, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  return out;
}

/**
 * A compound RTCP packet (§6.1): the report, an SDES CNAME for the same SSRC and, when leaving
 * the session, a BYE last.
 */
export function buildRtcpCompound(
  report: RtcpReport,
  options: { cname: string; bye?: boolean },
): Buffer {
  const parts = [buildReport(report), buildSdesCname(report.ssrc, options.cname)];
  if (options.bye) parts.push(buildBye(report.ssrc));
  return Buffer.concat(parts);
}

function parseReport(packet: Buffer, type: number, count: number): RtcpReport | null {
  const isSr = type === RTCP_SR;
  const blocksStart = isSr ? 28 : 8;
  // Report blocks may be followed by profile-specific extensions (§6.4.1), hence `>`.
  if (blocksStart + count * 24 > packet.length) return null;
  const report: RtcpReport = {
    type: isSr ? 'sr' : 'rr',
    ssrc: packet.readUInt32BE(4),
    blocks: [],
  };
  if (isSr) {
    report.sender = {
      ntpSeconds: packet.readUInt32BE(8),
      ntpFraction: packet.readUInt32BE(12),
      rtpTimestamp: packet.readUInt32BE(16),
      packetCount: packet.readUInt32BE(20),
      octetCount: packet.readUInt32BE(24),
    };
  }
  for (let i = 0; i < count; i++) {
    const at = blocksStart + i * 24;
    const rawLost = packet.readUIntBE(at + 5, 3);
    report.blocks.push({
      ssrc: packet.readUInt32BE(at),
      fractionLost: packet[at + 4] ?? 0,
      cumulativeLost: rawLost & 0x800000 ? rawLost - 0x1000000 : rawLost,
      extendedHighestSequence: packet.readUInt32BE(at + 8),
      jitter: packet.readUInt32BE(at + 12),
      lastSr: packet.readUInt32BE(at + 16),
      delaySinceLastSr: packet.readUInt32BE(at + 20),
    });
  }
  return report;
}

/** CNAMEs of an SDES packet; a malformed chunk ends the walk, keeping what came before. */
function parseSdes(packet: Buffer, count: number): Array<{ ssrc: number; cname: string }> {
  const found: Array<{ ssrc: number; cname: string }> = [];
  let offset = 4;
  for (let chunk = 0; chunk < count; chunk++) {
    if (offset + 4 > packet.length) return found;
    const ssrc = packet.readUInt32BE(offset);
    offset += 4;
    for (;;) {
      const itemType = packet[offset];
      if (itemType === undefined) return found;
      if (itemType === 0) {
        // The null item ends the chunk; the chunk then pads to the next 32-bit boundary.
        offset = Math.ceil((offset + 1) / 4) * 4;
        break;
      }
      const length = packet[offset + 1];
      if (length === undefined || offset + 2 + length > packet.length) return found;
      if (itemType === SDES_CNAME) {
        found.push({ ssrc, cname: packet.toString('utf8', offset + 2, offset + 2 + length) });
      }
      offset += 2 + length;
    }
  }
  return found;
}

/**
 * Parses a compound RTCP datagram. `null` when it fails the RFC 3550 A.2 checks: every packet
 * version 2, the first an SR or RR without padding, padding only on the last, and the packet
 * lengths adding up to the datagram exactly.
 */
export function parseRtcp(datagram: Uint8Array): RtcpCompound | null {
  const buffer = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const result: RtcpCompound = { reports: [], cnames: [], bye: [] };
  let offset = 0;
  let first = true;
  while (offset < buffer.length) {
    if (offset + 4 > buffer.length) return null;
    const header = buffer[offset] ?? 0;
    const type = buffer[offset + 1] ?? 0;
    const length = (buffer.readUInt16BE(offset + 2) + 1) * 4;
    if (header >> 6 !== 2 || offset + length > buffer.length) return null;
    const padded = (header & 0x20) !== 0;
    const last = offset + length === buffer.length;
    if (padded && !last) return null;
    if (first && (padded || (type !== RTCP_SR && type !== RTCP_RR))) return null;
    first = false;
    let packet = buffer.subarray(offset, offset + length);
    if (padded) {
      const padding = packet[packet.length - 1] ?? 0;
      if (padding === 0 || padding > packet.length - 4) return null;
      packet = packet.subarray(0, packet.length - padding);
    }
    const count = header & 0x1f;
    if (type === RTCP_SR || type === RTCP_RR) {
      if (packet.length < 8) return null;
      const report = parseReport(packet, type, count);
      if (!report) return null;
      result.reports.push(report);
    } else if (type === RTCP_SDES) {
      result.cnames.push(...parseSdes(packet, count));
    } else if (type === RTCP_BYE) {
      for (let i = 0; i < count && 4 + i * 4 + 4 <= packet.length; i++) {
        result.bye.push(packet.readUInt32BE(4 + i * 4));
      }
    }
    offset += length;
  }
  return result.reports.length > 0 ? result : null;
}
