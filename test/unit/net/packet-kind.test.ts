import { describe, expect, it } from 'vitest';
import { classifyPacket } from '../../../src-main/net/packet-kind.js';

const first = (text: string) => Buffer.from(text, 'latin1');

describe('classifyPacket on the SIP socket', () => {
  it('passes SIP whatever RFC 3261 token character its method starts with', () => {
    for (const start of [
      'INVITE',
      'SIP/2.0',
      'bye',
      '!X',
      '%X',
      '*X',
      '_X',
      '+X',
      '`X',
      "'X",
      '~X',
      '-X',
      '.X',
      '9X',
    ]) {
      expect(classifyPacket(first(`${start} sip:u@h SIP/2.0\r\n`), 'sip'), start).toBe('sip');
    }
    expect(classifyPacket(first('\r\n\r\n'), 'sip')).toBe('sip');
  });

  it('leaves STUN and RTP to their handlers and drops what no SIP message starts with', () => {
    expect(classifyPacket(Buffer.from([0x00, 0x01]), 'sip')).toBe('stun');
    expect(classifyPacket(Buffer.from([0x80, 0x00]), 'sip')).toBe('rtp');
    for (const start of [' X', '"X', '(X', '<X', '@X', '{X', '\tX']) {
      expect(classifyPacket(first(start), 'sip'), JSON.stringify(start)).toBe('unknown');
    }
  });

  it('on a media socket still reads 64–79 as TURN ChannelData', () => {
    expect(classifyPacket(Buffer.from([0x40, 0x00]), 'media')).toBe('turn-channel');
    expect(classifyPacket(first('!X'), 'media')).toBe('unknown');
  });
});
