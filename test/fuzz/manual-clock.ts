/**
 * A clock that moves only when told (the {@link MediaClock} seam), for fuzz targets whose code
 * waits on timers: an input may spend minutes of protocol time (retransmissions, refreshes,
 * deadlines) in microseconds, and two runs of one input fire the same timers in the same order.
 * It also holds its users to what Node's timers can do: a delay above 2^31-1 ms, or not a number,
 * fires at once in Node (with a TimeoutOverflowWarning), so it is recorded as a fault.
 */
import type { MediaClock } from '../../src-main/media/media-clock.js';
import { ContractViolation } from './fuzz-target.js';

/** The longest delay a Node timer holds (about 24.8 days). */
export const NODE_MAX_DELAY_MS = 2 ** 31 - 1;

interface Timer {
  due: number;
  callback: () => void;
}

export class ManualClock implements MediaClock {
  /** Faults of the clock's users: delays Node would not have honoured. */
  readonly faults: string[] = [];
  /** Timers fired so far. */
  fired = 0;
  // Not zero: code that treats 0 as "never" must not be favoured by the fake.
  private time = 1_000_000;
  private sequence = 0;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): () => void {
    if (!(delayMs <= NODE_MAX_DELAY_MS)) {
      this.faults.push(`a timer of ${delayMs} ms, which Node fires at once`);
    }
    const id = this.sequence++;
    this.timers.set(id, { due: this.time + Math.max(0, delayMs), callback });
    return () => this.timers.delete(id);
  }

  /** Timers set and neither fired nor cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing each timer at its due time in order and letting the
   * promise continuations it starts run before the next fires (as the event loop does). Throws
   * when more than `maxFired` timers have fired in all: a timer that keeps rescheduling itself
   * without pause is a hang, however much protocol time it claims.
   */
  async advance(ms: number, maxFired: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || !(next[1].due <= end)) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].due);
      if (++this.fired > maxFired) {
        throw new ContractViolation(`${this.fired} timers fired: a timer loop`);
      }
      next[1].callback();
      await settle();
    }
    this.time = end;
    await settle();
  }

  private earliest(): [number, Timer] | undefined {
    let best: [number, Timer] | undefined;
    for (const entry of this.timers) if (!best || entry[1].due < best[1].due) best = entry;
    return best;
  }
}

/** Lets every promise continuation that is ready run: the microtask queue drains before this. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
