/**
 * PCP MAP messages (RFC 6887 §7, §11) for IPv4, whose addresses PCP carries as IPv4-mapped IPv6
 * (::ffff:a.b.c.d). Decoders never throw: a datagram from the network is read or refused with
 * a reason.
 */
import { checkedLifetime, checkedPort, type Decoded, type MappedProtocol } from './wire-values.js';

export const PCP_VERSION = 2;
const OP_MAP = 1;
const RESPONSE_BIT = 0x80;
const HEADER_LENGTH = 24;
const MAP_LENGTH = 36;
/** §7: a PCP message is at most 1100 bytes and a multiple of 4. */
const MAX_MESSAGE_LENGTH = 1100;
const IANA_PROTOCOL: Record<MappedProtocol, number> = { udp: 17, tcp: 6 };

export const PCP_RESULT = {
  success: 0,
  unsupportedVersion: 1,
  notAuthorized: 2,
  malformedRequest: 3,
  unsupportedOpcode: 4,
  unsupportedOption: 5,
  malformedOption: 6,
  networkFailure: 7,
  noResources: 8,
  unsupportedProtocol: 9,
  userQuotaExceeded: 10,
  cannotProvideExternal: 11,
  addressMismatch: 12,
  excessiveRemotePeers: 13,
} as const;

const RESULT_WORDS: Record<number, string> = {
  1: 'does not speak this protocol version',
  2: 'refused the request (port mapping may be switched off on the router)',
  3: 'found the request malformed',
  4: 'does not support mapping requests',
  5: 'does not support an option that was sent',
  6: 'found an option malformed',
  7: 'has no working internet connection',
  8: 'has no mappings left',
  9: 'does not map this protocol',
  10: 'has no mappings left for this computer',
  11: 'cannot give this computer an external port',
  12: 'sees this computer under another address than it claims (another NAT in between)',
  13: 'has too many remote peers for this computer',
};

/** The router's result code (§7.4) in plain words. */
export function pcpResultWords(resultCode: number): string {
  return RESULT_WORDS[resultCode] ?? `answered with unknown result code ${resultCode}`;
}

export interface PcpMapRequest {
  /** 12 random bytes naming this mapping; renewals and the deletion repeat it (§11.1). */
  nonce: Buffer;
  protocol: MappedProtocol;
  /** The address this computer sends from, as the router should see it. */
  clientAddress: string;
  internalPort: number;
  /** 0 deletes the mapping (§15). */
  lifetimeSeconds: number;
  /** 0 and `0.0.0.0` when there is no preference. */
  suggestedExternalPort: number;
  suggestedExternalAddress: string;
}

export interface PcpMapResponse {
  resultCode: number;
  lifetimeSeconds: number;
  epochSeconds: number;
  nonce: Buffer;
  protocol: MappedProtocol | null;
  internalPort: number;
  externalPort: number;
  /** Dotted IPv4, or the raw IPv6 text when the router answered with a non-IPv4 address. */
  externalAddress: string;
}

/**
 * A PCP header that is not version 2. A NAT-PMP-only router answers a PCP request with its own
 * version 0 "unsupported version" (§9), which tells the client to fall back.
 */
export interface ForeignVersion {
  version: number;
}

export function encodePcpMapRequest(request: PcpMapRequest): Buffer {
  if (request.nonce.length !== 12) throw new RangeError('a PCP nonce is 12 bytes');
  const packet = Buffer.alloc(HEADER_LENGTH + MAP_LENGTH);
  packet.writeUInt8(PCP_VERSION, 0);
  packet.writeUInt8(OP_MAP, 1);
  packet.writeUInt32BE(checkedLifetime(request.lifetimeSeconds), 4);
  writeMappedIpv4(packet, 8, request.clientAddress);
  request.nonce.copy(packet, 24);
  packet.writeUInt8(IANA_PROTOCOL[request.protocol], 36);
  packet.writeUInt16BE(checkedPort(request.internalPort, 1), 40);
  packet.writeUInt16BE(checkedPort(request.suggestedExternalPort, 0), 42);
  writeMappedIpv4(packet, 44, request.suggestedExternalAddress);
  return packet;
}

/** Reads a MAP answer, or says it is another version's (see {@link ForeignVersion}). */
export function decodePcpMapResponse(packet: Buffer): Decoded<PcpMapResponse> | ForeignVersion {
  if (packet.length < 2) return { ok: false, reason: `${packet.length} bytes is too short` };
  const version = packet.readUInt8(0);
  if (version !== PCP_VERSION) return { version };
  if (packet.length < HEADER_LENGTH + MAP_LENGTH) {
    return { ok: false, reason: `${packet.length} bytes is too short for a MAP answer` };
  }
  if (packet.length > MAX_MESSAGE_LENGTH || packet.length % 4 !== 0) {
    return { ok: false, reason: `${packet.length} bytes is not a PCP message length` };
  }
  const opcodeByte = packet.readUInt8(1);
  if (opcodeByte !== (OP_MAP | RESPONSE_BIT)) {
    return { ok: false, reason: `opcode byte ${opcodeByte} is not a MAP answer` };
  }
  const protocolNumber = packet.readUInt8(36);
  const protocol =
    (Object.keys(IANA_PROTOCOL) as MappedProtocol[]).find(
      (name) => IANA_PROTOCOL[name] === protocolNumber,
    ) ?? null;
  return {
    ok: true,
    value: {
      resultCode: packet.readUInt8(3),
      lifetimeSeconds: packet.readUInt32BE(4),
      epochSeconds: packet.readUInt32BE(8),
      nonce: Buffer.from(packet.subarray(24, 36)),
      protocol,
      internalPort: packet.readUInt16BE(40),
      externalPort: packet.readUInt16BE(42),
      externalAddress: readMappedAddress(packet, 44),
    },
  };
}

export function isForeignVersion(
  decoded: Decoded<PcpMapResponse> | ForeignVersion,
): decoded is ForeignVersion {
  return 'version' in decoded;
}

const IPV4_MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

function writeMappedIpv4(packet: Buffer, offset: number, address: string): void {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new RangeError(`${address} is not an IPv4 address`);
  }
  IPV4_MAPPED_PREFIX.copy(packet, offset);
  packet.set(octets, offset + 12);
}

function readMappedAddress(packet: Buffer, offset: number): string {
  const field = packet.subarray(offset, offset + 16);
  if (field.subarray(0, 12).equals(IPV4_MAPPED_PREFIX)) return [...field.subarray(12)].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(field.readUInt16BE(i).toString(16));
  return groups.join(':');
}
