import { Core } from 'sip.js';
import { clampNetworkSeconds } from '../net/network-durations.js';

let bounded = false;

/**
 * sip.js's subscription dialogs take their duration from the notifier (the Expires of the
 * SUBSCRIBE's 2xx, then each NOTIFY's `Subscription-State: active;expires=`) and arm their
 * refresh at nine tenths of it: a duration past Node's timer limit fires the refresh at once,
 * SUBSCRIBE after SUBSCRIBE. The class keeps the value and its timer to itself, reading both
 * through one accessor, so the bound goes on that accessor, for every dialog, once.
 */
export function boundSubscriptionDurations(): void {
  if (bounded) return;
  const prototype = Core.SubscriptionDialog.prototype;
  const accessor = Object.getOwnPropertyDescriptor(prototype, 'subscriptionExpires');
  const { get, set } = accessor ?? {};
  if (!accessor || !get || !set) return;
  bounded = true;
  Object.defineProperty(prototype, 'subscriptionExpires', {
    ...accessor,
    get(this: Core.SubscriptionDialog): number {
      return clampNetworkSeconds('subscription-expires', Number(get.call(this)));
    },
    set(this: Core.SubscriptionDialog, expires: unknown): void {
      set.call(this, clampNetworkSeconds('subscription-expires', Number(expires)));
    },
  });
}
