import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, JitterBuffer } from '../../../src-main/media/jitter-buffer.js';

function frame(value: number): Int16Array {
  return new Int16Array(FRAME_SAMPLES).fill(value);
}

/** First sample of each popped frame, or null. */
function pops(buffer: JitterBuffer, count: number): Array<number | null> {
  return Array.from({ length: count }, () => {
    const popped = buffer.pop();
    return popped ? (popped[0] ?? 0) : null;
  });
}

describe('JitterBuffer', () => {
  it('holds audio until its initial delay is buffered, then plays in sequence order', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 3 });
    buffer.push(11, frame(11));
    buffer.push(10, frame(10));
    expect(buffer.pop()).toBeNull();
    expect(buffer.started).toBe(false);
    buffer.push(12, frame(12));
    expect(pops(buffer, 3)).toEqual([10, 11, 12]);
    expect(buffer.stats.played).toBe(3);
  });

  it('starts on the delay spanned, so a lost first packet does not hold playout back', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 3 });
    buffer.push(1, frame(1));
    buffer.push(3, frame(3));
    expect(buffer.pop()?.[0]).toBe(1);
  });

  it('conceals a lost frame with attenuated repeats, then silence', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2, maxConcealedFrames: 2 });
    buffer.push(1, frame(1000));
    buffer.push(2, frame(2000));
    buffer.push(6, frame(6000));
    expect(pops(buffer, 6)).toEqual([1000, 2000, 1000, 500, 0, 6000]);
    expect(buffer.stats).toMatchObject({ played: 3, concealed: 2, silent: 1, underruns: 0 });
  });

  it('plays across the 16-bit sequence wrap', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2 });
    buffer.push(65534, frame(1));
    buffer.push(65535, frame(2));
    expect(buffer.pop()?.[0]).toBe(1);
    buffer.push(1, frame(4));
    buffer.push(0, frame(3));
    expect(pops(buffer, 3)).toEqual([2, 3, 4]);
    expect(buffer.stats.late + buffer.stats.resyncs).toBe(0);
  });

  it('drops duplicates and packets whose time has passed', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2, adaptive: false });
    buffer.push(100, frame(1));
    buffer.push(101, frame(2));
    expect(buffer.push(101, frame(99))).toBe(false);
    expect(pops(buffer, 2)).toEqual([1, 2]);
    expect(buffer.push(100, frame(77))).toBe(false);
    expect(buffer.stats).toMatchObject({ duplicates: 1, late: 1 });
  });

  it('counts an underrun, and still plays a packet that was merely delayed', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2, maxConcealedFrames: 1 });
    buffer.push(1, frame(1));
    buffer.push(2, frame(2));
    expect(pops(buffer, 2)).toEqual([1, 2]);
    expect(pops(buffer, 2)).toEqual([1, 0]); // nothing left: concealed, then silent
    expect(buffer.stats.underruns).toBe(1);
    buffer.push(3, frame(3));
    expect(buffer.stats.late).toBe(0);
    buffer.push(4, frame(4));
    expect(pops(buffer, 2)).toEqual([3, 4]);
  });

  it('raises its delay by a frame when a packet comes late (adaptive)', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2, maxConcealedFrames: 5 });
    buffer.push(1, frame(100));
    buffer.push(2, frame(200));
    buffer.push(4, frame(400));
    expect(pops(buffer, 3)).toEqual([100, 200, 100]); // 3 is missing: concealed
    expect(buffer.push(3, frame(300))).toBe(false); // too late
    expect(buffer.targetDelayFrames).toBe(3);
    buffer.push(5, frame(500));
    // One more concealed frame is stretched in, so the delay really grows by 20 ms.
    expect(pops(buffer, 3)).toEqual([50, 400, 500]);
  });

  it('keeps a fixed delay when not adaptive', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2, adaptive: false });
    buffer.push(1, frame(1));
    buffer.push(2, frame(2));
    buffer.push(4, frame(4));
    pops(buffer, 3);
    buffer.push(3, frame(3));
    expect(buffer.targetDelayFrames).toBe(2);
    expect(buffer.stats.late).toBe(1);
  });

  it('sheds delay a burst left behind, after a window of steady playout', () => {
    const window = 20;
    const buffer = new JitterBuffer({ initialDelayFrames: 2, adaptWindowFrames: window });
    let sequence = 0;
    // A burst of 8 frames, then one frame per pop: 6 frames more delay than needed.
    for (; sequence < 8; sequence++) buffer.push(sequence, frame(sequence));
    for (let i = 0; i < window + 1; i++) {
      buffer.pop();
      buffer.push(sequence, frame(sequence));
      sequence++;
    }
    expect(buffer.delayFrames).toBeLessThanOrEqual(3);
    expect(buffer.stats.discarded).toBeGreaterThanOrEqual(5);
  });

  it('bounds what it holds', () => {
    const buffer = new JitterBuffer({ capacityFrames: 10 });
    for (let sequence = 0; sequence < 10; sequence++) buffer.push(sequence, frame(sequence));
    buffer.push(10, frame(10));
    expect(buffer.depth).toBe(10);
    expect(buffer.stats.discarded).toBe(1);
    expect(buffer.pop()?.[0]).toBe(1);
  });

  it('starts over when the sequence jumps far ahead', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2, capacityFrames: 50 });
    buffer.push(1, frame(1));
    buffer.push(2, frame(2));
    expect(buffer.pop()?.[0]).toBe(1);
    buffer.push(20000, frame(7));
    buffer.push(20001, frame(8));
    expect(buffer.stats.resyncs).toBe(1);
    expect(pops(buffer, 2)).toEqual([7, 8]);
  });

  it('starts over when a sender restarts its numbering far behind', () => {
    const buffer = new JitterBuffer({ initialDelayFrames: 2, capacityFrames: 50 });
    buffer.push(10000, frame(1));
    buffer.push(10001, frame(2));
    pops(buffer, 2);
    for (let i = 0; i < 4; i++) buffer.push(500 + i, frame(50 + i));
    expect(buffer.stats.resyncs).toBe(1);
    expect(buffer.stats.late).toBe(2);
    expect(pops(buffer, 2)).toEqual([52, 53]);
  });

  it('forgets its frames on reset but keeps playing (silence) once started', () => {
    const buffer = new JitterBuffer({
      initialDelayFrames: 1,
      minDelayFrames: 1,
      maxConcealedFrames: 0,
    });
    buffer.push(1, frame(1));
    expect(buffer.pop()?.[0]).toBe(1);
    buffer.push(2, frame(2));
    buffer.reset();
    expect(buffer.depth).toBe(0);
    expect(buffer.pop()?.[0]).toBe(0);
    buffer.push(9000, frame(9));
    expect(buffer.pop()?.[0]).toBe(9);
  });
});
