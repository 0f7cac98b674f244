import { describe, expect, it } from 'vitest';
import {
  buildRtcpCompound,
  compactNtp,
  isRtcpSecondByte,
  ntpTimestamp,
  parseRtcp,
  type RtcpReport,
} from '../../../src-main/media/rtcp.js';

const senderReport: RtcpReport = {
  type: 'sr',
  ssrc: 42,
  sender: {
    ntpSeconds: 3_900_000_000,
    ntpFraction: 123,
    rtpTimestamp: 160,
    packetCount: 50,
    octetCount: 8000,
  },
  blocks: [
    {
      ssrc: 7,
      fractionLost: 12,
      cumulativeLost: -3,
      extendedHighestSequence: 70000,
      jitter: 33,
      lastSr: 0x12345678,
      delaySinceLastSr: 65536,
    },
  ],
};

describe('RTCP (RFC 3550 §6)', () => {
  it('round-trips a sender report with a report block, and its CNAME', () => {
    const datagram = buildRtcpCompound(senderReport, { cname: 'natter-test' });
    expect(datagram.length % 4).toBe(0);
    expect(datagram[0]).toBe(0x81); // V=2, one report block
    expect(datagram[1]).toBe(200);
    expect(parseRtcp(datagram)).toEqual({
      reports: [senderReport],
      cnames: [{ ssrc: 42, cname: 'natter-test' }],
      bye: [],
    });
  });

  it('round-trips a receiver report without blocks, and a BYE', () => {
    const receiverReport: RtcpReport = { type: 'rr', ssrc: 0xffffffff, blocks: [] };
    const parsed = parseRtcp(buildRtcpCompound(receiverReport, { cname: 'x', bye: true }));
    expect(parsed?.reports).toEqual([receiverReport]);
    expect(parsed?.bye).toEqual([0xffffffff]);
  });

  it('clamps the cumulative loss to 24 bits signed', () => {
    const block = { ...senderReport.blocks[0]!, cumulativeLost: -10_000_000 };
    const parsed = parseRtcp(
      buildRtcpCompound({ ...senderReport, blocks: [block] }, { cname: 'x' }),
    );
    expect(parsed?.reports[0]?.blocks[0]?.cumulativeLost).toBe(-0x800000);
  });

  it('cuts a long CNAME to 255 octets without splitting a character', () => {
    const cname = 'é'.repeat(200);
    const parsed = parseRtcp(buildRtcpCompound(senderReport, { cname }));
    expect(parsed?.cnames[0]?.cname).toBe('é'.repeat(127));
  });

  it('skips packet types it does not know inside a compound', () => {
    const report = buildRtcpCompound(senderReport, { cname: 'abc' });
    const app = Buffer.from([0x80, 204, 0, 2, 0, 0, 0, 42, 0x6e, 0x61, 0x74, 0x74]);
    const parsed = parseRtcp(Buffer.concat([report, app]));
    expect(parsed?.reports).toHaveLength(1);
    expect(parsed?.cnames).toEqual([{ ssrc: 42, cname: 'abc' }]);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['a length past the end', Buffer.from([0x80, 200, 0xff, 0xff])],
    ['text', Buffer.from('hello world!')],
    ['version 1', Buffer.from([0x40, 201, 0, 1, 0, 0, 0, 1])],
    ['an SDES first', Buffer.from([0x81, 202, 0, 1, 0, 0, 0, 1])],
    ['a trailing fragment', Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 201])],
    ['report blocks past the length', Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 1])],
    ['an SR too short for its sender info', Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 1])],
    ['padding on the first of two', Buffer.from([0xa0, 201, 0, 1, 0, 0, 0, 1, 0x80, 203, 0, 0])],
  ])('rejects %s', (_name, datagram) => {
    expect(parseRtcp(datagram)).toBeNull();
  });

  it('never throws on random bytes', () => {
    let seed = 99;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const valid = buildRtcpCompound(senderReport, { cname: 'natter' });
    for (let i = 0; i < 5000; i++) {
      // Corrupt a few octets of a valid compound, so the parser gets past its first checks.
      const datagram = Buffer.from(valid.subarray(0, Math.floor(random() * (valid.length + 1))));
      for (let k = 0; k < 3; k++) {
        datagram[Math.floor(random() * datagram.length)] = Math.floor(random() * 256);
      }
      expect(() => parseRtcp(datagram)).not.toThrow();
    }
  });

  it('converts wall-clock time to NTP (RFC 3550 §4)', () => {
    expect(ntpTimestamp(0)).toEqual({ seconds: 2_208_988_800, fraction: 0 });
    expect(ntpTimestamp(1500)).toEqual({ seconds: 2_208_988_801, fraction: 2 ** 31 });
    expect(compactNtp(0x1234abcd, 0x5678ef01)).toBe(0xabcd5678);
  });

  it('tells RTCP from RTP by the second octet (RFC 5761 §4)', () => {
    expect(isRtcpSecondByte(200)).toBe(true);
    expect(isRtcpSecondByte(201)).toBe(true);
    expect(isRtcpSecondByte(0)).toBe(false); // PCMU
    expect(isRtcpSecondByte(0x80 | 101)).toBe(false); // telephone-event with the marker
  });
});
