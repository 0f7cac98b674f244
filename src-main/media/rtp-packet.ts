/** An RTP packet (RFC 3550 §5.1), without CSRCs or header extensions on the send side. */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

const FIXED_HEADER = 12;

/** Parses an RTP packet; null for anything malformed (never throws on network input). */
export function parseRtp(datagram: Uint8Array): RtpPacket | null {
  if (datagram.length < FIXED_HEADER) return null;
  const first = datagram[0] ?? 0;
  if (first >> 6 !== 2) return null;
  const padding = (first & 0x20) !== 0;
  const extension = (first & 0x10) !== 0;
  const csrcCount = first & 0x0f;
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let offset = FIXED_HEADER + csrcCount * 4;
  if (offset > datagram.length) return null;
  if (extension) {
    if (offset + 4 > datagram.length) return null;
    offset += 4 + view.getUint16(offset + 2) * 4;
    if (offset > datagram.length) return null;
  }
  let end = datagram.length;
  if (padding) {
    const padLength = datagram[datagram.length - 1] ?? 0;
    if (padLength === 0 || end - padLength < offset) return null;
    end -= padLength;
  }
  const second = datagram[1] ?? 0;
  return {
    marker: (second & 0x80) !== 0,
    payloadType: second & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: datagram.subarray(offset, end),
  };
}

export function serializeRtp(packet: RtpPacket): Buffer {
  const out = Buffer.alloc(FIXED_HEADER + packet.payload.length);
  out[0] = 0x80;
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  out.writeUInt16BE(packet.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  out.set(packet.payload, FIXED_HEADER);
  return out;
}
