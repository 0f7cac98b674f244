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
}

/** {@link MediaClock} on `performance.now()` and Node timers. */
export const systemClock: MediaClock = {
  now: () => performance.now(),
  setTimer(callback, delayMs, options) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    if (options?.background) timer.unref();
    return () => clearTimeout(timer);
  },
};
