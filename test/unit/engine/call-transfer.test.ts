import { describe, expect, it } from 'vitest';
import {
  decodedReplaces,
  referRefusal,
  sipfragStatus,
} from '../../../src-main/engine/call-transfer.js';
import { commandSchemas } from '../../../src-shared/engine-contract.js';

describe('sipfragStatus: the status line of a REFER NOTIFY (RFC 3420)', () => {
  it('reads the status and reason of the sipfrag as transferees send it', () => {
    expect(sipfragStatus('SIP/2.0 100 Trying\r\n')).toEqual({ status: 100, reason: 'Trying' });
    expect(sipfragStatus('SIP/2.0 180 Ringing')).toEqual({ status: 180, reason: 'Ringing' });
    expect(sipfragStatus('SIP/2.0 200 OK\r\nContent-Length: 0\r\n')).toEqual({
      status: 200,
      reason: 'OK',
    });
    expect(sipfragStatus('SIP/2.0 486 Busy Here')).toEqual({ status: 486, reason: 'Busy Here' });
    expect(sipfragStatus('SIP/2.0 503')).toEqual({ status: 503, reason: '' });
  });

  it('gives null for a body that is no status line', () => {
    expect(sipfragStatus('')).toBeNull();
    expect(sipfragStatus('INVITE sip:x@y SIP/2.0')).toBeNull();
    expect(sipfragStatus('SIP/2.0 2000 OK')).toBeNull();
    expect(sipfragStatus('<html>')).toBeNull();
  });
});

describe('referRefusal: a REFER not taken, in plain words, the call kept', () => {
  const refused = (statusCode: number, reasonPhrase = '', callId = 'abc') =>
    referRefusal({ statusCode, reasonPhrase, callId }, '201');

  it('405 and 501: the provider does not do transfers', () => {
    for (const status of [405, 501]) {
      expect(refused(status)).toEqual({
        state: 'refused',
        sipStatus: status,
        message:
          'Could not transfer to 201: the provider does not support call transfer (REFER); the call stays with you',
      });
    }
  });

  it('403 and 603: not allowed on this call', () => {
    expect(refused(403).message).toMatch(/does not allow transfers on this call/);
    expect(refused(603).message).toMatch(/does not allow transfers on this call/);
  });

  it('no answer at all (a response made up for Timer F carries no Call-ID)', () => {
    expect(refused(408, 'Request Timeout', '')).toMatchObject({
      state: 'refused',
      message: 'The provider did not answer the transfer request: the call stays with you',
    });
  });

  it('any other status is named with its reason', () => {
    expect(refused(480, 'Temporarily Unavailable').message).toBe(
      'Could not transfer to 201: the provider refused the transfer (480 Temporarily Unavailable); the call stays with you',
    );
    expect(refused(500).message).toContain('(500)');
  });
});

describe('the transfer command contract', () => {
  const parse = (request: unknown) => commandSchemas.transfer.request.safeParse(request);

  it('takes a target (blind) or a consult call (attended), not both, not neither', () => {
    expect(parse({ callId: 'a', target: '4443' }).success).toBe(true);
    expect(parse({ callId: 'a', consultCallId: 'b' }).success).toBe(true);
    expect(parse({ callId: 'a', target: '4443', consultCallId: 'b' }).success).toBe(false);
    expect(parse({ callId: 'a' }).success).toBe(false);
    expect(parse({ callId: 'a', target: 'sip:evil@x;y' }).success).toBe(false);
  });

  it('acceptTransfer takes a call and a yes or no', () => {
    const accept = commandSchemas.acceptTransfer.request;
    expect(accept.safeParse({ callId: 'a', accept: true }).success).toBe(true);
    expect(accept.safeParse({ callId: 'a', accept: 'yes' }).success).toBe(false);
  });
});

describe("decodedReplaces: the far end's Replaces, before it goes into our INVITE", () => {
  it('decodes an escaped Replaces (RFC 3891 §7) with its Call-ID and both tags', () => {
    expect(decodedReplaces('abc%40198.51.100.10%3Bto-tag%3D1%3Bfrom-tag%3D2')).toBe(
      'abc@198.51.100.10;to-tag=1;from-tag=2',
    );
  });

  it('refuses one that would add header lines, does not decode, or lacks a tag', () => {
    expect(
      decodedReplaces(
        'abc%3Bto-tag%3D1%3Bfrom-tag%3D2%0D%0AP-Asserted-Identity%3A%20%3Csip%3Aboss%40x%3E',
      ),
    ).toBeNull();
    expect(decodedReplaces('abc%FF%3Bto-tag%3D1%3Bfrom-tag%3D2')).toBeNull();
    expect(decodedReplaces('abc%3Bto-tag%3D1')).toBeNull();
    expect(decodedReplaces('')).toBeNull();
  });
});
