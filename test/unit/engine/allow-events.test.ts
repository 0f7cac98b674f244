import { describe, expect, it } from 'vitest';
import { eventPackagesIn } from '../../../src-main/engine/sip-account.js';

describe('Allow-Events of a registrar (RFC 6665 §8.2.2)', () => {
  it('reads comma lists over several headers, in any case, without empty names', () => {
    expect(eventPackagesIn(['presence, Message-Summary', ' refer ,', 'dialog'])).toEqual([
      'presence',
      'message-summary',
      'refer',
      'dialog',
    ]);
  });

  it('is empty without the header', () => {
    expect(eventPackagesIn([])).toEqual([]);
  });
});
