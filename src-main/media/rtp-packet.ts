/**
 * The RTP fixed header (RFC 3550 §5.1), with the CSRC list, the header extension (§5.3.1) and
 * padding. Parsing is defensive: datagrams come from the network, so every length is checked
 * against the bytes really there, and anything inconsistent yields `null` rather than an
 * exception.
 */

/** An RTP packet. On parse, `payload` is a view into the datagram (no copy). */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  /** 16-bit sequence number. */
  sequenceNumber: number;
  /** 32-bit media timestamp, in the payload's clock (8 kHz for G.711). */
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
  /** Contributing sources (RFC 3550 §5.1 CC/CSRC); absent means none. */
  csrcs?: number[];
  /** Header extension (RFC 3550 §5.3.1): the profile-defined 16 bits and whole 32-bit words. */
  extension?: { profile: number; data: Uint8Array };
}

/** Size of the fixed header: V/P/X/CC, M/PT, sequence, timestamp, SSRC. */
export const RTP_HEADER_BYTES = 12;
const RTP_VERSION = 2;

/** Parses an RTP packet; `null` for anything malformed, never an exception. */
export function parseRtp(datagram: Uint8Array): RtpPacket | null {
  if (datagram.length < RTP_HEADER_BYTES) return null;
  const first = datagram[0] ?? 0;
  if (first >> 6 !== RTP_VERSION) return null;
  const hasPadding = (first & 0x20) !== 0;
  const hasExtension = (first & 0x10) !== 0;
  const csrcCount = first & 0x0f;
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > datagram.length) return null;
  // Allocated only when there are any: this runs for every packet received.
  const csrcs: number[] | null = csrcCount > 0 ? [] : null;
  for (let at = RTP_HEADER_BYTES; at < offset; at += 4) csrcs?.push(view.getUint32(at));
  let extension: RtpPacket['extension'];
  if (hasExtension) {
    if (offset + 4 > datagram.length) return null;
    const profile = view.getUint16(offset);
    const words = view.getUint16(offset + 2);
    const dataStart = offset + 4;
    offset = dataStart + words * 4;
    if (offset > datagram.length) return null;
    extension = { profile, data: datagram.subarray(dataStart, offset) };
  }
  let end = datagram.length;
  if (hasPadding) {
    // §5.1: the last octet counts the padding, itself included, so zero is impossible.
    const padding = datagram[end - 1] ?? 0;
    if (padding === 0 || end - padding < offset) return null;
    end -= padding;
  }
  const second = datagram[1] ?? 0;
  const packet: RtpPacket = {
    marker: (second & 0x80) !== 0,
    payloadType: second & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: datagram.subarray(offset, end),
  };
  if (csrcs) packet.csrcs = csrcs;
  if (extension) packet.extension = extension;
  return packet;
}

/**
 * Serializes an RTP packet without padding (G.711 frames need none). Out-of-range fields are
 * masked to their wire width, and at most 15 CSRCs are written, the most the CC field holds.
 */
export function serializeRtp(packet: RtpPacket): Buffer {
  const csrcs = (packet.csrcs ?? []).slice(0, 15);
  const extension = packet.extension;
  const extensionWords = extension ? Math.ceil(extension.data.length / 4) : 0;
  const headerBytes =
    RTP_HEADER_BYTES + csrcs.length * 4 + (extension ? 4 + extensionWords * 4 : 0);
  // From Node's buffer pool rather than a zero-filled allocation of its own (one per packet
  // sent): every byte is written below, the extension's padding included.
  const out = Buffer.allocUnsafe(headerBytes + packet.payload.length);
  out[0] = (RTP_VERSION << 6) | (extension ? 0x10 : 0) | csrcs.length;
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  out.writeUInt16BE(packet.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  let offset = RTP_HEADER_BYTES;
  for (const csrc of csrcs) {
    out.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (extension) {
    out.writeUInt16BE(extension.profile & 0xffff, offset);
    out.writeUInt16BE(extensionWords, offset + 2);
    out.set(extension.data, offset + 4);
    out.fill(0, offset + 4 + extension.data.length, offset + 4 + extensionWords * 4);
    offset += 4 + extensionWords * 4;
  }
  out.set(packet.payload, offset);
  return out;
}
