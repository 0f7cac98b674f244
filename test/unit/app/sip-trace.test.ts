import { describe, expect, it } from 'vitest';
import { SipTrace, redactSipMessage } from '../../../src-main/app/sip-trace.js';
import { SIP_TRACE_LIMIT, sipTraceEntrySchema } from '../../../src-shared/ipc-contract.js';

const RESPONSE = '6629fae49393a05397450978507c4ef1';
const CNONCE = '0a4f113b9c2d';
const NONCE = 'WfK2ZmZfQ0FSRVNZTkMxMjM0NTY3ODk=';
const OPAQUE = '5ccc069c403ebaf9f0171e9517f40e41';

/** A REGISTER as sip.js sends it to voip.ms after the 401, digest with qop=auth. */
const REGISTER = [
  'REGISTER sip:montreal.voip.ms SIP/2.0',
  'Via: SIP/2.0/UDP 203.0.113.5;rport;branch=z9hG4bK3761838',
  'Max-Forwards: 70',
  'To: <sip:123456_home@montreal.voip.ms>',
  'From: "Home office" <sip:123456_home@montreal.voip.ms>;tag=k1m2n3',
  'Call-ID: 8hq2lh3q4f6s2p1q0b5n',
  'CSeq: 2 REGISTER',
  `Authorization: Digest algorithm=MD5, username="123456_home", realm="voip.ms", nonce="${NONCE}", uri="sip:montreal.voip.ms", response="${RESPONSE}", opaque="${OPAQUE}", qop=auth, cnonce="${CNONCE}", nc=00000001`,
  'Contact: <sip:123456_home@203.0.113.5:40312;transport=udp>;expires=300',
  'Expires: 300',
  'User-Agent: Natter/0.1',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

/** An INVITE answering a 407, its Proxy-Authorization folded over two lines, lower-case name. */
const INVITE = [
  'INVITE sip:4443@montreal.voip.ms SIP/2.0',
  'Via: SIP/2.0/UDP 203.0.113.5;rport;branch=z9hG4bK99',
  'proxy-authorization: Digest username="123456_home", realm="voip.ms",',
  `  nonce="${NONCE}", uri="sip:4443@montreal.voip.ms",`,
  `\tresponse="${RESPONSE}", cnonce="${CNONCE}", nc=00000002, qop=auth`,
  'Content-Type: application/sdp',
  '',
  'v=0',
  'c=IN IP4 203.0.113.5',
  'm=audio 40000 RTP/AVP 0 101',
  '',
].join('\r\n');

describe('redacting SIP messages', () => {
  it('keeps only username, realm and uri of an Authorization header', () => {
    const redacted = redactSipMessage(REGISTER);
    const header = redacted.split('\r\n').find((line) => line.startsWith('Authorization:'));
    expect(header).toBe(
      'Authorization: Digest username="123456_home", realm="voip.ms", uri="sip:montreal.voip.ms" (response and nonce removed)',
    );
    for (const secret of [RESPONSE, CNONCE, NONCE, OPAQUE, 'nc=', 'qop']) {
      expect(redacted).not.toContain(secret);
    }
  });

  it('leaves every other line of the message exactly as it was', () => {
    const before = REGISTER.split('\r\n');
    const after = redactSipMessage(REGISTER).split('\r\n');
    expect(after).toHaveLength(before.length);
    before.forEach((line, index) => {
      if (!line.startsWith('Authorization:')) expect(after[index]).toBe(line);
    });
  });

  it('redacts a folded, lower-case Proxy-Authorization and keeps the SDP after it', () => {
    const redacted = redactSipMessage(INVITE);
    expect(redacted).not.toContain(RESPONSE);
    expect(redacted).not.toContain(CNONCE);
    expect(redacted).not.toContain(NONCE);
    expect(redacted).toContain(
      'proxy-authorization: Digest username="123456_home", realm="voip.ms", uri="sip:4443@montreal.voip.ms" (response and nonce removed)\r\nContent-Type: application/sdp',
    );
    expect(redacted).toContain('c=IN IP4 203.0.113.5\r\nm=audio 40000 RTP/AVP 0 101');
  });

  it('removes Authentication-Info and any password= value, but not sentences about passwords', () => {
    const text = [
      'SIP/2.0 200 OK',
      'Authentication-Info: qop=auth, rspauth="d6d4b1b2c1f0e0a9", cnonce="0a4f113b", nc=00000001',
      'Contact: <sip:123456_home@203.0.113.5:5060;password=hunter2>',
      'Warning: 399 voip.ms "wrong user name or password: try again"',
      '',
      '',
    ].join('\r\n');
    const redacted = redactSipMessage(text);
    expect(redacted).toContain('Authentication-Info: (removed)\r\n');
    expect(redacted).not.toContain('d6d4b1b2c1f0e0a9');
    expect(redacted).not.toContain('hunter2');
    expect(redacted).toContain(';password=(removed)>');
    expect(redacted).toContain('wrong user name or password: try again');
  });

  it('removes SDES keys (a=crypto inline:) and keeps the rest of the crypto line', () => {
    const key = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyBpc2E=';
    const offer = [
      'm=audio 40000 RTP/SAVP 0 101',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^31`,
      `a=crypto:2 AES_CM_128_HMAC_SHA1_32 INLINE:${key}`,
      '',
    ].join('\r\n');
    const redacted = redactSipMessage(offer);
    expect(redacted).not.toContain(key);
    expect(redacted).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(removed)|2^31');
    expect(redacted).toContain('a=crypto:2 AES_CM_128_HMAC_SHA1_32 INLINE:(removed)');
    expect(redacted).toContain('m=audio 40000 RTP/SAVP 0 101');
  });

  it('does not treat a header that merely ends in Authorization as credentials', () => {
    const text = 'X-Not-Authorization: keep me\r\nWWW-Authenticate: Digest realm="voip.ms"\r\n\r\n';
    expect(redactSipMessage(text)).toBe(text);
  });
});

describe('the SIP trace ring', () => {
  const peer = { address: '198.51.100.10', port: 5060 };

  it('keeps the newest messages in order, oldest first, redacted as they are recorded', () => {
    const trace = new SipTrace(3);
    for (let i = 0; i < 5; i++) {
      trace.record(i % 2 ? 'in' : 'out', `OPTIONS sip:${i} SIP/2.0\r\n\r\n`, peer, new Date(i));
    }
    trace.record('out', REGISTER, peer, new Date(5));
    const entries = trace.entries();
    expect(entries.map((entry) => entry.seq)).toEqual([3, 4, 5]);
    expect(entries.map((entry) => entry.direction)).toEqual(['in', 'out', 'out']);
    expect(entries[0]?.message).toContain('OPTIONS sip:3');
    expect(entries[2]?.at).toBe(new Date(5).toISOString());
    expect(entries[2]?.message).not.toContain(RESPONSE);
    for (const entry of entries) expect(sipTraceEntrySchema.parse(entry)).toEqual(entry);
  });

  it('holds at most the contract limit and skips CRLF keepalives', () => {
    const trace = new SipTrace();
    trace.record('out', '\r\n\r\n', peer);
    expect(trace.entries()).toEqual([]);
    for (let i = 0; i < SIP_TRACE_LIMIT + 30; i++) {
      trace.record('out', `OPTIONS sip:${i} SIP/2.0\r\n\r\n`, peer);
    }
    const entries = trace.entries();
    expect(entries).toHaveLength(SIP_TRACE_LIMIT);
    expect(entries[0]?.message).toContain(`sip:30 `);
    expect(entries.at(-1)?.message).toContain(`sip:${SIP_TRACE_LIMIT + 29} `);
  });

  it('copies the peer, so a reused address object cannot rewrite history', () => {
    const trace = new SipTrace(2);
    const reused = { address: '198.51.100.10', port: 5060 };
    trace.record('in', 'SIP/2.0 200 OK\r\n\r\n', reused);
    reused.port = 9;
    expect(trace.entries()[0]?.peer.port).toBe(5060);
  });
});
