import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KEEPALIVE_SECONDS,
  keepaliveIntervalSeconds,
  mediaKeepaliveSeconds,
} from '../../../src-shared/keepalive-interval.js';

describe('SIP keepalive interval', () => {
  it('is 15 s with nothing chosen or measured, below a 20 s router timeout', () => {
    expect(keepaliveIntervalSeconds({ keepaliveSeconds: null, bindingLifetimeSeconds: null })).toBe(
      15,
    );
    expect(DEFAULT_KEEPALIVE_SECONDS).toBeLessThan(20);
  });

  it.each([
    [12, 6],
    [17, 8],
    [8, 4],
    [1, 1],
    [3, 1],
    [40, 20],
    [180, 30],
  ])('follows a measured lifetime of %d s: every %d s', (lifetime, seconds) => {
    const interval = keepaliveIntervalSeconds({
      keepaliveSeconds: null,
      bindingLifetimeSeconds: lifetime,
    });
    expect(interval).toBe(seconds);
    expect(interval).toBeLessThanOrEqual(Math.max(1, lifetime / 2));
  });

  it('keeps what the user chose, off included, whatever was measured', () => {
    expect(keepaliveIntervalSeconds({ keepaliveSeconds: 25, bindingLifetimeSeconds: 12 })).toBe(25);
    expect(keepaliveIntervalSeconds({ keepaliveSeconds: 0, bindingLifetimeSeconds: 12 })).toBe(0);
  });

  it('ignores a lifetime that is no measurement', () => {
    for (const lifetime of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        keepaliveIntervalSeconds({ keepaliveSeconds: null, bindingLifetimeSeconds: lifetime }),
      ).toBe(15);
    }
  });
});

describe('media keepalive interval', () => {
  it('is the SIP interval, at most 15 s; 15 s when SIP keepalives are off', () => {
    const none = { mediaKeepaliveSeconds: null };
    expect(
      mediaKeepaliveSeconds({ ...none, keepaliveSeconds: null, bindingLifetimeSeconds: null }),
    ).toBe(15);
    expect(
      mediaKeepaliveSeconds({ ...none, keepaliveSeconds: null, bindingLifetimeSeconds: 8 }),
    ).toBe(4);
    expect(
      mediaKeepaliveSeconds({ ...none, keepaliveSeconds: 60, bindingLifetimeSeconds: null }),
    ).toBe(15);
    expect(
      mediaKeepaliveSeconds({ ...none, keepaliveSeconds: 0, bindingLifetimeSeconds: null }),
    ).toBe(15);
  });

  it('keeps an explicit value, 0 (off) included', () => {
    const base = { keepaliveSeconds: null, bindingLifetimeSeconds: null };
    expect(mediaKeepaliveSeconds({ ...base, mediaKeepaliveSeconds: 0 })).toBe(0);
    expect(mediaKeepaliveSeconds({ ...base, mediaKeepaliveSeconds: 5 })).toBe(5);
  });
});
