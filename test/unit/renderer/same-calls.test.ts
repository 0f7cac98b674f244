import { describe, expect, it } from 'vitest';
import { callInfo } from '../../support/call-info.js';
import { sameCallsApartFromStats } from '../../../src-renderer/src/state/same-calls.js';

const connected = callInfo({ id: '1', state: 'connected' });

describe('the calls as the screens around a call see them', () => {
  it('are the same when only a call’s statistics changed', () => {
    const later = { ...connected, stats: { ...connected.stats, packetsReceived: 900 } };
    expect(sameCallsApartFromStats([connected], [later])).toBe(true);
  });

  it('change with a call’s state, its mute, a new call or one gone', () => {
    expect(sameCallsApartFromStats([connected], [{ ...connected, state: 'on-hold' }])).toBe(false);
    expect(sameCallsApartFromStats([connected], [{ ...connected, muted: true }])).toBe(false);
    const other = callInfo({ id: '2', state: 'incoming' });
    expect(sameCallsApartFromStats([connected], [connected, other])).toBe(false);
    expect(sameCallsApartFromStats([connected, other], [other])).toBe(false);
  });
});
