import { describe, expect, it } from 'vitest';
import {
  decodeALawSample,
  decodeG711,
  decodeMuLawSample,
  encodeALawSample,
  encodeG711,
  encodeMuLawSample,
} from '../../../src-main/media/g711.js';
import { parseRtp, serializeRtp } from '../../../src-main/media/rtp-packet.js';
import { buildRtcpReport, parseRtcp } from '../../../src-main/media/rtcp.js';

describe('G.711', () => {
  it('has the known code points for silence', () => {
    expect(encodeMuLawSample(0)).toBe(0xff);
    expect(encodeALawSample(0)).toBe(0xd5);
    expect(decodeMuLawSample(0xff)).toBe(0);
  });

  it.each(['PCMU', 'PCMA'] as const)('%s round-trips within the quantisation step', (law) => {
    const pcm = Int16Array.from({ length: 2000 }, (_, i) => Math.round(Math.sin(i / 7) * (i * 16)));
    const decoded = decodeG711(encodeG711(pcm, law), law);
    for (let i = 0; i < pcm.length; i++) {
      const original = pcm[i] ?? 0;
      // Logarithmic companding: the error grows with the amplitude, about 1/16 of it at most.
      expect(Math.abs((decoded[i] ?? 0) - original)).toBeLessThanOrEqual(
        Math.abs(original) / 15 + 16,
      );
    }
  });

  it('is monotonic over the whole range', () => {
    for (const [encode, decode] of [
      [encodeMuLawSample, decodeMuLawSample],
      [encodeALawSample, decodeALawSample],
    ] as const) {
      let previous = -Infinity;
      for (let sample = -32768; sample <= 32767; sample += 97) {
        const value = decode(encode(sample));
        expect(value).toBeGreaterThanOrEqual(previous);
        previous = value;
      }
    }
  });
});

describe('RTP packets', () => {
  const packet = {
    marker: true,
    payloadType: 8,
    sequenceNumber: 65535,
    timestamp: 0xfffffff0,
    ssrc: 0xdeadbeef,
    payload: Uint8Array.from([1, 2, 3, 4]),
  };

  it('round-trips', () => {
    const parsed = parseRtp(serializeRtp(packet));
    expect(parsed).toMatchObject({ ...packet, payload: expect.anything() });
    expect(Array.from(parsed?.payload ?? [])).toEqual([1, 2, 3, 4]);
  });

  it('skips CSRCs, extensions and padding', () => {
    const raw = Buffer.from(serializeRtp(packet));
    const withAll = Buffer.concat([
      Buffer.from([0xb1, raw[1]!]), // V=2, P=1, X=1, CC=1
      raw.subarray(2, 12),
      Buffer.from([0, 0, 0, 9]), // CSRC
      Buffer.from([0xbe, 0xde, 0, 1, 7, 7, 7, 7]), // extension of one word
      Buffer.from([1, 2, 3, 4]),
      Buffer.from([0, 0, 3]), // padding, its length in the last byte
    ]);
    expect(Array.from(parseRtp(withAll)?.payload ?? [])).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['too short', Buffer.alloc(11, 0x80)],
    ['version 1', Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['CSRC count past the end', Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
    [
      'extension past the end',
      Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9]),
    ],
    ['padding longer than payload', Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 40])],
  ])('rejects a packet that is %s', (_name, datagram) => {
    expect(parseRtp(datagram)).toBeNull();
  });
});

describe('RTCP', () => {
  it('round-trips a sender report with a report block and a CNAME', () => {
    const datagram = buildRtcpReport(
      {
        type: 'sr',
        ssrc: 42,
        ntpMsw: 3900000000,
        ntpLsw: 123,
        rtpTimestamp: 160,
        packetCount: 50,
        octetCount: 8000,
        blocks: [
          {
            ssrc: 7,
            fractionLost: 12,
            cumulativeLost: -3,
            extendedHighestSequence: 70000,
            jitter: 33,
            lastSr: 1,
            delaySinceLastSr: 2,
          },
        ],
      },
      'natter-test',
    );
    expect(datagram.length % 4).toBe(0);
    expect(datagram.toString('latin1')).toContain('natter-test');
    const [report] = parseRtcp(datagram);
    expect(report).toMatchObject({ type: 'sr', ssrc: 42, packetCount: 50, octetCount: 8000 });
    expect(report?.blocks[0]).toMatchObject({
      ssrc: 7,
      cumulativeLost: -3,
      extendedHighestSequence: 70000,
      jitter: 33,
    });
  });

  it('returns nothing for garbage', () => {
    expect(parseRtcp(Buffer.from([0x80, 200, 0xff, 0xff]))).toEqual([]);
    expect(parseRtcp(Buffer.from('hello world'))).toEqual([]);
  });
});
