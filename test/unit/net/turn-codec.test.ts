/**
 * TURN requests as the encoder writes them, MESSAGE-INTEGRITY and FINGERPRINT appended to the
 * encoded bytes: checked with the `stun` package's own validators and decoder, and with ours.
 */
import { createHash } from 'node:crypto';
import stun from 'stun';
import { describe, expect, it } from 'vitest';
import {
  ALLOCATE,
  ATTR,
  decodeTurnMessage,
  encodeTurnMessage,
  REQUESTED_TRANSPORT_UDP,
  SEND_INDICATION,
  verifyIntegrity,
} from '../../../src-main/net/turn-codec.js';

const KEY = createHash('md5').update('alice:example.org:correct horse battery').digest();
const ID = Buffer.from('0102030405060708090a0b0c', 'hex');
const FINGERPRINT = 0x8028;

describe('encodeTurnMessage', () => {
  it('signs a request the package validates, with a nonce longer than 128 characters', () => {
    const nonce = Buffer.from('n'.repeat(200));
    const datagram = encodeTurnMessage(
      ALLOCATE,
      ID,
      [[ATTR.REQUESTED_TRANSPORT, REQUESTED_TRANSPORT_UDP]],
      { username: 'alice', realm: Buffer.from('example.org'), nonce, key: KEY },
    );
    const message = stun.decode(datagram);
    expect(message.type).toBe(ALLOCATE);
    expect(message.transactionId.equals(ID)).toBe(true);
    expect(stun.validateMessageIntegrity(message, KEY)).toBe(true);
    expect(stun.validateMessageIntegrity(message, Buffer.alloc(16))).toBe(false);
    expect(stun.validateFingerprint(message)).toBe(true);
    expect(verifyIntegrity(datagram, KEY)).toBe(true);
    expect(String(message.getAttribute(ATTR.NONCE)?.value)).toBe('n'.repeat(200));
    expect(decodeTurnMessage(datagram)).not.toBeNull();
    // MESSAGE-INTEGRITY, then FINGERPRINT last (RFC 5389 §15.5), the header counting both.
    expect(datagram.readUInt16BE(datagram.length - 8)).toBe(FINGERPRINT);
    expect(datagram.readUInt16BE(datagram.length - 32)).toBe(ATTR.MESSAGE_INTEGRITY);
    expect(datagram.readUInt16BE(2)).toBe(datagram.length - 20);
  });

  it('writes an indication with a FINGERPRINT and no MESSAGE-INTEGRITY', () => {
    const datagram = encodeTurnMessage(
      SEND_INDICATION,
      ID,
      [
        [ATTR.XOR_PEER_ADDRESS, '203.0.113.5', 20000],
        [ATTR.DATA, Buffer.alloc(161, 0xd5)],
      ],
      null,
    );
    const message = stun.decode(datagram);
    expect(stun.validateFingerprint(message)).toBe(true);
    expect(message.getAttribute(ATTR.MESSAGE_INTEGRITY)).toBeUndefined();
    expect(message.getAttribute(ATTR.XOR_PEER_ADDRESS)?.value).toEqual({
      address: '203.0.113.5',
      port: 20000,
      family: 'IPv4',
    });
    expect(Buffer.from(message.getAttribute(ATTR.DATA)?.value as Buffer)).toEqual(
      Buffer.alloc(161, 0xd5),
    );
  });
});
