import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digitOfInfo, dtmfRelayBody, keypadWayOf } from '../../../src-main/engine/dtmf-info.js';

describe('keypad digits in SIP INFO bodies', () => {
  it('reads the dtmf-relay form as Asterisk, Cisco and FreeSWITCH write it', () => {
    expect(digitOfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')).toBe('5');
    expect(digitOfInfo('Application/DTMF-Relay; charset=utf-8', 'signal = #\nduration=100')).toBe(
      '#',
    );
    expect(digitOfInfo('application/dtmf-relay', 'Duration=250\r\nSignal=*\r\n')).toBe('*');
    expect(digitOfInfo('application/dtmf-relay', 'Signal=d\r\n')).toBe('D');
  });

  it('takes an RFC 4733 event code where a gateway writes one', () => {
    expect(digitOfInfo('application/dtmf-relay', 'Signal=10\r\n')).toBe('*');
    expect(digitOfInfo('application/dtmf-relay', 'Signal=11\r\n')).toBe('#');
    expect(digitOfInfo('application/dtmf-relay', 'Signal=15\r\n')).toBe('D');
    expect(digitOfInfo('application/dtmf-relay', 'Signal=16\r\n')).toBeNull();
  });

  it('reads application/dtmf, a bare digit', () => {
    expect(digitOfInfo('application/dtmf', '7\r\n')).toBe('7');
    expect(digitOfInfo('application/dtmf', '77')).toBeNull();
  });

  it('finds no digit in another kind of INFO, a body without Signal, or a word', () => {
    expect(digitOfInfo('application/media_control+xml', 'Signal=5')).toBeNull();
    expect(digitOfInfo(undefined, 'Signal=5')).toBeNull();
    expect(digitOfInfo('application/dtmf-relay', 'Duration=100')).toBeNull();
    expect(digitOfInfo('application/dtmf-relay', 'Signal=hello')).toBeNull();
    expect(digitOfInfo('application/dtmf-relay', 'XSignal=5')).toBeNull();
  });

  it('writes what it reads', () => {
    for (const digit of '0123456789*#ABCD') {
      expect(digitOfInfo('application/dtmf-relay', dtmfRelayBody(digit))).toBe(digit);
    }
  });

  it('never throws on any body and only ever names a keypad digit', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.string({ maxLength: 400 }), (type, body) => {
        const digit = digitOfInfo(type ?? undefined, body);
        expect(digit === null || /^[0-9*#A-D]$/.test(digit)).toBe(true);
      }),
    );
  });
});

describe('the way a call’s digits go', () => {
  it('follows the setting, and Automatic takes events where the call has them, else INFO', () => {
    expect(keypadWayOf('auto', true)).toBe('rfc4733');
    expect(keypadWayOf('auto', false)).toBe('sip-info');
    // No media yet (an early moment of the call): no events known, INFO.
    expect(keypadWayOf('auto', undefined)).toBe('sip-info');
    expect(keypadWayOf('rfc4733', true)).toBe('rfc4733');
    expect(keypadWayOf('rfc4733', false)).toBeNull();
    expect(keypadWayOf('sip-info', true)).toBe('sip-info');
    expect(keypadWayOf('inband', true)).toBe('inband');
    expect(keypadWayOf('inband', false)).toBe('inband');
  });
});
