/**
 * The call screen's one clock: a tick on each whole second of the wall clock, shared by everything
 * on the screen that changes with time (the call's clock, its statistics, the delay readout, the
 * one-way-audio watchdog). Each of those changes on its own timer upstream (main's statistics,
 * the worklet's reports); shown only on the tick, they change in one commit, so the page lays out
 * and paints once a second instead of once per source.
 */
import { useRef, useSyncExternalStore } from 'react';

/** A little past the second, so a timer that fires early still lands in the new second. */
const TICK_OFFSET_MS = 5;

/** How long from `now` to the next tick, in ms. */
export function msUntilNextTick(now: number): number {
  return 1000 - (now % 1000) + TICK_OFFSET_MS;
}

/** The whole second `now` falls in, as ms since the epoch. */
export function tickOf(now: number): number {
  return now - (now % 1000);
}

const listeners = new Set<() => void>();
let current = tickOf(Date.now());
let timer: ReturnType<typeof setTimeout> | null = null;

function schedule(): void {
  timer = setTimeout(() => {
    current = tickOf(Date.now());
    for (const listener of listeners) listener();
    schedule();
  }, msUntilNextTick(Date.now()));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    current = tickOf(Date.now());
    schedule();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

/** The current whole second (ms since the epoch); the component renders again on each tick. */
export function useSecondTick(): number {
  return useSyncExternalStore(subscribe, () => current);
}

/**
 * `value` as it was at the last tick: a value that changes between ticks shows from the next one,
 * so renders in between (a mute, a new call state) leave its part of the screen as it was.
 */
export function useAsOfTick<T>(value: T, tick: number): T {
  const latched = useRef({ tick, value });
  if (latched.current.tick !== tick) latched.current = { tick, value };
  return latched.current.value;
}
