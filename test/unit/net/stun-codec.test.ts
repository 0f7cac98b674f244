import { describe, expect, it } from 'vitest';
import {
  BINDING_REQUEST,
  BINDING_SUCCESS,
  decodeStunMessage,
  encodeBindingRequest,
  readRawErrorCode,
} from '../../../src-main/net/stun-codec.js';

/** RFC 5769 §2.2: sample IPv4 Binding success response (XOR-MAPPED-ADDRESS 192.0.2.1:32853). */
const RFC5769_IPV4_RESPONSE = Buffer.from(
  '0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643' +
    '000800146e4296c97c56e1e7a88ffd1e16e6d43b1a74ad0c8028000405b9ddb8',
  'hex',
);

/** RFC 5769 §2.1: sample request. */
const RFC5769_REQUEST = Buffer.from(
  '000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff' +
    '80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249' +
    'c1b571a280280004e57a3bcf',
  'hex',
);

function errorResponse(code: number, reason: string): Buffer {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const padded = Math.ceil(reasonBytes.length / 4) * 4;
  const attribute = Buffer.alloc(4 + 4 + padded);
  attribute.writeUInt16BE(0x0009, 0);
  attribute.writeUInt16BE(4 + reasonBytes.length, 2);
  attribute[6] = Math.floor(code / 100);
  attribute[7] = code % 100;
  reasonBytes.copy(attribute, 8);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0111, 0);
  header.writeUInt16BE(attribute.length, 2);
  header.writeUInt32BE(0x2112a442, 4);
  return Buffer.concat([header, attribute]);
}

describe('STUN codec on the stun package', () => {
  it('decodes the RFC 5769 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const message = decodeStunMessage(RFC5769_IPV4_RESPONSE);
    expect(message?.type).toBe(BINDING_SUCCESS);
    expect(message?.xorMappedAddress).toEqual({ address: '192.0.2.1', port: 32853 });
    expect(message?.transactionId.toString('hex')).toBe('b7e7a701bc34d686fa87dfae');
  });

  it('decodes the RFC 5769 sample request', () => {
    const message = decodeStunMessage(RFC5769_REQUEST);
    expect(message?.type).toBe(BINDING_REQUEST);
    expect(message?.transactionId.toString('hex')).toBe('b7e7a701bc34d686fa87dfae');
  });

  it('encodes a Binding request with our transaction ID and the magic cookie', () => {
    const id = Buffer.from('0102030405060708090a0b0c', 'hex');
    const request = encodeBindingRequest(id);
    expect(request.readUInt16BE(0)).toBe(BINDING_REQUEST);
    expect(request.readUInt32BE(4)).toBe(0x2112a442);
    expect(request.subarray(8, 20)).toEqual(id);
  });

  it.each([401, 438, 300, 500, 699])('reads ERROR-CODE %i from the raw attribute', (code) => {
    const datagram = errorResponse(code, 'Reason');
    expect(readRawErrorCode(datagram)).toEqual({ code, reason: 'Reason' });
    expect(decodeStunMessage(datagram)?.errorCode).toBe(code);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['short', Buffer.from('0101', 'hex')],
    ['wrong cookie', Buffer.from(RFC5769_IPV4_RESPONSE).fill(0, 4, 8)],
    ['wrong length', Buffer.concat([RFC5769_IPV4_RESPONSE, Buffer.alloc(4)])],
    [
      'truncated attribute',
      (() => {
        const copy = Buffer.from(RFC5769_IPV4_RESPONSE);
        copy.writeUInt16BE(0x00ff, 22);
        return copy;
      })(),
    ],
    ['garbage', Buffer.from('00010008212112a4deadbeefdeadbeefdeadbeef0000ffff0000ffff', 'hex')],
  ])('returns null for a %s datagram instead of throwing', (_name, datagram) => {
    expect(() => decodeStunMessage(datagram)).not.toThrow();
    const decoded = decodeStunMessage(datagram);
    if (decoded) expect(decoded.xorMappedAddress).toBeNull();
  });
});
