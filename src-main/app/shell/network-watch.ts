/**
 * Re-registers at once when the machine wakes, is unlocked or comes back online, instead of
 * waiting for the next refresh while calls cannot reach the user (the NAT mapping and often the
 * address itself are gone after a sleep or a network change).
 *
 * "Back online" is polled from main with Electron's `net.isOnline()` rather than taken from the
 * renderer's `online` event: Electron's main process has no such event, and the poll works
 * while the window is hidden in the tray or gone, needs no message from the page (one more
 * payload to validate) and costs one cheap call every few seconds.
 */
import type { ElectronPorts } from './electron-ports.js';

export type ReconnectReason = 'resume' | 'unlock-screen' | 'online';

export interface NetworkWatchOptions {
  powerMonitor: ElectronPorts['powerMonitor'];
  isOnline: () => boolean;
  reconnect: (reason: ReconnectReason) => Promise<void>;
  /** How often `isOnline` is asked; defaults to 5 s. */
  pollMs?: number;
  log?: (message: string) => void;
}

export interface NetworkWatch {
  stop(): void;
}

export function watchNetwork(options: NetworkWatchOptions): NetworkWatch {
  let inFlight: Promise<void> | null = null;
  let stopped = false;
  // Wake and unlock often come together, and the network may return a moment later: one
  // reconnect at a time is enough, the next event after it starts another.
  const trigger = (reason: ReconnectReason) => {
    if (stopped || inFlight) return;
    inFlight = options
      .reconnect(reason)
      .catch((error: unknown) => options.log?.(`reconnect after ${reason}: ${String(error)}`))
      .finally(() => (inFlight = null));
  };
  options.powerMonitor.on('resume', () => trigger('resume'));
  options.powerMonitor.on('unlock-screen', () => trigger('unlock-screen'));
  let online = options.isOnline();
  const poll = setInterval(() => {
    const now = options.isOnline();
    if (now && !online) trigger('online');
    online = now;
  }, options.pollMs ?? 5_000);
  poll.unref?.();
  return {
    stop() {
      stopped = true;
      clearInterval(poll);
    },
  };
}
