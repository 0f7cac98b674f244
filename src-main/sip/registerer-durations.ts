import type { Registerer } from 'sip.js';
import { clampNetworkSeconds } from '../net/network-durations.js';

/**
 * Bounds what sip.js's Registerer reads from the registrar before it reaches a timer: the
 * Expires of a 2xx (its private `registered(expires)` arms the refresh and expiry timers) and
 * the Min-Expires of a 423 (it assigns `expires` and registers again at once).
 */
export function boundRegistererDurations(registerer: Registerer): void {
  const internals = registerer as unknown as {
    registered?: (expires: number) => void;
    expires?: number;
  };
  const registered = internals.registered;
  if (typeof registered === 'function') {
    internals.registered = (expires: number) =>
      registered.call(registerer, clampNetworkSeconds('registration-expires', Number(expires)));
  }
  let requested = clampNetworkSeconds('min-expires', Number(internals.expires));
  Object.defineProperty(registerer, 'expires', {
    configurable: true,
    enumerable: true,
    get: () => requested,
    set: (value: unknown) => {
      requested = clampNetworkSeconds('min-expires', Number(value));
    },
  });
}
