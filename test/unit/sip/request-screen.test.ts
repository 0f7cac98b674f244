import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callerIdentityOf } from '../../../src-main/sip/invite-admission.js';
import { UdpTransport } from '../../../src-main/sip/udp-transport.js';
import { FakeEndpoint } from '../../support/fake-endpoint.js';

const server = { address: '198.51.100.10', port: 5060 };
const USER = '123456_home';

interface RequestParts {
  method?: string;
  uri?: string;
  version?: string;
  branch?: string | null;
  sentBy?: string;
  callId?: string;
  from?: string;
  cseq?: string;
  drop?: string[];
  extra?: string[];
  body?: string;
}

let sequence = 0;
function request(parts: RequestParts = {}): string {
  const method = parts.method ?? 'OPTIONS';
  const branch = parts.branch === undefined ? `z9hG4bK-${++sequence}` : parts.branch;
  const headers: Array<[string, string]> = [
    [
      'Via',
      `SIP/2.0/UDP ${parts.sentBy ?? '198.51.100.10:5060'}${branch === null ? '' : `;branch=${branch}`}`,
    ],
    ['Max-Forwards', '70'],
    ['From', parts.from ?? '<sip:15145550100@198.51.100.10>;tag=f1'],
    ['To', `<sip:${USER}@198.51.100.10>`],
    ['Call-ID', parts.callId ?? `call-${sequence}`],
    ['CSeq', parts.cseq ?? `1 ${method}`],
    ...(method === 'INVITE'
      ? ([['Contact', '<sip:15145550100@198.51.100.10:5060>']] as Array<[string, string]>)
      : []),
  ];
  const kept = headers.filter(([name]) => !(parts.drop ?? []).includes(name));
  const body = parts.body ?? '';
  return [
    `${method} ${parts.uri ?? `sip:${USER}@203.0.113.7:5060`} ${parts.version ?? 'SIP/2.0'}`,
    ...kept.map(([name, value]) => `${name}: ${value}`),
    ...(parts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

describe('requests refused before sip.js, with the RFC 3261 answer', () => {
  let endpoint: FakeEndpoint;
  let transport: UdpTransport;
  let delivered: string[];

  beforeEach(async () => {
    endpoint = new FakeEndpoint();
    transport = new UdpTransport(undefined, { endpoint, server, localUser: USER });
    delivered = [];
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
  });
  afterEach(() => transport.dispose());

  /** The status line sent back, or null when nothing was; and whether sip.js saw the request. */
  function answerTo(text: string): { status: string | null; passed: boolean } {
    const before = endpoint.sent.length;
    const seen = delivered.length;
    endpoint.deliver(text, server);
    const sent = endpoint.sent.slice(before);
    return {
      status: sent[0]?.text.split('\r\n')[0] ?? null,
      passed: delivered.length > seen,
    };
  }

  const cases: Array<[string, RequestParts, string]> = [
    ['a wrong SIP version', { version: 'SIP/3.0' }, 'SIP/2.0 505 Version Not Supported'],
    ['no Call-ID', { drop: ['Call-ID'] }, 'SIP/2.0 400 Missing Call-ID'],
    ['no From', { drop: ['From'] }, 'SIP/2.0 400 Missing From'],
    ['no To', { drop: ['To'] }, 'SIP/2.0 400 Missing To'],
    ['no CSeq', { drop: ['CSeq'] }, 'SIP/2.0 400 Missing CSeq'],
    ['a CSeq that is no number', { cseq: 'x OPTIONS' }, 'SIP/2.0 400 Invalid CSeq'],
    ['a CSeq naming another method', { cseq: '1 BYE' }, 'SIP/2.0 400 CSeq Method Mismatch'],
    ['two Call-IDs', { extra: ['Call-ID: other'] }, 'SIP/2.0 400 Multiple Call-ID'],
    ['a From without URI', { from: 'nobody' }, 'SIP/2.0 400 Invalid From'],
    [
      'a Max-Forwards that is no number',
      { extra: ['Max-Forwards: lots'], drop: ['Max-Forwards'] },
      'SIP/2.0 400 Invalid Max-Forwards',
    ],
    [
      'no hops left',
      { method: 'INFO', extra: ['Max-Forwards: 0'], drop: ['Max-Forwards'] },
      'SIP/2.0 483 Too Many Hops',
    ],
    ['a tel: Request-URI', { uri: 'tel:+15145550100' }, 'SIP/2.0 416 Unsupported URI Scheme'],
    [
      'a sips: Request-URI',
      { uri: `sips:${USER}@203.0.113.7` },
      'SIP/2.0 416 Unsupported URI Scheme',
    ],
    ['a Request-URI for another user', { uri: 'sip:someone@203.0.113.7' }, 'SIP/2.0 404 Not Found'],
    ['an unknown Require', { extra: ['Require: foo, 100rel'] }, 'SIP/2.0 420 Bad Extension'],
    ['a non-numeric Expires', { extra: ['Expires: soon'] }, 'SIP/2.0 400 Invalid Expires'],
    // RFC 3891 §3; sip.js would drop an unreadable Replaces and ring the INVITE as a new call.
    [
      'a Replaces without a call-id',
      { method: 'INVITE', extra: ['Replaces: ;to-tag=a;from-tag=b'] },
      'SIP/2.0 400 Invalid Replaces',
    ],
    [
      'a Replaces without its tags',
      { method: 'INVITE', extra: ['Replaces: abc@host'] },
      'SIP/2.0 400 Invalid Replaces',
    ],
    [
      'two Replaces',
      {
        method: 'INVITE',
        extra: ['Replaces: a@h;to-tag=1;from-tag=2', 'Replaces: b@h;to-tag=3;from-tag=4'],
      },
      'SIP/2.0 400 Multiple Replaces',
    ],
    [
      'a Replaces outside an INVITE',
      { extra: ['Replaces: a@h;to-tag=1;from-tag=2'] },
      'SIP/2.0 400 Replaces Outside INVITE',
    ],
    ['a broken request line', { uri: 'sip:a@b c' }, 'SIP/2.0 400 Malformed Request-Line'],
    [
      'a header sip.js cannot parse',
      { extra: ['Contact: <<<'] },
      'SIP/2.0 400 Malformed Header Field',
    ],
  ];

  it.each(cases)('answers %s', (_name, parts, expected) => {
    const { status, passed } = answerTo(request(parts));
    expect(status).toBe(expected);
    expect(passed).toBe(false);
  });

  it('names the unsupported option tags, and copies Via, From, To (tagged), Call-ID, CSeq', () => {
    endpoint.deliver(request({ extra: ['Require: foo'], callId: 'copy-me' }), server);
    const response = endpoint.sent.at(-1)?.text ?? '';
    expect(response).toMatch(/^Unsupported: foo$/m);
    expect(response).toMatch(/^Via: SIP\/2.0\/UDP 198.51.100.10:5060;branch=z9hG4bK-\d+$/m);
    expect(response).toMatch(/^From: <sip:15145550100@198.51.100.10>;tag=f1$/m);
    expect(response).toMatch(new RegExp(`^To: <sip:${USER}@198.51.100.10>;tag=s[0-9a-f]{8}$`, 'm'));
    expect(response).toMatch(/^Call-ID: copy-me$/m);
    expect(response).toMatch(/^CSeq: 1 OPTIONS$/m);
    expect(endpoint.sent.at(-1)?.to).toEqual(server);
  });

  it('lets an INVITE with one readable Replaces through to sip.js, which matches its dialog', () => {
    const replacing = request({ method: 'INVITE', extra: ['Replaces: a@h;to-tag=1;from-tag=2'] });
    expect(answerTo(replacing)).toMatchObject({ status: null, passed: true });
  });

  it('answers a body shorter than its Content-Length with 400 naming it', () => {
    const text = request({ body: 'v=0\r\n' }).replace('Content-Length: 5', 'Content-Length: 500');
    expect(answerTo(text).status).toBe('SIP/2.0 400 Content-Length Mismatch');
  });

  it('answers a body without its Content-Type with 400 naming it: sip.js throws on one', () => {
    expect(answerTo(request({ method: 'INFO', body: 'hello' })).status).toBe(
      'SIP/2.0 400 Missing Content-Type',
    );
    const typed = request({ method: 'INFO', body: 'hello', extra: ['c: text/plain'] });
    expect(answerTo(typed).passed).toBe(true);
    // No body, no type needed; a Content-Length of 0 says there is none to read.
    expect(answerTo(request({ method: 'INFO' })).passed).toBe(true);
    // Without a Content-Length (UDP allows it) a stray line end is no body.
    const strayLineEnd = request({ method: 'BYE' }).replace('Content-Length: 0\r\n', '') + '\r\n';
    expect(answerTo(strayLineEnd).passed).toBe(true);
    const untypedWithoutLength = request({ method: 'INFO', body: 'Signal=5' }).replace(
      /Content-Length: \d+\r\n/,
      '',
    );
    expect(answerTo(untypedWithoutLength).status).toBe('SIP/2.0 400 Missing Content-Type');
  });

  it('answers a request too large for any call setup with 513', () => {
    const text = request({ extra: [`X-Padding: ${'p'.repeat(40_000)}`] });
    expect(answerTo(text).status).toBe('SIP/2.0 513 Message Too Large');
  });

  it('never answers an ACK, however malformed', () => {
    expect(answerTo(request({ method: 'ACK', version: 'SIP/3.0' }))).toEqual({
      status: null,
      passed: false,
    });
    expect(answerTo(request({ method: 'ACK', drop: ['Call-ID'] }))).toEqual({
      status: null,
      passed: false,
    });
  });

  it('drops what has no Via to answer along, and requests from strangers unanswered', () => {
    expect(answerTo(request({ drop: ['Via'] })).status).toBeNull();
    const before = endpoint.sent.length;
    endpoint.deliver(request({ version: 'SIP/3.0' }), { address: '192.0.2.66', port: 5060 });
    expect(endpoint.sent.length).toBe(before);
    expect(delivered).toEqual([]);
  });

  it('passes a well-formed request to sip.js unchanged, and any token-led extension method', () => {
    const text = request();
    expect(answerTo(text)).toEqual({ status: null, passed: true });
    expect(delivered.at(-1)).toBe(text);
    const extension = request({ method: '!PING' });
    expect(answerTo(extension).passed).toBe(true);
  });

  it('answers every PRACK 481 itself, in a dialog or outside any: we send no reliable 1xx and sip.js throws on one', () => {
    const refused = { status: 'SIP/2.0 481 Call/Transaction Does Not Exist', passed: false };
    expect(answerTo(request({ method: 'PRACK' }))).toEqual(refused);
    const inDialog = request({
      method: 'PRACK',
      drop: ['To'],
      extra: [`To: <sip:${USER}@198.51.100.10>;tag=ours`, 'RAck: 1 1 INVITE'],
    });
    expect(answerTo(inDialog)).toEqual(refused);
  });

  it('keeps an OPTIONS with Max-Forwards 0: its target may answer it (RFC 3261 §16.3)', () => {
    const text = request({ extra: ['Max-Forwards: 0'], drop: ['Max-Forwards'] });
    expect(answerTo(text).passed).toBe(true);
  });

  it('bounds an INVITE Expires of 2^40 s before sip.js arms a timer with it', () => {
    const text = request({ method: 'INVITE', extra: [`Expires: ${2 ** 40}`] });
    expect(answerTo(text).passed).toBe(true);
    expect(delivered.at(-1)).toMatch(/^Expires: 3600$/m);
  });
});

describe('server transaction identity (RFC 3261 §17.2.3)', () => {
  let endpoint: FakeEndpoint;
  let transport: UdpTransport;
  let delivered: string[];

  beforeEach(async () => {
    endpoint = new FakeEndpoint();
    transport = new UdpTransport(undefined, { endpoint, server, localUser: USER });
    delivered = [];
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
  });
  afterEach(() => transport.dispose());

  const branchOf = (text: string | undefined) =>
    /^Via:[^\r\n]*;branch=([^;\r\n]+)/m.exec(text ?? '')?.[1];

  it('gives an RFC 2543 request (no branch) one, the same for its retransmission, and strips it on the way out', async () => {
    const text = request({ branch: null, callId: 'old-style' });
    endpoint.deliver(text, server);
    endpoint.deliver(text, server);
    expect(delivered).toHaveLength(2);
    const given = branchOf(delivered[0]);
    expect(given).toMatch(/^z9hG4bK/);
    expect(branchOf(delivered[1])).toBe(given);
    // sip.js answers with the Via it was given; the wire carries the request's own.
    const response = delivered[0]!
      .replace(/^OPTIONS [^\r\n]*/, 'SIP/2.0 200 OK')
      .replace(/^(To: [^\r\n]*)/m, '$1;tag=ours');
    await transport.send(response);
    expect(endpoint.sent.at(-1)?.text).toMatch(/^Via: SIP\/2.0\/UDP 198.51.100.10:5060\r$/m);
  });

  it('keeps apart two requests that share a branch but not sent-by or method, and restores each branch in its answer', async () => {
    endpoint.deliver(request({ method: 'INVITE', branch: 'z9hG4bK-same', callId: 'a' }), server);
    endpoint.deliver(
      request({ branch: 'z9hG4bK-same', sentBy: '198.51.100.10:5070', callId: 'b' }),
      server,
    );
    endpoint.deliver(request({ method: 'BYE', branch: 'z9hG4bK-same', callId: 'c' }), server);
    const branches = delivered.map(branchOf);
    expect(branches[0]).toBe('z9hG4bK-same');
    expect(new Set(branches).size).toBe(3);
    const answer = delivered[2]!.replace(/^BYE [^\r\n]*/, 'SIP/2.0 200 OK');
    await transport.send(answer);
    expect(branchOf(endpoint.sent.at(-1)?.text)).toBe('z9hG4bK-same');
  });

  it('keeps the INVITE, its ACK and its CANCEL on one branch, as sip.js needs', () => {
    const invite = request({ method: 'INVITE', branch: 'z9hG4bK-inv', callId: 'k' });
    endpoint.deliver(invite, server);
    endpoint.deliver(
      request({ method: 'CANCEL', branch: 'z9hG4bK-inv', callId: 'k', cseq: '1 CANCEL' }),
      server,
    );
    endpoint.deliver(
      request({ method: 'ACK', branch: 'z9hG4bK-inv', callId: 'k', cseq: '1 ACK' }),
      server,
    );
    expect(delivered.map(branchOf)).toEqual(['z9hG4bK-inv', 'z9hG4bK-inv', 'z9hG4bK-inv']);
  });

  it('does not let a CANCEL from another sent-by reach a transaction it does not belong to', () => {
    endpoint.deliver(request({ method: 'INVITE', branch: 'z9hG4bK-x', callId: 'k' }), server);
    endpoint.deliver(
      request({
        method: 'CANCEL',
        branch: 'z9hG4bK-x',
        sentBy: '198.51.100.10:5999',
        callId: 'k',
        cseq: '1 CANCEL',
      }),
      server,
    );
    expect(branchOf(delivered[1])).not.toBe('z9hG4bK-x');
  });

  /**
   * An INVITE given an alias (an OPTIONS from another sent-by holds its branch first) that sip.js
   * answers 180, as it does when the phone rings: the alias and that 180 as sip.js built it.
   */
  async function ringingUnderAlias(branch: string, callId: string) {
    endpoint.deliver(request({ branch, sentBy: '198.51.100.10:5070' }), server);
    endpoint.deliver(request({ method: 'INVITE', branch, callId }), server);
    const invite = delivered.at(-1)!;
    const ringing = invite
      .replace(/^INVITE [^\r\n]*/, 'SIP/2.0 180 Ringing')
      .replace(/^(To: [^\r\n]*)/m, '$1;tag=ours');
    await transport.send(ringing);
    return { alias: branchOf(invite), ringing };
  }

  it('keeps an aliased INVITE that rings beyond 64·T1 on its alias for its CANCEL and ACK', async () => {
    vi.useFakeTimers();
    try {
      const { alias, ringing } = await ringingUnderAlias('z9hG4bK-long', 'r');
      expect(alias).not.toBe('z9hG4bK-long');
      // Its 180 carries the alias; the wire gets the INVITE's own branch.
      expect(branchOf(endpoint.sent.at(-1)?.text)).toBe('z9hG4bK-long');
      // The caller gives up after a minute of ringing, long past the 32 s a transaction is kept.
      vi.advanceTimersByTime(60_000);
      endpoint.deliver(request({ branch: 'z9hG4bK-other' }), server);
      const cancel = { branch: 'z9hG4bK-long', callId: 'r', cseq: '1 CANCEL' };
      endpoint.deliver(request({ method: 'CANCEL', ...cancel }), server);
      expect(branchOf(delivered.at(-1))).toBe(alias);
      const terminated = ringing.replace(/^SIP\/2.0 180 Ringing/, 'SIP/2.0 487 Request Terminated');
      await transport.send(terminated);
      expect(branchOf(endpoint.sent.at(-1)?.text)).toBe('z9hG4bK-long');
      // The final answer starts the transaction's last 64·T1: its ACK still finds the alias.
      vi.advanceTimersByTime(20_000);
      const ack = { branch: 'z9hG4bK-long', callId: 'r', cseq: '1 ACK' };
      endpoint.deliver(request({ method: 'ACK', ...ack }), server);
      expect(branchOf(delivered.at(-1))).toBe(alias);
      // And then it is forgotten like any other.
      vi.advanceTimersByTime(40_000);
      endpoint.deliver(request({ branch: 'z9hG4bK-later' }), server);
      endpoint.deliver(request({ method: 'ACK', ...ack }), server);
      expect(branchOf(delivered.at(-1))).toBe('z9hG4bK-long');
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets a ringing INVITE that sip.js never answers finally after ten minutes', async () => {
    vi.useFakeTimers();
    try {
      const { alias } = await ringingUnderAlias('z9hG4bK-stuck', 's');
      const cancel = () =>
        endpoint.deliver(
          request({ method: 'CANCEL', branch: 'z9hG4bK-stuck', callId: 's', cseq: '1 CANCEL' }),
          server,
        );
      vi.advanceTimersByTime(9 * 60_000);
      cancel();
      expect(branchOf(delivered.at(-1))).toBe(alias);
      vi.advanceTimersByTime(2 * 60_000);
      endpoint.deliver(request({ branch: 'z9hG4bK-tick' }), server);
      vi.advanceTimersByTime(40_000);
      cancel();
      expect(branchOf(delivered.at(-1))).toBe('z9hG4bK-stuck');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('INVITE admission: ring once per caller per window, 503 beyond the rate', () => {
  let endpoint: FakeEndpoint;
  let transport: UdpTransport;
  let delivered: string[];

  beforeEach(async () => {
    vi.useFakeTimers();
    endpoint = new FakeEndpoint();
    transport = new UdpTransport(undefined, {
      endpoint,
      server,
      localUser: USER,
      inviteAdmission: { callerWindowMs: 5000, perSecond: 2, burst: 4 },
    });
    delivered = [];
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
  });
  afterEach(async () => {
    await transport.dispose();
    vi.useRealTimers();
  });

  const invite = (caller: string, branch: string) =>
    request({ method: 'INVITE', branch, from: `<sip:${caller}@198.51.100.10>;tag=${branch}` });
  const lastStatus = () => endpoint.sent.at(-1)?.text.split('\r\n')[0];

  it('passes one INVITE per caller; the same caller again within the window gets 486', () => {
    endpoint.deliver(invite('alice', 'z9hG4bK-a1'), server);
    expect(delivered).toHaveLength(1);
    endpoint.deliver(invite('alice', 'z9hG4bK-a2'), server);
    expect(lastStatus()).toBe('SIP/2.0 486 Busy Here');
    endpoint.deliver(invite('bob', 'z9hG4bK-b1'), server);
    expect(delivered).toHaveLength(2);
    vi.advanceTimersByTime(5000);
    endpoint.deliver(invite('alice', 'z9hG4bK-a3'), server);
    expect(delivered).toHaveLength(3);
  });

  it('lets retransmissions through to sip.js (which absorbs them) and repeats refusals to theirs', () => {
    const first = invite('alice', 'z9hG4bK-r1');
    endpoint.deliver(first, server);
    endpoint.deliver(first, server);
    expect(delivered).toHaveLength(2);
    const refused = invite('alice', 'z9hG4bK-r2');
    endpoint.deliver(refused, server);
    endpoint.deliver(refused, server);
    expect(delivered).toHaveLength(2);
    expect(endpoint.sent.map((sent) => sent.text.split('\r\n')[0])).toEqual([
      'SIP/2.0 486 Busy Here',
      'SIP/2.0 486 Busy Here',
    ]);
    // Its ACK, which carries the To of the answer (RFC 3261 §17.1.1.3), ends here.
    const answeredTo = /^To: .*$/m.exec(endpoint.sent[0]?.text ?? '')?.[0] ?? '';
    const ack = request({
      method: 'ACK',
      branch: 'z9hG4bK-r2',
      cseq: '1 ACK',
      from: '<sip:alice@198.51.100.10>;tag=z9hG4bK-r2',
    }).replace(/^To: .*$/m, answeredTo);
    endpoint.deliver(ack, server);
    expect(endpoint.sent).toHaveLength(2);
    expect(delivered).toHaveLength(2);
  });

  it('keeps nothing of a refusal: an INVITE whose 503 was lost rings when resent after the bucket refills', () => {
    for (let i = 0; i < 4; i++) endpoint.deliver(invite(`caller${i}`, `z9hG4bK-s${i}`), server);
    const late = invite('caller9', 'z9hG4bK-s9');
    endpoint.deliver(late, server);
    expect(lastStatus()).toBe('SIP/2.0 503 Service Unavailable');
    endpoint.deliver(late, server);
    expect(lastStatus()).toBe('SIP/2.0 503 Service Unavailable');
    expect(delivered).toHaveLength(4);
    vi.advanceTimersByTime(1000);
    endpoint.deliver(late, server);
    expect(delivered).toHaveLength(5);
  });

  it('tells the ACK of a refusal by its To tag alone, long after the refusal is forgotten', () => {
    const refusedInvite = invite('alice', 'z9hG4bK-old');
    endpoint.deliver(invite('alice', 'z9hG4bK-rings'), server);
    endpoint.deliver(refusedInvite, server);
    endpoint.deliver(refusedInvite, server);
    const answers = endpoint.sent.map((sent) => sent.text);
    expect(answers).toHaveLength(2);
    // A retransmission is answered alike, To tag included (RFC 3261 §8.2.7).
    expect(answers[1]).toBe(answers[0]);
    const toTag = /^To: .*;tag=(\S+)$/m.exec(answers[0] ?? '')?.[1];
    expect(toTag).toMatch(/^s[0-9a-f]{8}$/);
    // A flood of 5,000 refusals later, no record of this one is left.
    for (let i = 0; i < 5000; i++) {
      endpoint.deliver(invite(`flood${i % 3}`, `z9hG4bK-f${i}`), server);
    }
    vi.advanceTimersByTime(40_000);
    const ack = (tag: string) =>
      request({
        method: 'ACK',
        branch: 'z9hG4bK-old',
        cseq: '1 ACK',
        from: '<sip:alice@198.51.100.10>;tag=z9hG4bK-old',
      }).replace(`To: <sip:${USER}@198.51.100.10>`, `To: <sip:${USER}@198.51.100.10>;tag=${tag}`);
    const sent = endpoint.sent.length;
    const seen = delivered.length;
    endpoint.deliver(ack(toTag ?? ''), server);
    expect(endpoint.sent.length).toBe(sent);
    expect(delivered.length).toBe(seen);
    // An ACK carrying another tag (sip.js's, of a dialog) is sip.js's to match.
    endpoint.deliver(ack('a1b2c3d4e5'), server);
    expect(delivered.length).toBe(seen + 1);
  });

  it('answers 503 with Retry-After once new callers exceed the rate', () => {
    for (let i = 0; i < 4; i++) endpoint.deliver(invite(`caller${i}`, `z9hG4bK-c${i}`), server);
    expect(delivered).toHaveLength(4);
    endpoint.deliver(invite('caller9', 'z9hG4bK-c9'), server);
    expect(lastStatus()).toBe('SIP/2.0 503 Service Unavailable');
    expect(endpoint.sent.at(-1)?.text).toMatch(/^Retry-After: 1$/m);
    vi.advanceTimersByTime(500);
    endpoint.deliver(invite('caller10', 'z9hG4bK-c10'), server);
    expect(delivered).toHaveLength(5);
  });

  it('gives the caller its turn back when the call was refused before it rang', async () => {
    endpoint.deliver(invite('alice', 'z9hG4bK-s1'), server);
    const refusal = delivered[0]!
      .replace(/^INVITE [^\r\n]*/, 'SIP/2.0 488 Not Acceptable Here')
      .replace(/^(To: [^\r\n]*)/m, '$1;tag=ours');
    await transport.send(refusal);
    endpoint.deliver(invite('alice', 'z9hG4bK-s2'), server);
    expect(delivered).toHaveLength(2);
  });

  it('gives the caller its turn back once the call was picked up, not while it only rang', async () => {
    endpoint.deliver(invite('alice', 'z9hG4bK-p1'), server);
    const answer = (status: string) =>
      delivered[0]!
        .replace(/^INVITE [^\r\n]*/, `SIP/2.0 ${status}`)
        .replace(/^(To: [^\r\n]*)/m, '$1;tag=ours');
    await transport.send(answer('180 Ringing'));
    endpoint.deliver(invite('alice', 'z9hG4bK-p2'), server);
    expect(delivered).toHaveLength(1);
    expect(lastStatus()).toBe('SIP/2.0 486 Busy Here');
    await transport.send(answer('200 OK'));
    endpoint.deliver(invite('alice', 'z9hG4bK-p3'), server);
    expect(delivered).toHaveLength(2);
  });

  it('refuses a new call 486 before sip.js while the phone is busy, never the retransmission of the call that rings', async () => {
    await transport.dispose();
    let busy: string | null = null;
    const refusals: Array<{ from: string; reason: string }> = [];
    transport = new UdpTransport(undefined, {
      endpoint,
      server,
      localUser: USER,
      inviteAdmission: { callerWindowMs: 5000, perSecond: 2, burst: 4 },
      busy: () => busy,
      onBusyRefusal: (refusal) => refusals.push(refusal),
    });
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
    const ringing = invite('alice', 'z9hG4bK-k1');
    endpoint.deliver(ringing, server);
    expect(delivered).toHaveLength(1);
    busy = 'Refused: another call was already ringing';
    // Alice's INVITE again (a retransmission): on to sip.js, which absorbs it.
    endpoint.deliver(ringing, server);
    expect(delivered).toHaveLength(2);
    // Bob, while Alice rings: 486 from here, told to the engine for History, again to his
    // retransmission, and his turn given back (the user heard nothing of him).
    const bob = invite('bob', 'z9hG4bK-k2');
    endpoint.deliver(bob, server);
    endpoint.deliver(bob, server);
    expect(delivered).toHaveLength(2);
    expect(endpoint.sent.map((sent) => sent.text.split('\r\n')[0])).toEqual([
      'SIP/2.0 486 Busy Here',
      'SIP/2.0 486 Busy Here',
    ]);
    expect(refusals).toEqual([{ from: '<sip:bob@198.51.100.10>;tag=z9hG4bK-k2', reason: busy }]);
    busy = null;
    endpoint.deliver(invite('bob', 'z9hG4bK-k3'), server);
    expect(delivered).toHaveLength(3);
  });

  it('lets an INVITE with Replaces through while a call rings: the call it names decides (RFC 3891)', async () => {
    await transport.dispose();
    transport = new UdpTransport(undefined, {
      endpoint,
      server,
      localUser: USER,
      busy: () => 'Refused: another call was already ringing',
    });
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
    const replacing = invite('bob', 'z9hG4bK-r1').replace(
      /^(Call-ID: [^\r\n]*)/m,
      '$1\r\nReplaces: ringing-call;to-tag=ours;from-tag=theirs',
    );
    endpoint.deliver(replacing, server);
    expect(delivered).toHaveLength(1);
    expect(endpoint.sent).toEqual([]);
    // Without Replaces, the same caller is refused here as before.
    endpoint.deliver(invite('carol', 'z9hG4bK-r2'), server);
    expect(delivered).toHaveLength(1);
    expect(endpoint.sent.map((sent) => sent.text.split('\r\n')[0])).toEqual([
      'SIP/2.0 486 Busy Here',
    ]);
  });

  it('sends a new call on with 302 before sip.js while forwarding, the same 302 to its retransmission, and ends its ACK', async () => {
    await transport.dispose();
    const redirect = {
      contact: '<sip:15145550123@198.51.100.10>',
      diversion: `<sip:${USER}@198.51.100.10>;reason=do-not-disturb`,
      reason: 'Forwarded to 15145550123, do not disturb',
    };
    let forwarding = true;
    const refusals: Array<{ from: string; reason: string; redirectedTo?: string }> = [];
    transport = new UdpTransport(undefined, {
      endpoint,
      server,
      localUser: USER,
      inviteAdmission: { callerWindowMs: 5000, perSecond: 2, burst: 4 },
      busy: () => 'Refused while Do not disturb was on',
      redirect: () => (forwarding ? redirect : null),
      onBusyRefusal: (refusal) => refusals.push(refusal),
    });
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
    const carol = invite('carol', 'z9hG4bK-f1');
    endpoint.deliver(carol, server);
    endpoint.deliver(carol, server);
    endpoint.deliver(request({ method: 'ACK', branch: 'z9hG4bK-f1', cseq: '1 ACK' }), server);
    expect(delivered).toHaveLength(0);
    expect(endpoint.sent).toHaveLength(2);
    for (const { text } of endpoint.sent) {
      expect(text.split('\r\n')[0]).toBe('SIP/2.0 302 Moved Temporarily');
      expect(text).toMatch(/^Contact: <sip:15145550123@198\.51\.100\.10>\r$/m);
      expect(text).toMatch(
        /^Diversion: <sip:123456_home@198\.51\.100\.10>;reason=do-not-disturb\r$/m,
      );
      expect(text).toMatch(/^To: <sip:123456_home@198\.51\.100\.10>;tag=\w+\r$/m);
    }
    expect(refusals).toEqual([
      {
        from: '<sip:carol@198.51.100.10>;tag=z9hG4bK-f1',
        reason: redirect.reason,
        redirectedTo: redirect.contact,
      },
    ]);
    // Forwarding off, do not disturb still on: 486, as before.
    forwarding = false;
    endpoint.deliver(invite('dave', 'z9hG4bK-f2'), server);
    expect(endpoint.sent.at(-1)?.text.split('\r\n')[0]).toBe('SIP/2.0 486 Busy Here');
    expect(endpoint.sent.at(-1)?.text).not.toMatch(/^Contact:/m);
  });

  it('does not count re-INVITEs in a dialog as new calls', () => {
    endpoint.deliver(invite('alice', 'z9hG4bK-d1'), server);
    const reinvite = invite('alice', 'z9hG4bK-d2').replace(/^(To: [^\r\n]*)/m, '$1;tag=dialog');
    endpoint.deliver(reinvite, server);
    expect(delivered).toHaveLength(2);
  });
});

describe('the caller of a refused INVITE, read from its raw From', () => {
  it('gives the URI user and the display name, quoted or not', () => {
    expect(callerIdentityOf('"Carol \\"C\\" Smith" <sip:15145550111@198.51.100.10>;tag=x')).toEqual(
      {
        user: '15145550111',
        displayName: 'Carol "C" Smith',
      },
    );
    expect(callerIdentityOf('Bob <sip:bob@example.com>')).toEqual({
      user: 'bob',
      displayName: 'Bob',
    });
    expect(callerIdentityOf('<sip:100@198.51.100.10>;tag=1')).toEqual({
      user: '100',
      displayName: null,
    });
    expect(callerIdentityOf('sip:example.com;tag=1')).toEqual({
      user: 'sip:example.com',
      displayName: null,
    });
  });
});
