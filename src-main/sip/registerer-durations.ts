import type { Registerer, RegistererRegisterOptions } from 'sip.js';
import { clampNetworkSeconds } from '../net/network-durations.js';

/**
 * Bounds what sip.js's Registerer reads from the registrar before it reaches a timer: the
 * Expires of a 2xx (its private `registered(expires)` arms the refresh and expiry timers) and
 * the Min-Expires of a 423 (it assigns `expires` and registers again at once).
 */
export function boundRegistererDurations(
  registerer: Registerer,
  onIntervalRefused: () => void = () => undefined,
): void {
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
  // Past construction, sip.js sets the interval only on a 423 (RFC 3261 §10.2.8), just before it
  // registers again by itself.
  let intervalRetryNext = false;
  Object.defineProperty(registerer, 'expires', {
    configurable: true,
    enumerable: true,
    get: () => requested,
    set: (value: unknown) => {
      requested = clampNetworkSeconds('min-expires', Number(value));
      intervalRetryNext = true;
    },
  });
  carryDelegateThroughIntervalRetry(
    registerer,
    () => {
      const retry = intervalRetryNext;
      intervalRetryNext = false;
      return retry;
    },
    onIntervalRefused,
  );
}

/** REGISTERs sent again after 423 Interval Too Brief before the registrar is given up on. */
const MAX_INTERVAL_RETRIES = 2;

/**
 * sip.js answers a 423 by registering again with the Min-Expires itself, without the request
 * delegate of the REGISTER it retries: whoever waits on that REGISTER's answer never hears it
 * (the account read "failed: no answer" while registered, and its keepalives never started), and
 * a registrar answering 423 every time is asked again at once, forever. The retry gets the
 * delegate of the REGISTER it retries, twice at most; then `onIntervalRefused` gives up.
 */
function carryDelegateThroughIntervalRetry(
  registerer: Registerer,
  isIntervalRetry: () => boolean,
  onIntervalRefused: () => void,
): void {
  const register = registerer.register.bind(registerer);
  let retried: RegistererRegisterOptions | undefined;
  let retries = 0;
  registerer.register = (options?: RegistererRegisterOptions) => {
    if (!isIntervalRetry()) {
      // Ours, or sip.js's refresh (no options): the REGISTER a 423 would be answered to.
      retried = options;
      retries = 0;
      return register(options);
    }
    if (++retries > MAX_INTERVAL_RETRIES) {
      onIntervalRefused();
      // sip.js does not wait on its retry; a promise that never settles leaves nothing unhandled.
      return new Promise<never>(() => undefined);
    }
    return register(retried);
  };
}
