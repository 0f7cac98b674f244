/**
 * The time source of the media path. RTP pacing needs a monotonic clock (wall-clock steps from
 * NTP would otherwise stretch or squeeze the 20 ms cadence), and tests need to drive time by
 * hand, so the session takes its clock as an option instead of calling timers directly.
 */
export interface MediaClock {
  /** Monotonic milliseconds, sub-millisecond resolution; the origin is arbitrary. */
  now(): number;
  /**
   * Runs `callback` once after `delayMs`. A `background` timer does not keep the process alive
   * (RTCP must not hold a CLI open; the RTP cadence of a live call may). Returns a canceller.
   */
  setTimer(callback: () => void, delayMs: number, options?: { background?: boolean }): () => void;
  /**
   * The first instant at least `minAheadMs` from now on a grid of `periodMs` shared by every user
   * of this clock, or absent when the clock has no such grid. Packet clocks that keep to one
   * grid fall due together, so one wake-up of the process sends for every call on it: on a
   * loaded machine a wake-up costs more than the work done in it.
   */
  nextGridInstant?(periodMs: number, minAheadMs: number): number;
}

/** {@link MediaClock} on `performance.now()` and Node timers. */
export const systemClock: MediaClock = {
  now: () => performance.now(),
  setTimer(callback, delayMs, options) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    if (options?.background) timer.unref();
    return () => clearTimeout(timer);
  },
  // One grid for the process: multiples of the period since performance.now()'s origin. Node runs
  // every timer due by the event loop's (whole-millisecond) time in one pass, so ticks that
  // fall due within the same millisecond share a wake-up.
  nextGridInstant(periodMs, minAheadMs) {
    return Math.ceil((performance.now() + minAheadMs) / periodMs) * periodMs;
  },
};
