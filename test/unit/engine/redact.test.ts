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

  it('hides credentials quoted mid-line and in folded Proxy-Authorization headers', () => {
    const text =
      'sip.js: retrying with Proxy-Authorization: Digest username="u", response="aaaabbbbccccdddd1111222233334444", cnonce="c0ffee00c0ffee00"\r\n' +
      'Proxy-Authorization: Digest username="u", nonce="n",\r\n response="5555666677778888aaaabbbbccccdddd"';
    const redacted = redactSecrets(text);
    expect(redacted).not.toMatch(/aaaabbbb|5555666677778888|c0ffee00/);
    expect(redacted).toContain('username="u"');
  });
});
