/**
 * Digest computation against RFC 7616 §3.9.1 (the same computation RFC 8760 gives SIP), the
 * choice among several challenges, and the nonce count as sip.js's user agent client drives it.
 */
import { describe, expect, it } from 'vitest';
import {
  answerChallenge,
  ChallengeBook,
  chooseChallenge,
  DigestCredentials,
  NonceCounts,
  parseDigestChallenge,
  type DigestChallenge,
} from '../../../src-main/sip/digest-authentication.js';

/** RFC 7616 §3.9.1: Mufasa at http-auth@example.org. */
const RFC7616: Omit<DigestChallenge, 'algorithm'> = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  qop: ['auth', 'auth-int'],
  stale: false,
};
const MUFASA = { username: 'Mufasa', password: 'Circle of Life' };
const RFC_COUNTER = { cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: 1 };
const RFC_REQUEST = { method: 'GET', uri: '/dir/index.html' };

describe('digest response (RFC 7616 §3.9.1 vectors)', () => {
  it('MD5 with qop=auth', () => {
    const answer = answerChallenge(
      { ...RFC7616, algorithm: 'MD5' },
      RFC_REQUEST,
      MUFASA,
      RFC_COUNTER,
    );
    expect(answer.response).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(answer.header).toContain('nc=00000001');
    expect(answer.header).toContain(`cnonce="${RFC_COUNTER.cnonce}"`);
    expect(answer.header).toContain('qop=auth,');
    expect(answer.header).toContain(`opaque="${RFC7616.opaque}"`);
  });

  it('SHA-256 with qop=auth', () => {
    const answer = answerChallenge(
      { ...RFC7616, algorithm: 'SHA-256' },
      RFC_REQUEST,
      MUFASA,
      RFC_COUNTER,
    );
    expect(answer.response).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
    expect(answer.header).toMatch(/^Digest username="Mufasa", realm="http-auth@example.org", /);
    expect(answer.header).toContain('algorithm=SHA-256');
  });

  it('RFC 2069 style (no qop): no cnonce or nc, response over HA1:nonce:HA2', () => {
    const answer = answerChallenge(
      { ...RFC7616, qop: [], algorithm: 'MD5' },
      RFC_REQUEST,
      MUFASA,
      RFC_COUNTER,
    );
    expect(answer.header).not.toMatch(/cnonce|nc=|qop/);
    expect(answer.response).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.response).not.toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('the nonce count changes the response', () => {
    const challenge = { ...RFC7616, algorithm: 'SHA-256' };
    const first = answerChallenge(challenge, RFC_REQUEST, MUFASA, RFC_COUNTER);
    const second = answerChallenge(challenge, RFC_REQUEST, MUFASA, { ...RFC_COUNTER, nc: 2 });
    expect(second.header).toContain('nc=00000002');
    expect(second.response).not.toBe(first.response);
  });
});

describe('challenges', () => {
  it('parses a Kamailio-style challenge, quoted qop list and stale flag', () => {
    expect(
      parseDigestChallenge(
        'Digest realm="198.51.100.10", nonce="Z0FOdWdBTk6D", qop="auth,auth-int", algorithm=sha-256, stale=TRUE',
      ),
    ).toEqual({
      realm: '198.51.100.10',
      nonce: 'Z0FOdWdBTk6D',
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      stale: true,
    });
    expect(parseDigestChallenge('Basic realm="x"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="x"')).toBeNull();
  });

  it('picks the strongest supported challenge, whatever the order', () => {
    const md5 = 'Digest realm="r", nonce="n1", qop="auth", algorithm=MD5';
    const sha = 'Digest realm="r", nonce="n2", qop="auth", algorithm=SHA-256';
    const unknown = 'Digest realm="r", nonce="n3", qop="auth", algorithm=SHA3-512';
    expect(chooseChallenge([md5, sha])?.nonce).toBe('n2');
    expect(chooseChallenge([sha, md5])?.nonce).toBe('n2');
    expect(chooseChallenge([unknown, md5])?.nonce).toBe('n1');
    expect(chooseChallenge([unknown])).toBeNull();
    // A qop we do not know is no challenge we can answer.
    expect(chooseChallenge(['Digest realm="r", nonce="n4", qop="auth-conf"'])).toBeNull();
  });

  it('books every challenge of a 401 by the request it answers', () => {
    const book = new ChallengeBook();
    book.record(
      [
        'SIP/2.0 401 Unauthorized',
        'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1',
        'Call-ID: abc@host',
        'CSeq: 7 REGISTER',
        'WWW-Authenticate: Digest realm="r", nonce="n1", algorithm=MD5',
        'WWW-Authenticate: Digest realm="r", nonce="n2",',
        '  algorithm=SHA-256',
        'Proxy-Authenticate: Digest realm="p", nonce="n9"',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    const challenges = book.challengesFor('abc@host', 7, 'REGISTER');
    expect(challenges).toHaveLength(2);
    expect(chooseChallenge(challenges!)?.nonce).toBe('n2');
    expect(book.challengesFor('abc@host', 8, 'REGISTER')).toBeUndefined();
  });
});

describe('DigestCredentials as sip.js calls it', () => {
  const request = (cseq: number) => ({
    method: 'REGISTER',
    ruri: { toString: () => 'sip:198.51.100.10:5060' },
    callId: 'call-1',
    cseq,
  });

  it('answers the strongest booked challenge, not the first one sip.js parsed', () => {
    const book = new ChallengeBook();
    book.record(
      'SIP/2.0 401 Unauthorized\r\nCall-ID: call-1\r\nCSeq: 1 REGISTER\r\n' +
        'WWW-Authenticate: Digest realm="r", nonce="n1", qop="auth", algorithm=MD5\r\n' +
        'WWW-Authenticate: Digest realm="r", nonce="n2", qop="auth", algorithm=SHA-256\r\n\r\n',
    );
    const credentials = new DigestCredentials({
      username: 'u',
      password: 'p',
      nonceCounts: new NonceCounts(),
      challenges: book,
      cnonce: () => 'c',
    });
    expect(
      credentials.authenticate(request(1), { realm: 'r', nonce: 'n1', algorithm: 'MD5' }),
    ).toBe(true);
    expect(credentials.toString()).toContain('algorithm=SHA-256');
    expect(credentials.toString()).toContain('nonce="n2"');
  });

  it('counts nc per nonce across credentials objects; a new nonce starts at 1', () => {
    const nonceCounts = new NonceCounts();
    const book = new ChallengeBook();
    const make = () =>
      new DigestCredentials({ username: 'u', password: 'p', nonceCounts, challenges: book });
    const nc = (credentials: DigestCredentials) => /nc=(\w+)/.exec(credentials.toString())?.[1];
    const first = make();
    first.authenticate(request(1), { realm: 'r', nonce: 'a', qop: ['auth'] });
    const second = make();
    second.authenticate(request(2), { realm: 'r', nonce: 'a', qop: ['auth'] });
    const fresh = make();
    fresh.authenticate(request(3), { realm: 'r', nonce: 'b', qop: ['auth'], stale: true });
    expect([nc(first), nc(second), nc(fresh)]).toEqual(['00000001', '00000002', '00000001']);
    expect(fresh.stale).toBe(true);
    // Fresh client nonces each time.
    const cnonce = (credentials: DigestCredentials) =>
      /cnonce="([^"]+)"/.exec(credentials.toString())?.[1];
    expect(cnonce(first)).not.toBe(cnonce(second));
  });

  it('refuses a challenge it cannot answer, so sip.js hands the 401 on', () => {
    const credentials = new DigestCredentials({
      username: 'u',
      password: 'p',
      nonceCounts: new NonceCounts(),
      challenges: new ChallengeBook(),
    });
    expect(
      credentials.authenticate(request(1), { realm: 'r', nonce: 'n', algorithm: 'AKAv1-MD5' }),
    ).toBe(false);
    expect(() => credentials.toString()).toThrow();
  });
});
