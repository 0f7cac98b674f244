import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../src-main/engine/sip-account.js';

describe('redactSecrets', () => {
  it('hides the digest response and passwords', () => {
    const text =
      'Authorization: Digest username="123456_home", realm="voip.ms", nonce="abc", uri="sip:x", response="0123456789abcdef0123456789abcdef" password=hunter2';
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain('0123456789abcdef');
    expect(redacted).not.toContain('hunter2');
    expect(redacted).toContain('username="123456_home"');
  });
});
