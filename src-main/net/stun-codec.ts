import stun from 'stun';
import type { TransportAddress } from '../../src-shared/domain.js';

/** RFC 5389 §6: every STUN message since RFC 5389 carries this cookie. */
export const MAGIC_COOKIE = 0x2112a442;
const HEADER_LENGTH = 20;

const ATTRIBUTE = {
  MAPPED_ADDRESS: 0x0001,
  ERROR_CODE: 0x0009,
  XOR_MAPPED_ADDRESS: 0x0020,
  RESPONSE_PORT: 0x0027,
  OTHER_ADDRESS: 0x802c,
} as const;

export const BINDING_REQUEST = 0x0001;
export const BINDING_SUCCESS = 0x0101;
export const BINDING_ERROR = 0x0111;

/** A STUN message reduced to what a Binding client needs. */
export interface DecodedStunMessage {
  type: number;
  transactionId: Buffer;
  xorMappedAddress: TransportAddress | null;
  mappedAddress: TransportAddress | null;
  otherAddress: TransportAddress | null;
  /** Read from the raw attribute: the package's decoder computes class·(number+100). */
  errorCode: number | null;
  errorReason: string | null;
}

export interface BindingRequestOptions {
  /**
   * RFC 5780 §7.5 RESPONSE-PORT: asks the server to answer to this port of the request's source
   * address instead of its source port (what the binding-lifetime probe relies on).
   */
  responsePort?: number;
}

/** Encodes a Binding request with the given 96-bit transaction ID (RFC 5389 §7.1). */
export function encodeBindingRequest(
  transactionId: Buffer,
  options: BindingRequestOptions = {},
): Buffer {
  const message = stun.createMessage(BINDING_REQUEST, transactionId);
  const { responsePort } = options;
  if (responsePort !== undefined) {
    // The package knows RESPONSE-PORT as a 16-bit attribute (length 2, then 2 bytes of padding,
    // the layout of RFC 5780 §7.5), so no hand-made encoding is needed. It silently keeps 0 for an
    // out-of-range value, which would ask the server to answer to port 0: refuse it here.
    if (!Number.isInteger(responsePort) || responsePort < 1 || responsePort > 0xffff) {
      throw new RangeError(`RESPONSE-PORT must be a port number 1–65535, not ${responsePort}`);
    }
    message.addAttribute(ATTRIBUTE.RESPONSE_PORT, responsePort);
  }
  return stun.encode(message);
}

/**
 * Decodes a datagram; null for anything that is not a well-formed RFC 5389 message (wrong
 * length, wrong cookie, or a decoder exception on hostile bytes).
 */
export function decodeStunMessage(datagram: Buffer): DecodedStunMessage | null {
  if (datagram.length < HEADER_LENGTH || (datagram[0] ?? 0xff) > 3) return null;
  if (datagram.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  if (datagram.readUInt16BE(2) + HEADER_LENGTH !== datagram.length) return null;
  let message;
  try {
    message = stun.decode(datagram);
  } catch {
    return null;
  }
  const error = readRawErrorCode(datagram);
  return {
    type: message.type,
    transactionId: Buffer.from(datagram.subarray(8, 20)),
    xorMappedAddress: addressOf(message.getAttribute(ATTRIBUTE.XOR_MAPPED_ADDRESS)?.value),
    mappedAddress: addressOf(message.getAttribute(ATTRIBUTE.MAPPED_ADDRESS)?.value),
    otherAddress: addressOf(message.getAttribute(ATTRIBUTE.OTHER_ADDRESS)?.value),
    errorCode: error?.code ?? null,
    errorReason: error?.reason ?? null,
  };
}

function addressOf(value: unknown): TransportAddress | null {
  if (typeof value !== 'object' || value === null) return null;
  const { address, port } = value as { address?: unknown; port?: unknown };
  if (typeof address !== 'string' || typeof port !== 'number') return null;
  return { address, port };
}

/**
 * ERROR-CODE (RFC 5389 §15.6): class in the low 3 bits of byte 2, number in byte 3, code =
 * class·100 + number. Walks the attributes itself; the package gets this wrong.
 */
export function readRawErrorCode(datagram: Buffer): { code: number; reason: string } | null {
  let offset = HEADER_LENGTH;
  while (offset + 4 <= datagram.length) {
    const type = datagram.readUInt16BE(offset);
    const length = datagram.readUInt16BE(offset + 2);
    const valueStart = offset + 4;
    if (valueStart + length > datagram.length) return null;
    if (type === ATTRIBUTE.ERROR_CODE && length >= 4) {
      const errorClass = (datagram[valueStart + 2] ?? 0) & 0x07;
      const number = datagram[valueStart + 3] ?? 0;
      const reason = datagram.subarray(valueStart + 4, valueStart + length).toString('utf8');
      return { code: errorClass * 100 + number, reason };
    }
    offset = valueStart + length + ((4 - (length % 4)) % 4);
  }
  return null;
}
