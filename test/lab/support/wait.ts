/** Polls `predicate` until it holds or `timeoutMs` passes; resolves with whether it held. */
export function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolveWait) => {
    const check = () => {
      if (predicate()) return resolveWait(true);
      if (Date.now() > deadline) return resolveWait(false);
      setTimeout(check, intervalMs);
    };
    check();
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}
