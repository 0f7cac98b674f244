import { Core } from 'sip.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { boundSubscriptionDurations } from '../../../src-main/sip/subscription-durations.js';

/**
 * A dialog's duration fields as sip.js's constructor leaves them (the notifier's Expires just
 * set), without the dialog's SIP machinery: only the accessor and its refresh timer are at stake.
 */
function dialogGranted(expires: number): Core.SubscriptionDialog {
  const dialog = Object.create(Core.SubscriptionDialog.prototype) as Core.SubscriptionDialog;
  Object.assign(dialog, {
    _subscriptionExpires: expires,
    _subscriptionExpiresLastSet: Math.floor(Date.now() / 1000),
    _autoRefresh: true,
  });
  return dialog;
}

describe('boundSubscriptionDurations', () => {
  afterEach(() => vi.useRealTimers());

  it('bounds what the notifier grants, in the 2xx or a NOTIFY, before it arms the refresh', () => {
    vi.useFakeTimers();
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    boundSubscriptionDurations();
    const granted = dialogGranted(4_294_967_296);
    expect(granted.subscriptionExpires).toBe(86_400);
    // A NOTIFY's `Subscription-State: active;expires=2^32` goes through the setter.
    granted.subscriptionExpires = 4_294_967_296;
    expect(granted.subscriptionExpires).toBe(86_400);
    const refresh = vi.fn();
    (granted as unknown as { refresh: () => void }).refresh = refresh;
    vi.advanceTimersByTime(60_000);
    expect(refresh).not.toHaveBeenCalled();
    expect(warnings).not.toHaveBeenCalled();
    warnings.mockRestore();
  });

  it('keeps a sane duration as it is, and 0 as the end of the subscription', () => {
    boundSubscriptionDurations();
    expect(dialogGranted(3600).subscriptionExpires).toBe(3600);
    expect(dialogGranted(0).subscriptionExpires).toBe(0);
    const dialog = dialogGranted(600);
    dialog.subscriptionExpires = Number.NaN;
    expect(dialog.subscriptionExpires).toBe(3600);
  });
});
