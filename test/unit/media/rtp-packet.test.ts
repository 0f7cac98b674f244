import { describe, expect, it } from 'vitest';
import { parseRtp, serializeRtp, type RtpPacket } from '../../../src-main/media/rtp-packet.js';

const packet: RtpPacket = {
  marker: true,
  payloadType: 8,
  sequenceNumber: 65535,
  timestamp: 0xfffffff0,
  ssrc: 0xdeadbeef,
  payload: Uint8Array.from([1, 2, 3, 4]),
};

describe('RTP packets (RFC 3550 §5.1)', () => {
  it('serializes the fixed header bit by bit', () => {
    const wire = serializeRtp(packet);
    expect([...wire]).toEqual([
      0x80, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
    ]);
  });

  it('round-trips', () => {
    const parsed = parseRtp(serializeRtp(packet));
    expect(parsed).toMatchObject({ ...packet, payload: expect.anything() });
    expect([...(parsed?.payload ?? [])]).toEqual([1, 2, 3, 4]);
    expect(parsed?.csrcs).toBeUndefined();
    expect(parsed?.extension).toBeUndefined();
  });

  it('round-trips CSRCs and a header extension', () => {
    const full: RtpPacket = {
      ...packet,
      marker: false,
      csrcs: [1, 0xffffffff],
      extension: { profile: 0xbede, data: Uint8Array.from([0x10, 0xaa, 0, 0]) },
    };
    const parsed = parseRtp(serializeRtp(full));
    expect(parsed?.marker).toBe(false);
    expect(parsed?.csrcs).toEqual([1, 0xffffffff]);
    expect(parsed?.extension?.profile).toBe(0xbede);
    expect([...(parsed?.extension?.data ?? [])]).toEqual([0x10, 0xaa, 0, 0]);
    expect([...(parsed?.payload ?? [])]).toEqual([1, 2, 3, 4]);
  });

  it('strips padding', () => {
    const raw = serializeRtp(packet);
    const padded = Buffer.concat([raw, Buffer.from([0, 0, 3])]);
    padded[0] = (padded[0] ?? 0) | 0x20;
    expect([...(parseRtp(padded)?.payload ?? [])]).toEqual([1, 2, 3, 4]);
  });

  it('accepts a header with an empty payload', () => {
    const parsed = parseRtp(serializeRtp({ ...packet, payload: new Uint8Array(0) }));
    expect(parsed?.payload.length).toBe(0);
  });

  it('masks fields to their wire width', () => {
    const parsed = parseRtp(
      serializeRtp({ ...packet, payloadType: 0xff, sequenceNumber: 0x1_0001, timestamp: -1 }),
    );
    expect(parsed).toMatchObject({ payloadType: 0x7f, sequenceNumber: 1, timestamp: 0xffffffff });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['too short', Buffer.alloc(11, 0x80)],
    ['version 0', Buffer.from([0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['version 1', Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['version 3', Buffer.from([0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['CSRC count past the end', Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['extension header cut short', Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe])],
    [
      'extension longer than the packet',
      Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9]),
    ],
    [
      'padding longer than the payload',
      Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 40]),
    ],
    ['padding count of zero', Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0])],
  ])('rejects a packet that is %s', (_name, datagram) => {
    expect(parseRtp(datagram)).toBeNull();
  });

  it('never throws on random bytes, and what it accepts stays inside the datagram', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 5000; i++) {
      const datagram = Uint8Array.from({ length: Math.floor(random() * 64) }, () =>
        Math.floor(random() * 256),
      );
      // Bias half of them towards version 2 so the deeper checks run.
      if (i % 2 === 0 && datagram.length > 0) datagram[0] = 0x80 | ((datagram[0] ?? 0) & 0x3f);
      const parsed = parseRtp(datagram);
      if (parsed) {
        expect(parsed.payload.byteOffset + parsed.payload.length).toBeLessThanOrEqual(
          datagram.byteOffset + datagram.length,
        );
      }
    }
  });
});
