/**
 * Minimal RTCP (RFC 3550 §6.4): a compound packet of a sender report (or a receiver report when
 * we have sent nothing) with one report block, and an SDES CNAME.
 */

export interface ReportBlock {
  ssrc: number;
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSequence: number;
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}

export interface RtcpReport {
  type: 'sr' | 'rr';
  ssrc: number;
  /** Sender info (SR only). */
  packetCount?: number;
  octetCount?: number;
  rtpTimestamp?: number;
  ntpMsw?: number;
  ntpLsw?: number;
  blocks: ReportBlock[];
}

const NTP_EPOCH_OFFSET = 2208988800;

export function ntpTimestamp(nowMs = Date.now()): { msw: number; lsw: number } {
  const seconds = Math.floor(nowMs / 1000);
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 2 ** 32);
  return { msw: (seconds + NTP_EPOCH_OFFSET) >>> 0, lsw: fraction >>> 0 };
}

function writeBlock(out: Buffer, offset: number, block: ReportBlock): void {
  out.writeUInt32BE(block.ssrc >>> 0, offset);
  out.writeUInt8(block.fractionLost & 0xff, offset + 4);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)) & 0xffffff;
  out.writeUIntBE(lost, offset + 5, 3);
  out.writeUInt32BE(block.extendedHighestSequence >>> 0, offset + 8);
  out.writeUInt32BE(block.jitter >>> 0, offset + 12);
  out.writeUInt32BE(block.lastSr >>> 0, offset + 16);
  out.writeUInt32BE(block.delaySinceLastSr >>> 0, offset + 20);
}

export function buildRtcpReport(report: RtcpReport, cname: string): Buffer {
  const blocks = report.blocks.slice(0, 31);
  const headerWords = report.type === 'sr' ? 7 : 2;
  const reportLength = (headerWords + blocks.length * 6) * 4;
  const report_ = Buffer.alloc(reportLength);
  report_[0] = 0x80 | blocks.length;
  report_[1] = report.type === 'sr' ? 200 : 201;
  report_.writeUInt16BE(reportLength / 4 - 1, 2);
  report_.writeUInt32BE(report.ssrc >>> 0, 4);
  let offset = 8;
  if (report.type === 'sr') {
    report_.writeUInt32BE((report.ntpMsw ?? 0) >>> 0, 8);
    report_.writeUInt32BE((report.ntpLsw ?? 0) >>> 0, 12);
    report_.writeUInt32BE((report.rtpTimestamp ?? 0) >>> 0, 16);
    report_.writeUInt32BE((report.packetCount ?? 0) >>> 0, 20);
    report_.writeUInt32BE((report.octetCount ?? 0) >>> 0, 24);
    offset = 28;
  }
  for (const block of blocks) {
    writeBlock(report_, offset, block);
    offset += 24;
  }
  const name = Buffer.from(cname.slice(0, 255), 'utf8');
  const itemLength = 2 + name.length + 1; // type, length, text, end-of-items
  const sdesLength = 8 + Math.ceil(itemLength / 4) * 4;
  const sdes = Buffer.alloc(sdesLength);
  sdes[0] = 0x81;
  sdes[1] = 202;
  sdes.writeUInt16BE(sdesLength / 4 - 1, 2);
  sdes.writeUInt32BE(report.ssrc >>> 0, 4);
  sdes[8] = 1;
  sdes[9] = name.length;
  name.copy(sdes, 10);
  return Buffer.concat([report_, sdes]);
}

/** Parses the SR/RR packets of a compound RTCP datagram; malformed input yields []. */
export function parseRtcp(datagram: Uint8Array): RtcpReport[] {
  const reports: RtcpReport[] = [];
  const buffer = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let offset = 0;
  while (offset + 4 <= buffer.length) {
    const first = buffer[offset] ?? 0;
    if (first >> 6 !== 2) return [];
    const count = first & 0x1f;
    const type = buffer[offset + 1] ?? 0;
    const length = (buffer.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > buffer.length) return [];
    if ((type === 200 || type === 201) && length >= 8) {
      const sr = type === 200;
      const blocksStart = offset + (sr ? 28 : 8);
      if (blocksStart + count * 24 > offset + length) return [];
      const report: RtcpReport = {
        type: sr ? 'sr' : 'rr',
        ssrc: buffer.readUInt32BE(offset + 4),
        blocks: [],
      };
      if (sr) {
        report.ntpMsw = buffer.readUInt32BE(offset + 8);
        report.ntpLsw = buffer.readUInt32BE(offset + 12);
        report.rtpTimestamp = buffer.readUInt32BE(offset + 16);
        report.packetCount = buffer.readUInt32BE(offset + 20);
        report.octetCount = buffer.readUInt32BE(offset + 24);
      }
      for (let i = 0; i < count; i++) {
        const at = blocksStart + i * 24;
        const rawLost = buffer.readUIntBE(at + 5, 3);
        report.blocks.push({
          ssrc: buffer.readUInt32BE(at),
          fractionLost: buffer[at + 4] ?? 0,
          cumulativeLost: rawLost & 0x800000 ? rawLost - 0x1000000 : rawLost,
          extendedHighestSequence: buffer.readUInt32BE(at + 8),
          jitter: buffer.readUInt32BE(at + 12),
          lastSr: buffer.readUInt32BE(at + 16),
          delaySinceLastSr: buffer.readUInt32BE(at + 20),
        });
      }
      reports.push(report);
    }
    offset += length;
  }
  return reports;
}
