import { describe, expect, it } from 'vitest';
import { classifyNat } from '../../../src-main/net/nat-classifier.js';
import { classifyPacket } from '../../../src-main/net/packet-kind.js';

const local = { address: '192.168.1.20', port: 5060 };
const serverA = { address: '198.51.100.10', port: 3478 };
const serverA2 = { address: '198.51.100.10', port: 3479 };
const serverB = { address: '198.51.100.20', port: 3478 };
const publicX = { address: '203.0.113.5', port: 40000 };
const publicY = { address: '203.0.113.5', port: 40017 };

describe('NAT classification (RFC 4787 mapping behaviour)', () => {
  it.each([
    ['no answer', [{ serverAddress: serverA, mapped: null }], 'blocked'],
    ['mapping equals local', [{ serverAddress: serverA, mapped: local }], 'open'],
    [
      'same mapping from two servers',
      [
        { serverAddress: serverA, mapped: publicX },
        { serverAddress: serverB, mapped: publicX },
      ],
      'cone',
    ],
    [
      'different mappings',
      [
        { serverAddress: serverA, mapped: publicX },
        { serverAddress: serverB, mapped: publicY },
      ],
      'symmetric',
    ],
    [
      'one answer only',
      [
        { serverAddress: serverA, mapped: publicX },
        { serverAddress: serverB, mapped: null },
      ],
      'unknown',
    ],
    [
      'two ports of one IP cannot tell',
      [
        { serverAddress: serverA, mapped: publicX },
        { serverAddress: serverA2, mapped: publicY },
      ],
      'unknown',
    ],
  ] as const)('%s → %s', (_name, answers, expected) => {
    expect(classifyNat(local, [...answers])).toBe(expected);
  });
});

describe('first-byte demultiplexing (RFC 7983)', () => {
  const bytes = (...values: number[]) => Uint8Array.from(values);
  it('tells STUN, RTP and SIP apart on a SIP socket', () => {
    expect(classifyPacket(bytes(0x00, 0x01), 'sip')).toBe('stun');
    expect(classifyPacket(bytes(0x80, 0x00), 'sip')).toBe('rtp');
    expect(classifyPacket(Buffer.from('INVITE sip:x SIP/2.0'), 'sip')).toBe('sip');
    expect(classifyPacket(Buffer.from('SIP/2.0 200 OK'), 'sip')).toBe('sip');
    expect(classifyPacket(Buffer.from('\r\n\r\n'), 'sip')).toBe('sip');
    expect(classifyPacket(bytes(0xff), 'sip')).toBe('unknown');
    expect(classifyPacket(bytes(), 'sip')).toBe('unknown');
  });
  it('keeps 64–79 for TURN channels on a media socket', () => {
    expect(classifyPacket(bytes(0x40, 0x00), 'media')).toBe('turn-channel');
    expect(classifyPacket(Buffer.from('INVITE'), 'media')).toBe('turn-channel');
    expect(classifyPacket(Buffer.from('SIP/2.0'), 'media')).toBe('unknown');
    expect(classifyPacket(bytes(0xbf), 'media')).toBe('rtp');
    expect(classifyPacket(bytes(0x03), 'media')).toBe('stun');
  });
});
