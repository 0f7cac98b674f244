/**
 * NAT-PMP messages (RFC 6886 §3): the external-address query and the UDP/TCP mapping request, and
 * the router's answers to them. Decoders take any datagram and say what is wrong with it in
 * words instead of throwing, since whatever arrives on the socket comes from the network.
 */

import { checkedLifetime, checkedPort, type Decoded, type MappedProtocol } from './wire-values.js';

export const NAT_PMP_VERSION = 0;

const OP_EXTERNAL_ADDRESS = 0;
const OP_MAP_UDP = 1;
const OP_MAP_TCP = 2;
const RESPONSE_BIT = 128;

export interface NatPmpMapRequest {
  protocol: MappedProtocol;
  internalPort: number;
  /** 0 lets the router choose. */
  suggestedExternalPort: number;
  /** 0 deletes the mapping (§3.4). */
  lifetimeSeconds: number;
}

export interface NatPmpMapResponse {
  protocol: MappedProtocol;
  resultCode: number;
  epochSeconds: number;
  internalPort: number;
  externalPort: number;
  lifetimeSeconds: number;
}

export interface NatPmpAddressResponse {
  resultCode: number;
  epochSeconds: number;
  externalAddress: string;
}

/** A NAT-PMP answer whose result code is not 0; the body after it is then not meaningful. */
export interface NatPmpErrorResponse {
  opcode: number;
  resultCode: number;
}

const RESULT_WORDS: Record<number, string> = {
  1: 'does not speak this protocol version',
  2: 'refused the request (port mapping may be switched off on the router)',
  3: 'has no working internet connection',
  4: 'has no ports left to map',
  5: 'does not support this request',
};

/** The router's result code (§3.5) in plain words. */
export function natPmpResultWords(resultCode: number): string {
  return RESULT_WORDS[resultCode] ?? `answered with unknown result code ${resultCode}`;
}

export function encodeNatPmpAddressRequest(): Buffer {
  return Buffer.from([NAT_PMP_VERSION, OP_EXTERNAL_ADDRESS]);
}

export function encodeNatPmpMapRequest(request: NatPmpMapRequest): Buffer {
  const packet = Buffer.alloc(12);
  packet.writeUInt8(NAT_PMP_VERSION, 0);
  packet.writeUInt8(request.protocol === 'udp' ? OP_MAP_UDP : OP_MAP_TCP, 1);
  packet.writeUInt16BE(0, 2);
  packet.writeUInt16BE(checkedPort(request.internalPort, 1), 4);
  packet.writeUInt16BE(checkedPort(request.suggestedExternalPort, 0), 6);
  packet.writeUInt32BE(checkedLifetime(request.lifetimeSeconds), 8);
  return packet;
}

/**
 * Reads a NAT-PMP answer of any opcode far enough to know whether it failed: an error answer
 * carries only the common header, so it must be recognised before a body is expected.
 */
export function decodeNatPmpError(packet: Buffer): NatPmpErrorResponse | null {
  if (packet.length < 4 || packet[0] !== NAT_PMP_VERSION) return null;
  const opcode = packet.readUInt8(1);
  if (opcode < RESPONSE_BIT) return null;
  const resultCode = packet.readUInt16BE(2);
  return resultCode === 0 ? null : { opcode: opcode - RESPONSE_BIT, resultCode };
}

export function decodeNatPmpAddressResponse(packet: Buffer): Decoded<NatPmpAddressResponse> {
  const header = decodeHeader(packet, OP_EXTERNAL_ADDRESS + RESPONSE_BIT, 12);
  if (!header.ok) return header;
  const externalAddress = [...packet.subarray(8, 12)].join('.');
  return { ok: true, value: { ...header.value, externalAddress } };
}

export function decodeNatPmpMapResponse(
  packet: Buffer,
  protocol: MappedProtocol,
): Decoded<NatPmpMapResponse> {
  const opcode = (protocol === 'udp' ? OP_MAP_UDP : OP_MAP_TCP) + RESPONSE_BIT;
  const header = decodeHeader(packet, opcode, 16);
  if (!header.ok) return header;
  return {
    ok: true,
    value: {
      protocol,
      ...header.value,
      internalPort: packet.readUInt16BE(8),
      externalPort: packet.readUInt16BE(10),
      lifetimeSeconds: packet.readUInt32BE(12),
    },
  };
}

function decodeHeader(
  packet: Buffer,
  opcode: number,
  successLength: number,
): Decoded<{ resultCode: number; epochSeconds: number }> {
  if (packet.length < 8) return { ok: false, reason: `${packet.length} bytes is too short` };
  if (packet[0] !== NAT_PMP_VERSION) return { ok: false, reason: `version ${packet[0]}` };
  if (packet[1] !== opcode) return { ok: false, reason: `opcode ${packet[1]}, not ${opcode}` };
  const resultCode = packet.readUInt16BE(2);
  const epochSeconds = packet.readUInt32BE(4);
  // An error answer has no body to read: see decodeNatPmpError.
  if (resultCode !== 0) return { ok: false, reason: `result code ${resultCode}` };
  if (packet.length < successLength) {
    return { ok: false, reason: `${packet.length} bytes is too short for a success answer` };
  }
  return { ok: true, value: { resultCode, epochSeconds } };
}
