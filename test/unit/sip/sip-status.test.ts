import { describe, expect, it } from 'vitest';
import { reasonForInviteStatus } from '../../../src-main/sip/sip-status.js';

describe('INVITE final responses in plain words', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [404, 'not-found'],
    [603, 'declined'],
    [408, 'timeout'],
    [480, 'timeout'],
    [503, 'unavailable'],
    [403, 'forbidden'],
    [488, 'not-acceptable'],
    [487, 'timeout'],
    [407, 'auth-failed'],
    [420, 'failed'],
    [502, 'unavailable'],
  ])('%i → %s', (status, code) => {
    const reason = reasonForInviteStatus(status, 'Phrase');
    expect(reason.code).toBe(code);
    expect(reason.message.length).toBeGreaterThan(5);
  });

  it('keeps the status and phrase of an unmapped failure', () => {
    expect(reasonForInviteStatus(420, 'Bad Extension').message).toContain('420 Bad Extension');
  });
});
