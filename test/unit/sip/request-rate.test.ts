import { describe, expect, it } from 'vitest';
import { IncomingRequestScreen } from '../../../src-main/sip/incoming-request-screen.js';

const USER = '123456_home';
let sequence = 0;

/** A request from the registrar's address, out of any dialog unless `toTag` is given. */
function request(method: string, toTag = ''): string {
  const n = ++sequence;
  return [
    `${method} sip:${USER}@203.0.113.7:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-rate-${n}`,
    'Max-Forwards: 70',
    `From: <sip:caller${n}@198.51.100.10>;tag=f${n}`,
    `To: <sip:${USER}@198.51.100.10>${toTag ? `;tag=${toTag}` : ''}`,
    `Call-ID: rate-${n}`,
    `CSeq: 1 ${method}`,
    ...(method === 'INVITE' ? ['Contact: <sip:caller@198.51.100.10:5060>'] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function screenAt(clock: { now: number }, perSecond?: number) {
  return new IncomingRequestScreen({
    transactionMs: 32_000,
    user: USER,
    admission: { now: () => clock.now, ...(perSecond === undefined ? {} : { perSecond }) },
  });
}

const outcome = (screen: IncomingRequestScreen, text: string) => {
  const screened = screen.screen(text, Buffer.byteLength(text));
  return screened.action === 'answer' ? screened.status : screened.action;
};

describe('requests other than a new call, from the registrar, beyond what calls bring', () => {
  it('pass 4 s worth at once, then are refused 503 with Retry-After, cheaply', () => {
    const clock = { now: 0 };
    const screen = screenAt(clock);
    const outcomes = Array.from({ length: 260 }, () => outcome(screen, request('OPTIONS')));
    expect(outcomes.slice(0, 200).every((result) => result === 'pass')).toBe(true);
    expect(outcomes.slice(200).every((result) => result === 503)).toBe(true);
    const refused = screen.screen(request('OPTIONS'), 300);
    expect(refused.action === 'answer' && refused.response).toMatch(/^Retry-After: 1\r?$/m);
    // An ACK beyond the rate gets no answer: it is dropped.
    expect(outcome(screen, request('ACK', 'ours'))).toBe('drop');
  });

  it('leave new calls to their own limit, and pass again as the rate allows', () => {
    const clock = { now: 0 };
    const screen = screenAt(clock);
    for (let i = 0; i < 200; i++) outcome(screen, request('BYE', 'ours'));
    expect(outcome(screen, request('BYE', 'ours'))).toBe(503);
    expect(outcome(screen, request('INVITE'))).toBe('pass');
    clock.now += 1000;
    const second = Array.from({ length: 60 }, () => outcome(screen, request('BYE', 'ours')));
    expect(second.filter((result) => result === 'pass')).toHaveLength(50);
  });

  it('scale with the incoming call rate a phone is given (ten requests a call)', () => {
    const clock = { now: 0 };
    // 10 calls a second: 100 other requests a second, 400 at once.
    const screen = screenAt(clock, 10);
    const outcomes = Array.from({ length: 410 }, () => outcome(screen, request('OPTIONS')));
    expect(outcomes.filter((result) => result === 'pass')).toHaveLength(400);
    expect(outcomes.slice(400).every((result) => result === 503)).toBe(true);
  });
});
