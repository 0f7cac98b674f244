import { describe, expect, it } from 'vitest';
import { RtpReception } from '../../../src-main/media/rtp-reception.js';
import { extendSequence } from '../../../src-main/media/sequence-number.js';

describe('extendSequence', () => {
  it.each([
    [5, 3, 5],
    [65535, 65534, 65535],
    [0, 65535, 65536],
    [65535, 65536, 65535],
    [2, 65536 * 3 + 65530, 65536 * 4 + 2],
    [65530, 65536 * 4 + 2, 65536 * 3 + 65530],
    [0, 0, 0],
  ])('extends %i near %i to %i', (sequence, reference, extended) => {
    expect(extendSequence(sequence, reference)).toBe(extended);
  });
});

/** Feeds packets sent every 20 ms (160 timestamp units), arriving `delays[i]` ms late. */
function feed(reception: RtpReception, sequences: number[], delays: number[] = []): string[] {
  return sequences.map((sequence, i) =>
    reception.update(sequence & 0xffff, (sequence * 160) >>> 0, i * 20 + (delays[i] ?? 0)),
  );
}

describe('RtpReception (RFC 3550 A.1, A.3, A.8)', () => {
  it('counts a clean stream across the 16-bit wrap without loss', () => {
    const reception = new RtpReception();
    feed(
      reception,
      Array.from({ length: 100 }, (_, i) => 65500 + i),
    );
    expect(reception.packetsReceived).toBe(100);
    expect(reception.expected).toBe(100);
    expect(reception.cumulativeLost).toBe(0);
    expect(reception.extendedHighestSequence).toBe(65536 + 63);
  });

  it('counts gaps as loss and reordered packets as received', () => {
    const reception = new RtpReception();
    feed(reception, [10, 11, 13, 12, 16, 17]);
    expect(reception.expected).toBe(8);
    expect(reception.cumulativeLost).toBe(2);
    expect(reception.totalLost).toBe(2);
  });

  it('lets duplicates make the RTCP loss negative, but not the total shown to people', () => {
    const reception = new RtpReception();
    feed(reception, [1, 2, 2, 3, 3]);
    expect(reception.cumulativeLost).toBe(-2);
    expect(reception.totalLost).toBe(0);
  });

  it('rejects one packet after a large jump, and restarts when the next one follows it', () => {
    const reception = new RtpReception();
    const verdicts = feed(reception, [100, 101, 102, 40000, 40001, 40002]);
    expect(verdicts).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'rejected',
      'restarted',
      'accepted',
    ]);
    expect(reception.packetsReceived).toBe(5);
    expect(reception.cumulativeLost).toBe(0);
  });

  it('treats a lone stray packet far away as rejected, keeping the numbering', () => {
    const reception = new RtpReception();
    expect(feed(reception, [100, 101, 30000, 102, 103])).toEqual([
      'accepted',
      'accepted',
      'rejected',
      'accepted',
      'accepted',
    ]);
    expect(reception.extendedHighestSequence).toBe(103);
  });

  it('reports the fraction lost of each interval', () => {
    const reception = new RtpReception();
    feed(reception, [0, 1, 2, 3, 5, 6, 7]); // 8 expected, 7 received
    const first = reception.reportBlock(9);
    expect(first).toMatchObject({
      ssrc: 9,
      cumulativeLost: 1,
      extendedHighestSequence: 7,
      fractionLost: 32,
    });
    reception.update(8, 8 * 160, 200);
    expect(reception.reportBlock(9).fractionLost).toBe(0);
  });

  it('measures no jitter when packets arrive on time, and some when they do not', () => {
    const steady = new RtpReception();
    feed(
      steady,
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(steady.jitterMs).toBe(0);
    const jittery = new RtpReception();
    // Every other packet 10 ms late: |D| alternates 80 units; J converges towards 80 (10 ms).
    feed(
      jittery,
      Array.from({ length: 400 }, (_, i) => i),
      Array.from({ length: 400 }, (_, i) => (i % 2) * 10),
    );
    expect(jittery.jitterMs).toBeGreaterThan(9);
    expect(jittery.jitterMs).toBeLessThan(10.5);
    expect(jittery.jitterUnits).toBeCloseTo(jittery.jitterMs * 8, 6);
  });

  it('does not read the fixed timestamp of telephone-events as jitter', () => {
    const reception = new RtpReception();
    for (let i = 0; i < 20; i++) reception.update(i, 1000, i * 20, false);
    expect(reception.jitterMs).toBe(0);
  });

  it('keeps totals when a new source replaces the old one', () => {
    const reception = new RtpReception();
    feed(reception, [1, 2, 4]);
    reception.newSource();
    reception.update(50000, 0, 100);
    reception.update(50001, 160, 120);
    expect(reception.packetsReceived).toBe(5);
    expect(reception.totalLost).toBe(1);
    expect(reception.cumulativeLost).toBe(0);
  });
});
