/**
 * STUN and TURN: the codecs every datagram on a SIP or media socket meets first (ERROR-CODE and
 * XOR-* attributes included). The TURN client itself is fuzzed in turn-targets.ts.
 */
import { isIP } from 'node:net';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { decodeStunMessage, readRawErrorCode } from '../../../src-main/net/stun-codec.js';
import {
  ATTR,
  addressAttribute,
  bytesAttribute,
  decodeTurnMessage,
  lifetimeOf,
  verifyIntegrity,
} from '../../../src-main/net/turn-codec.js';
import { bytesCodec, check, mustNotThrow, type FuzzTarget } from '../fuzz-target.js';
import { mutatedBytes } from '../mutate.js';
import { stunDatagrams } from './stun-messages.js';

function checkAddress(address: TransportAddress | null, what: string, limit: number): void {
  if (address === null) return;
  check(isIP(address.address) !== 0, `${what} is not an IP address: ${address.address}`);
  check(
    Number.isInteger(address.port) && address.port >= 0 && address.port <= 0xffff,
    `${what} port out of range: ${address.port}`,
  );
  check(address.address.length <= limit, `${what} longer than the datagram`);
}

export const stunCodecTarget: FuzzTarget<Uint8Array> = {
  name: 'stun',
  contract:
    'decodeStunMessage returns null for anything not well formed and never throws; what it ' +
    'returns is bounded by the datagram (addresses are IP addresses, ports 16-bit, ERROR-CODE ' +
    'class·100+number from the raw attribute)',
  modules: ['src-main/net/stun-codec.ts'],
  input: () => mutatedBytes(stunDatagrams()),
  execute(input) {
    const datagram = Buffer.from(input);
    const decoded = mustNotThrow('decodeStunMessage', () => decodeStunMessage(datagram));
    const raw = mustNotThrow('readRawErrorCode', () => readRawErrorCode(datagram));
    if (raw) {
      check(raw.code >= 0 && raw.code <= 7 * 100 + 255, `ERROR-CODE out of range: ${raw.code}`);
      check(raw.reason.length <= datagram.length, 'ERROR-CODE reason longer than the datagram');
    }
    if (!decoded) return;
    check(decoded.transactionId.length === 12, 'transaction ID is not 96 bits');
    checkAddress(decoded.xorMappedAddress, 'XOR-MAPPED-ADDRESS', datagram.length * 3);
    checkAddress(decoded.mappedAddress, 'MAPPED-ADDRESS', datagram.length * 3);
    checkAddress(decoded.otherAddress, 'OTHER-ADDRESS', datagram.length * 3);
  },
  ...bytesCodec,
};

export const turnCodecTarget: FuzzTarget<Uint8Array> = {
  name: 'turn-codec',
  contract:
    'decodeTurnMessage returns null or a message and never throws; verifyIntegrity answers a ' +
    'boolean for any bytes; the attribute readers return null for what is missing or malformed',
  modules: ['src-main/net/turn-codec.ts'],
  input: () => mutatedBytes(stunDatagrams()),
  execute(input) {
    const datagram = Buffer.from(input);
    const verified = mustNotThrow('verifyIntegrity', () =>
      verifyIntegrity(datagram, Buffer.alloc(16, 7)),
    );
    check(typeof verified === 'boolean', 'verifyIntegrity answered a non-boolean');
    const message = mustNotThrow('decodeTurnMessage', () => decodeTurnMessage(datagram));
    if (!message) return;
    for (const type of [ATTR.XOR_PEER_ADDRESS, ATTR.XOR_RELAYED_ADDRESS, ATTR.XOR_MAPPED_ADDRESS]) {
      const address = mustNotThrow('addressAttribute', () => addressAttribute(message, type));
      checkAddress(address, `attribute 0x${type.toString(16)}`, datagram.length * 3);
    }
    const data = mustNotThrow('bytesAttribute', () => bytesAttribute(message, ATTR.DATA));
    check(data === null || data.length <= datagram.length, 'DATA longer than the datagram');
    const lifetime = mustNotThrow('lifetimeOf', () => lifetimeOf(message));
    check(lifetime === null || Number.isFinite(lifetime), 'LIFETIME is not a finite number');
  },
  ...bytesCodec,
};
