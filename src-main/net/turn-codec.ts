/**
 * TURN's wire format (RFC 8656 over RFC 5389): method and attribute numbers, requests with the
 * long-term credential, and decoding that refuses anything not well formed. The `stun` package
 * encodes and decodes; integrity is checked here on the raw bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import stun, { type StunMessage } from 'stun';
import type { TransportAddress } from '../../src-shared/domain.js';
import { clampNetworkSeconds } from './network-durations.js';

export type { StunMessage };

// RFC 8656 §18 methods, as message types (RFC 5389 §6 interleaves method and class bits).
export const METHOD_MASK = 0x3eef;
export const CLASS_MASK = 0x0110;
export const CLASS_SUCCESS = 0x0100;
export const CLASS_ERROR = 0x0110;
export const ALLOCATE = 0x0003;
export const REFRESH = 0x0004;
export const SEND_INDICATION = 0x0016;
export const DATA_INDICATION = 0x0017;
export const CREATE_PERMISSION = 0x0008;
export const CHANNEL_BIND = 0x0009;

export const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
} as const;

export const HEADER_LENGTH = 20;
export const MAGIC_COOKIE = 0x2112a442;
/** RFC 8656 §14.7: the protocol number sits in the first byte of the 32-bit value. */
export const REQUESTED_TRANSPORT_UDP = 17 * 2 ** 24;

export type AttributeSpec = [type: number, ...values: unknown[]];

/** The long-term credential a request is signed with (RFC 5389 §15.4). */
export interface TurnCredential {
  username: string;
  realm: Buffer;
  nonce: Buffer;
  key: Buffer;
}

/** A request (or indication) with a FINGERPRINT, signed when a credential is given. */
export function encodeTurnMessage(
  method: number,
  id: Buffer,
  attributes: AttributeSpec[],
  credential: TurnCredential | null,
): Buffer {
  const message = stun.createMessage(method, id);
  for (const [type, ...values] of attributes) message.addAttribute(type, ...values);
  if (credential) {
    // Straight to addAttribute: addRealm/addNonce refuse more than 128 characters, which a
    // server's nonce may have; these are echoed byte for byte.
    message.addAttribute(ATTR.USERNAME, credential.username);
    message.addAttribute(ATTR.REALM, credential.realm);
    message.addAttribute(ATTR.NONCE, credential.nonce);
  }
  // The package encodes the whole message again for each of its addMessageIntegrity and
  // addFingerprint (a Send indication per RTP packet would pay it three times): both are
  // appended to the encoded bytes here instead.
  const encoded = message.toBuffer();
  // Lets the server tell our STUN from other traffic on its port (RFC 5389 §8).
  return withFingerprint(credential ? withIntegrity(encoded, credential.key) : encoded);
}

const MESSAGE_INTEGRITY_LENGTH = 20;
const FINGERPRINT = 0x8028;
/** RFC 5389 §15.5: the CRC-32 is XORed with "STUN". */
const FINGERPRINT_XOR = 0x5354554e;

/** Appends an attribute, the header's message length counting it, as the value `valueFor` says. */
function appendAttribute(
  message: Buffer,
  type: number,
  length: number,
  valueFor: (headed: Buffer) => Buffer,
): Buffer {
  const headed = Buffer.from(message);
  headed.writeUInt16BE(message.length - HEADER_LENGTH + 4 + length, 2);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(length, 2);
  return Buffer.concat([headed, header, valueFor(headed)]);
}

/** RFC 5389 §15.4: HMAC-SHA1 over the message up to the attribute, its length included. */
function withIntegrity(message: Buffer, key: Buffer): Buffer {
  return appendAttribute(message, ATTR.MESSAGE_INTEGRITY, MESSAGE_INTEGRITY_LENGTH, (headed) =>
    createHmac('sha1', key).update(headed).digest(),
  );
}

/** RFC 5389 §15.5: CRC-32 of the message up to the attribute, its length included. */
function withFingerprint(message: Buffer): Buffer {
  return appendAttribute(message, FINGERPRINT, 4, (headed) => {
    const value = Buffer.alloc(4);
    value.writeUInt32BE((crc32(headed) ^ FINGERPRINT_XOR) >>> 0, 0);
    return value;
  });
}

/** Null for anything that is not a well-formed RFC 5389 message (hostile bytes included). */
export function decodeTurnMessage(datagram: Buffer): StunMessage | null {
  if (datagram.length < HEADER_LENGTH || (datagram[0] ?? 0xff) > 3) return null;
  if (datagram.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const length = datagram.readUInt16BE(2);
  if (length % 4 !== 0 || length + HEADER_LENGTH !== datagram.length) return null;
  try {
    return stun.decode(datagram);
  } catch {
    return null;
  }
}

/**
 * Checks MESSAGE-INTEGRITY on the raw bytes (RFC 5389 §15.4): the HMAC covers everything before
 * the attribute, with the header's length counting up to and including it. The package's own
 * check re-encodes the decoded message, which does not reproduce attributes it does not know.
 */
export function verifyIntegrity(datagram: Buffer, key: Buffer): boolean {
  let offset = HEADER_LENGTH;
  while (offset + 4 <= datagram.length) {
    const type = datagram.readUInt16BE(offset);
    const length = datagram.readUInt16BE(offset + 2);
    const valueStart = offset + 4;
    if (valueStart + length > datagram.length) return false;
    if (type === ATTR.MESSAGE_INTEGRITY) {
      if (length !== 20) return false;
      const covered = Buffer.from(datagram.subarray(0, offset));
      covered.writeUInt16BE(offset + 24 - HEADER_LENGTH, 2);
      const expected = createHmac('sha1', key).update(covered).digest();
      return timingSafeEqual(expected, datagram.subarray(valueStart, valueStart + 20));
    }
    offset = valueStart + length + ((4 - (length % 4)) % 4);
  }
  return false;
}

export function addressAttribute(message: StunMessage, type: number): TransportAddress | null {
  const value = message.getAttribute(type)?.value;
  if (typeof value !== 'object' || value === null) return null;
  const { address, port } = value as { address?: unknown; port?: unknown };
  if (typeof address !== 'string' || typeof port !== 'number') return null;
  return { address, port };
}

export function bytesAttribute(message: StunMessage, type: number): Buffer | null {
  const value = message.getAttribute(type)?.value;
  return Buffer.isBuffer(value) ? value : null;
}

export function lifetimeOf(message: StunMessage): number | null {
  const value = message.getAttribute(ATTR.LIFETIME)?.value;
  return typeof value === 'number' ? clampNetworkSeconds('turn-lifetime', value) : null;
}

export function methodName(method: number): string {
  switch (method) {
    case ALLOCATE:
      return 'Allocate';
    case REFRESH:
      return 'Refresh';
    case CREATE_PERMISSION:
      return 'CreatePermission';
    case CHANNEL_BIND:
      return 'ChannelBind';
    default:
      return `method 0x${method.toString(16)}`;
  }
}
