import { describe, expect, it } from 'vitest';
import { StreamClockLearner } from '../../../src-main/media/stream-clock.js';

/** Feeds `count` consecutive 20 ms packets stamped `step` apart; returns what each observe said. */
function feed(
  learner: StreamClockLearner,
  step: number,
  count: number,
  from = 0,
): (number | null)[] {
  return Array.from({ length: count }, (_, i) =>
    learner.observe((from + i) & 0xffff, ((from + i) * step) >>> 0, 20),
  );
}

describe('the RTP clock a far end stamps with, read from its stream', () => {
  it('keeps the SDP’s 8000 for a stream stamped 160 per 20 ms', () => {
    const learner = new StreamClockLearner(8000);
    expect(feed(learner, 160, 50).every((said) => said === null)).toBe(true);
    expect(learner.current).toBe(8000);
  });

  it('takes 16000 once three packets in a row are stamped 320 per 20 ms, and says so once', () => {
    const learner = new StreamClockLearner(8000);
    const said = feed(learner, 320, 10);
    expect(said.filter((clock) => clock !== null)).toEqual([16000]);
    expect(said.indexOf(16000)).toBe(3);
    expect(learner.current).toBe(16000);
  });

  it('is not moved by one gap after a silence, by reordering, or by a wrapped timestamp', () => {
    const learner = new StreamClockLearner(8000);
    feed(learner, 160, 5);
    // A talkspurt after 20 ms of silence: one packet stamped 320 later, then 160 again.
    expect(learner.observe(5, 5 * 160 + 160, 20)).toBeNull();
    expect(feed(learner, 160, 5, 6).every((said) => said === null)).toBe(true);
    // Out of order: no measurement across a sequence gap.
    expect(learner.observe(20, 99_999, 20)).toBeNull();
    expect(learner.current).toBe(8000);
    // Timestamps wrap at 2^32 without a jump in the measured clock.
    const wrapping = new StreamClockLearner(8000);
    const start = 2 ** 32 - 320;
    for (let i = 0; i < 6; i++) {
      expect(wrapping.observe(i, (start + i * 160) >>> 0, 20)).toBeNull();
    }
  });
});
