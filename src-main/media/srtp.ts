/**
 * SRTP and SRTCP (RFC 3711) for the two SDES suites voip.ms and desk phones use:
 * AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (RFC 4568 §6.2), key derivation rate 0,
 * no MKI.
 *
 * Built on Node's `crypto` (aes-128-ctr for the AES-CM keystream, HMAC-SHA1 for the tags),
 * checked against the RFC 3711 Appendix B vectors in the unit tests. `werift-rtp` 0.8 was
 * considered: its SRTP sits inside a whole media stack (it pulls a media toolkit and a browser
 * Buffer polyfill) for some hundred lines of transform, so the transform is ours instead, on
 * primitives that are OpenSSL's.
 *
 * One {@link SrtpContext} is one direction of one call under one master key: ours protects what
 * we send, the far end's unprotects what we receive. Each SSRC in it keeps its own rollover
 * counter and replay window (§3.2.3), so a context kept across re-INVITEs continues the index
 * where it was, which is what the far end's receiver expects.
 */
import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';

export const SRTP_SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const;
export type SrtpSuite = (typeof SRTP_SUITES)[number];

export const MASTER_KEY_BYTES = 16;
export const MASTER_SALT_BYTES = 14;

/** A master key and salt, as SDES carries them (`inline:` is their concatenation in base64). */
export interface SrtpMasterKey {
  key: Uint8Array;
  salt: Uint8Array;
}

export function isSrtpSuite(value: string): value is SrtpSuite {
  return (SRTP_SUITES as readonly string[]).includes(value);
}

/** SRTP's tag per suite; SRTCP's is 80 bits for both (RFC 4568 §6.2.2). */
const RTP_TAG_BYTES: Record<SrtpSuite, number> = {
  AES_CM_128_HMAC_SHA1_80: 10,
  AES_CM_128_HMAC_SHA1_32: 4,
};
const RTCP_TAG_BYTES = 10;
const AUTH_KEY_BYTES = 20;
const RTP_HEADER_BYTES = 12;
const RTCP_HEADER_BYTES = 8;
const SRTCP_INDEX_BYTES = 4;
const SRTCP_ENCRYPTED_FLAG = 0x80000000;
/** SRTCP's index is 31 bits; the key must not protect more (§9.2). */
const MAX_SRTCP_INDEX = 0x7fffffff;
/** SRTP's index is 48 bits (§9.2). */
const MAX_SRTP_INDEX = 2 ** 48 - 1;
/** Replay list length (§3.3.2 asks for at least 64). */
export const REPLAY_WINDOW = 128;
const REPLAY_MASK = (1n << BigInt(REPLAY_WINDOW)) - 1n;

/** The key derivation labels of §4.3.1 (SRTP) and §4.3.2 (SRTCP). */
const LABELS = {
  rtp: { cipher: 0x00, auth: 0x01, salt: 0x02 },
  rtcp: { cipher: 0x03, auth: 0x04, salt: 0x05 },
} as const;

export interface SessionKeys {
  cipherKey: Buffer;
  authKey: Buffer;
  salt: Buffer;
}

/**
 * §4.3 with a key derivation rate of 0 (SDES's default): r = 0, so x = label·2^48 XOR salt, and
 * each key is the AES-CM keystream of the master key at IV x·2^16.
 */
export function deriveSessionKeys(master: SrtpMasterKey, kind: 'rtp' | 'rtcp'): SessionKeys {
  checkMasterKey(master);
  const labels = LABELS[kind];
  const prf = (label: number, length: number): Buffer => {
    const iv = Buffer.alloc(16);
    Buffer.from(master.salt).copy(iv, 0);
    // The label sits just above the 48-bit index in the 112-bit salt: byte 7.
    iv[7] = (iv[7] ?? 0) ^ label;
    return createCipheriv('aes-128-ctr', master.key, iv).update(Buffer.alloc(length));
  };
  return {
    cipherKey: prf(labels.cipher, MASTER_KEY_BYTES),
    authKey: prf(labels.auth, AUTH_KEY_BYTES),
    salt: prf(labels.salt, MASTER_SALT_BYTES),
  };
}

/**
 * AES in counter mode (§4.1.1): IV = (salt·2^16) XOR (SSRC·2^64) XOR (index·2^16), the low 16
 * bits counting blocks. Exported for the Appendix B.2 vectors.
 */
export function aesCmKeystream(
  cipherKey: Uint8Array,
  salt: Uint8Array,
  ssrc: number,
  index: number,
  length: number,
): Buffer {
  return aesCm(cipherKey, salt, ssrc, index, Buffer.alloc(length));
}

function aesCm(
  cipherKey: Uint8Array,
  salt: Uint8Array,
  ssrc: number,
  index: number,
  data: Uint8Array,
): Buffer {
  const iv = Buffer.alloc(16);
  Buffer.from(salt).copy(iv, 0, 0, MASTER_SALT_BYTES);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const high = Math.floor(index / 2 ** 32);
  const low = index >>> 0;
  iv.writeUInt16BE((iv.readUInt16BE(8) ^ high) & 0xffff, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ low) >>> 0, 10);
  // Node's counter mode carries into the upper bytes only past 2^16 blocks (1 MiB), far beyond
  // any packet, so it is the same as the RFC's 16-bit block counter here.
  return createCipheriv('aes-128-ctr', cipherKey, iv).update(data);
}

/** Why a packet was not let through; counted by whoever receives. */
export type SrtpRejection = 'malformed' | 'auth' | 'replay';

export type UnprotectResult = { ok: true; packet: Buffer } | { ok: false; reason: SrtpRejection };

/** The per-SSRC state of §3.2.3: rollover counter, highest sequence, replay list. */
interface RtpStream {
  roc: number;
  highestSeq: number;
  replay: ReplayWindow;
}

interface RtcpStream {
  /** Sending: the next index. */
  nextIndex: number;
  replay: ReplayWindow;
}

/** The last {@link REPLAY_WINDOW} indices received (§3.3.2), as a bit list below the highest. */
export class ReplayWindow {
  private highest = -1;
  private bits = 0n;

  /** Whether `index` was neither seen nor left behind the window. */
  admits(index: number): boolean {
    if (index > this.highest) return true;
    const age = this.highest - index;
    if (age >= REPLAY_WINDOW) return false;
    return ((this.bits >> BigInt(age)) & 1n) === 0n;
  }

  /** Records an authenticated index. */
  accept(index: number): void {
    if (index > this.highest) {
      const shift = this.highest < 0 ? REPLAY_WINDOW : index - this.highest;
      this.bits = shift >= REPLAY_WINDOW ? 1n : ((this.bits << BigInt(shift)) | 1n) & REPLAY_MASK;
      this.highest = index;
      return;
    }
    this.bits |= 1n << BigInt(this.highest - index);
  }
}

/**
 * One direction of SRTP and SRTCP under one master key. Protecting and unprotecting never
 * throw on what arrives: a packet that fails comes back as a reason.
 */
export class SrtpContext {
  readonly suite: SrtpSuite;
  private readonly rtpKeys: SessionKeys;
  private readonly rtcpKeys: SessionKeys;
  private readonly rtpTagBytes: number;
  private readonly rtpStreams = new Map<number, RtpStream>();
  private readonly rtcpStreams = new Map<number, RtcpStream>();

  constructor(suite: SrtpSuite, master: SrtpMasterKey) {
    this.suite = suite;
    this.rtpKeys = deriveSessionKeys(master, 'rtp');
    this.rtcpKeys = deriveSessionKeys(master, 'rtcp');
    this.rtpTagBytes = RTP_TAG_BYTES[suite];
  }

  /**
   * An RTP packet as SRTP (§3.1): payload encrypted, tag over header, payload and ROC. The
   * rollover counter advances when the sequence number wraps (65535 → 0). Null when the packet
   * is not RTP or the key is spent (2^48 packets: a call never gets there).
   */
  protectRtp(packet: Uint8Array): Buffer | null {
    const headerBytes = rtpHeaderBytes(packet, packet.length);
    if (headerBytes === null) return null;
    const view = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
    const seq = view.readUInt16BE(2);
    const ssrc = view.readUInt32BE(8);
    let stream = this.rtpStreams.get(ssrc);
    if (!stream) {
      stream = { roc: 0, highestSeq: seq, replay: new ReplayWindow() };
      this.rtpStreams.set(ssrc, stream);
    } else if (seq < stream.highestSeq && stream.highestSeq - seq > 0x8000) {
      stream.roc = (stream.roc + 1) >>> 0;
      stream.highestSeq = seq;
    } else if (seq > stream.highestSeq) {
      stream.highestSeq = seq;
    }
    const index = stream.roc * 0x10000 + seq;
    if (index > MAX_SRTP_INDEX) return null;
    const out = Buffer.alloc(packet.length + this.rtpTagBytes);
    view.copy(out, 0, 0, headerBytes);
    aesCm(this.rtpKeys.cipherKey, this.rtpKeys.salt, ssrc, index, view.subarray(headerBytes)).copy(
      out,
      headerBytes,
    );
    this.rtpTag(out.subarray(0, packet.length), stream.roc).copy(out, packet.length);
    return out;
  }

  /**
   * An SRTP packet back to RTP (§3.3): index estimated from the highest sequence seen and the
   * ROC (§3.3.1), replay checked, tag verified, and only then the stream's state moved on.
   */
  unprotectRtp(packet: Uint8Array): UnprotectResult {
    const length = packet.length - this.rtpTagBytes;
    const headerBytes = length > 0 ? rtpHeaderBytes(packet, length) : null;
    if (headerBytes === null) return { ok: false, reason: 'malformed' };
    const view = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
    const seq = view.readUInt16BE(2);
    const ssrc = view.readUInt32BE(8);
    const stream = this.rtpStreams.get(ssrc);
    const roc = stream ? estimateRoc(stream.roc, stream.highestSeq, seq) : 0;
    if (roc < 0) return { ok: false, reason: 'replay' };
    const index = roc * 0x10000 + seq;
    if (stream && !stream.replay.admits(index)) return { ok: false, reason: 'replay' };
    const expected = this.rtpTag(view.subarray(0, length), roc >>> 0);
    if (!timingSafeEqual(expected, view.subarray(length))) return { ok: false, reason: 'auth' };
    const out = Buffer.alloc(length);
    view.copy(out, 0, 0, headerBytes);
    aesCm(
      this.rtpKeys.cipherKey,
      this.rtpKeys.salt,
      ssrc,
      index,
      view.subarray(headerBytes, length),
    ).copy(out, headerBytes);
    if (!stream) {
      const replay = new ReplayWindow();
      replay.accept(index);
      this.rtpStreams.set(ssrc, { roc, highestSeq: seq, replay });
    } else {
      stream.replay.accept(index);
      if (roc > stream.roc) {
        stream.roc = roc;
        stream.highestSeq = seq;
      } else if (roc === stream.roc && seq > stream.highestSeq) {
        stream.highestSeq = seq;
      }
    }
    return { ok: true, packet: out };
  }

  /**
   * An RTCP compound packet as SRTCP (§3.4): all but the first header and sender SSRC
   * encrypted, then E-flag and index, then the 80-bit tag over all of it.
   */
  protectRtcp(packet: Uint8Array): Buffer | null {
    if (packet.length < RTCP_HEADER_BYTES || (packet[0] ?? 0) >> 6 !== 2) return null;
    const view = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
    const ssrc = view.readUInt32BE(4);
    let stream = this.rtcpStreams.get(ssrc);
    if (!stream) {
      stream = { nextIndex: 0, replay: new ReplayWindow() };
      this.rtcpStreams.set(ssrc, stream);
    }
    const index = stream.nextIndex;
    if (index > MAX_SRTCP_INDEX) return null;
    stream.nextIndex++;
    const out = Buffer.alloc(packet.length + SRTCP_INDEX_BYTES + RTCP_TAG_BYTES);
    view.copy(out, 0, 0, RTCP_HEADER_BYTES);
    aesCm(
      this.rtcpKeys.cipherKey,
      this.rtcpKeys.salt,
      ssrc,
      index,
      view.subarray(RTCP_HEADER_BYTES),
    ).copy(out, RTCP_HEADER_BYTES);
    out.writeUInt32BE((SRTCP_ENCRYPTED_FLAG | index) >>> 0, packet.length);
    const authenticated = out.subarray(0, packet.length + SRTCP_INDEX_BYTES);
    this.rtcpTag(authenticated).copy(out, authenticated.length);
    return out;
  }

  unprotectRtcp(packet: Uint8Array): UnprotectResult {
    const authenticatedBytes = packet.length - RTCP_TAG_BYTES;
    const length = authenticatedBytes - SRTCP_INDEX_BYTES;
    if (length < RTCP_HEADER_BYTES || (packet[0] ?? 0) >> 6 !== 2) {
      return { ok: false, reason: 'malformed' };
    }
    const view = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
    const ssrc = view.readUInt32BE(4);
    const word = view.readUInt32BE(length);
    const encrypted = (word & SRTCP_ENCRYPTED_FLAG) !== 0;
    const index = word & MAX_SRTCP_INDEX;
    const stream = this.rtcpStreams.get(ssrc);
    if (stream && !stream.replay.admits(index)) return { ok: false, reason: 'replay' };
    const expected = this.rtcpTag(view.subarray(0, authenticatedBytes));
    if (!timingSafeEqual(expected, view.subarray(authenticatedBytes))) {
      return { ok: false, reason: 'auth' };
    }
    const out = Buffer.alloc(length);
    view.copy(out, 0, 0, RTCP_HEADER_BYTES);
    const body = view.subarray(RTCP_HEADER_BYTES, length);
    (encrypted ? aesCm(this.rtcpKeys.cipherKey, this.rtcpKeys.salt, ssrc, index, body) : body).copy(
      out,
      RTCP_HEADER_BYTES,
    );
    if (stream) stream.replay.accept(index);
    else {
      const replay = new ReplayWindow();
      replay.accept(index);
      this.rtcpStreams.set(ssrc, { nextIndex: 0, replay });
    }
    return { ok: true, packet: out };
  }

  /** The rollover counter of a stream we sent or received; 0 for one never seen. */
  rolloverCounter(ssrc: number): number {
    return this.rtpStreams.get(ssrc >>> 0)?.roc ?? 0;
  }

  private rtpTag(authenticated: Uint8Array, roc: number): Buffer {
    const rocBytes = Buffer.alloc(4);
    rocBytes.writeUInt32BE(roc >>> 0, 0);
    return createHmac('sha1', this.rtpKeys.authKey)
      .update(authenticated)
      .update(rocBytes)
      .digest()
      .subarray(0, this.rtpTagBytes);
  }

  private rtcpTag(authenticated: Uint8Array): Buffer {
    return createHmac('sha1', this.rtcpKeys.authKey)
      .update(authenticated)
      .digest()
      .subarray(0, RTCP_TAG_BYTES);
  }
}

/**
 * §3.3.1: the ROC a packet belongs to, from the highest sequence number s_l and ROC seen so far;
 * -1 for a packet from before the stream's first wrap that the receiver never had.
 */
export function estimateRoc(roc: number, highestSeq: number, seq: number): number {
  if (highestSeq < 0x8000) {
    return seq - highestSeq > 0x8000 ? roc - 1 : roc;
  }
  return highestSeq - 0x8000 > seq ? roc + 1 : roc;
}

/** The RTP header's length with CSRCs and extension (RFC 3550 §5.1, §5.3.1); null if invalid. */
function rtpHeaderBytes(packet: Uint8Array, length: number): number | null {
  const first = packet[0];
  if (first === undefined || length < RTP_HEADER_BYTES || first >> 6 !== 2) return null;
  let bytes = RTP_HEADER_BYTES + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (length < bytes + 4) return null;
    const words = ((packet[bytes + 2] ?? 0) << 8) | (packet[bytes + 3] ?? 0);
    bytes += 4 + words * 4;
  }
  return bytes <= length ? bytes : null;
}

function checkMasterKey(master: SrtpMasterKey): void {
  if (master.key.length !== MASTER_KEY_BYTES || master.salt.length !== MASTER_SALT_BYTES) {
    throw new RangeError('an SRTP master key is 16 bytes and its salt 14');
  }
}
