import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchQuitSignals, type QuitSignals } from '../../../src-main/cli/quit-signals.js';

const watches: QuitSignals[] = [];
afterEach(() => {
  for (const watch of watches.splice(0)) watch.dispose();
});

describe('watchQuitSignals', () => {
  it('asks to quit on the first signal and gives up waiting on the second', async () => {
    const impatient = vi.fn();
    const watch = watchQuitSignals(impatient);
    watches.push(watch);
    let requested = false;
    void watch.requested.then(() => (requested = true));

    process.emit('SIGTERM', 'SIGTERM');
    await Promise.resolve();
    expect(requested).toBe(true);
    expect(impatient).not.toHaveBeenCalled();

    // The second may be either signal: Ctrl+C after a SIGTERM still means "now".
    process.emit('SIGINT', 'SIGINT');
    expect(impatient).toHaveBeenCalledTimes(1);
  });

  it('leaves the signals alone once disposed', () => {
    const before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    const watch = watchQuitSignals(() => undefined);
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(before + 2);
    watch.dispose();
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(before);
  });
});
