import { describe, expect, it } from 'vitest';
import {
  DtmfReceiver,
  decodeTelephoneEvent,
  encodeTelephoneEvent,
  planDtmf,
} from '../../../src-main/media/dtmf.js';
import { decodeG711, encodeG711 } from '../../../src-main/media/g711.js';
import { FRAME_SAMPLES, JitterBuffer } from '../../../src-main/media/jitter-buffer.js';
import { goertzelPower, ToneDetector, ToneGenerator } from '../../../src-main/media/tone.js';

function frame(value: number): Int16Array {
  return new Int16Array(FRAME_SAMPLES).fill(value);
}

describe('JitterBuffer', () => {
  it('waits for its target depth, then plays in sequence order despite reordering', () => {
    const buffer = new JitterBuffer({ targetDepth: 3 });
    buffer.push(11, frame(11));
    buffer.push(10, frame(10));
    expect(buffer.pop()).toBeNull();
    buffer.push(12, frame(12));
    expect([buffer.pop()?.[0], buffer.pop()?.[0], buffer.pop()?.[0]]).toEqual([10, 11, 12]);
  });

  it('conceals a lost frame by an attenuated repeat, then silence', () => {
    const buffer = new JitterBuffer({ targetDepth: 1, maxConcealedFrames: 2 });
    buffer.push(1, frame(1000));
    buffer.push(5, frame(5000));
    expect(buffer.pop()?.[0]).toBe(1000);
    expect(buffer.pop()?.[0]).toBe(500);
    expect(buffer.pop()?.[0]).toBe(250);
    expect(buffer.pop()?.[0]).toBe(0);
    expect(buffer.pop()?.[0]).toBe(5000);
    expect(buffer.stats).toMatchObject({ played: 2, concealed: 2, silent: 1 });
  });

  it('drops duplicates and late packets, and survives the 16-bit sequence wrap', () => {
    const buffer = new JitterBuffer({ targetDepth: 2 });
    buffer.push(65534, frame(1));
    buffer.push(65535, frame(2));
    buffer.push(65535, frame(99));
    expect(buffer.pop()?.[0]).toBe(1);
    buffer.push(0, frame(3));
    buffer.push(1, frame(4));
    expect([buffer.pop()?.[0], buffer.pop()?.[0], buffer.pop()?.[0]]).toEqual([2, 3, 4]);
    buffer.push(65534, frame(77));
    expect(buffer.stats.duplicates).toBe(1);
    expect(buffer.stats.late).toBe(1);
  });
});

describe('RFC 4733 DTMF', () => {
  it('encodes and decodes an event', () => {
    const event = { event: 11, end: true, volume: 10, duration: 800 };
    expect(decodeTelephoneEvent(encodeTelephoneEvent(event))).toEqual(event);
    expect(decodeTelephoneEvent(Uint8Array.from([1, 2]))).toBeNull();
  });

  it('plans a digit as growing durations, marker first, end sent three times, then a gap', () => {
    const plan = planDtmf('5', 100, 60);
    const events = plan.filter((p) => !p.gap).map((p) => decodeTelephoneEvent(p.payload));
    expect(plan[0]?.marker).toBe(true);
    expect(events.map((e) => e?.duration)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(events.filter((e) => e?.end)).toHaveLength(3);
    expect(plan.filter((p) => p.gap)).toHaveLength(3);
    expect(planDtmf('x')).toEqual([]);
  });

  it('reports each digit once despite redundant packets', () => {
    const receiver = new DtmfReceiver();
    const digits: string[] = [];
    let timestamp = 1000;
    for (const packet of planDtmf('1#9')) {
      if (packet.startsEvent) timestamp += 2000;
      if (packet.gap) continue;
      const digit = receiver.receive(timestamp, packet.payload);
      if (digit) digits.push(digit);
    }
    expect(digits.join('')).toBe('1#9');
  });
});

describe('tones', () => {
  it('Goertzel finds 1 kHz in a 1 kHz tone and not 1.5 kHz', () => {
    const tone = new ToneGenerator({ frequency: 1000 }).next();
    expect(goertzelPower(tone, 1000)).toBeGreaterThan(100 * goertzelPower(tone, 1500));
  });

  it('the detector hears the tone through µ-law, and not a different tone or silence', () => {
    const generator = new ToneGenerator({ frequency: 1000 });
    const other = new ToneGenerator({ frequency: 1500 });
    const detector = new ToneDetector({ frequency: 1000 });
    for (let i = 0; i < 20; i++)
      detector.push(decodeG711(encodeG711(generator.next(), 'PCMU'), 'PCMU'));
    expect(detector.toneFrames).toBe(20);
    for (let i = 0; i < 20; i++)
      detector.push(decodeG711(encodeG711(other.next(), 'PCMA'), 'PCMA'));
    detector.push(new Int16Array(FRAME_SAMPLES));
    expect(detector.toneFrames).toBe(20);
  });

  it('keeps the phase continuous across frames', () => {
    const generator = new ToneGenerator({ frequency: 400 });
    const a = generator.next();
    const b = generator.next();
    const step = Math.abs((b[0] ?? 0) - (a[FRAME_SAMPLES - 1] ?? 0));
    expect(step).toBeLessThan(8000 * 0.35);
  });
});
