/** Exit code of a process ended by SIGINT (128 + 2), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

export interface QuitSignals {
  /** Resolves at the first SIGINT or SIGTERM. */
  readonly requested: Promise<void>;
  /** Stops listening; a later signal gets Node's default handling again. */
  dispose(): void;
}

/**
 * The first SIGINT or SIGTERM asks the command to quit cleanly (hang up, unregister, which is
 * bounded); a second one, during that, exits at once: whoever sends it has stopped waiting.
 */
export function watchQuitSignals(
  onImpatient: () => void = () => process.exit(INTERRUPTED_EXIT_CODE),
): QuitSignals {
  let signals = 0;
  let resolveRequested: () => void = () => undefined;
  const requested = new Promise<void>((resolve) => (resolveRequested = resolve));
  const listener = () => {
    signals++;
    if (signals === 1) resolveRequested();
    else onImpatient();
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return {
    requested,
    dispose: () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    },
  };
}
