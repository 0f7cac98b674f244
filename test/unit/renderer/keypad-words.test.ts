import { describe, expect, it } from 'vitest';
import { keypadFixFor, keypadWayWords } from '../../../src-renderer/src/call/keypad-words.js';
import { officeAccount } from '../../support/more-account.js';

describe('how the call screen names the way its digits go', () => {
  it('names each way as voip.ms names the DTMF mode', () => {
    expect(keypadWayWords('rfc4733')).toBe('as RFC 2833 events');
    expect(keypadWayWords('sip-info')).toBe('by SIP INFO');
    expect(keypadWayWords('inband')).toBe('as tones in the audio');
  });

  it('names none where no digit can go or the media is not agreed yet', () => {
    expect(keypadWayWords('none')).toBeNull();
    expect(keypadWayWords(undefined)).toBeNull();
  });
});

describe('the change that lets a call’s digits go again', () => {
  const office = officeAccount({ dtmfMethod: 'rfc4733' });
  const shop = officeAccount({ id: 'shop', label: 'Shop' });

  it('on the first account, or one without its own way: Automatic in Settings → Calls', () => {
    expect(keypadFixFor({ moreAccounts: [office, shop] }, undefined)).toEqual({
      dtmfMethod: 'auto',
    });
    expect(keypadFixFor({ moreAccounts: [office, shop] }, 'first')).toEqual({ dtmfMethod: 'auto' });
    expect(keypadFixFor({ moreAccounts: [office, shop] }, 'shop')).toEqual({ dtmfMethod: 'auto' });
  });

  it('on an account with its own way: Automatic for that account alone', () => {
    expect(keypadFixFor({ moreAccounts: [office, shop] }, 'office')).toEqual({
      moreAccounts: [{ ...office, dtmfMethod: 'auto' }, shop],
    });
  });
});
