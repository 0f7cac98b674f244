/**
 * What the message view refuses so that sip.js never sees it, both found by fuzzing: a header
 * section so large that sip.js's eager parsing held the event loop for seconds, and a request
 * whose Request-URI sip.js leaves undefined (its user agent core then throws).
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  MAX_HEADER_LINES,
  viewSipMessage,
} from '../../../src-main/sip/sip-message-view.js';
import { UdpTransport } from '../../../src-main/sip/udp-transport.js';
import { FakeEndpoint } from '../../support/fake-endpoint.js';

const server = { address: '198.51.100.10', port: 5060 };

function options(extraHeaders: string[]): string {
  return [
    'OPTIONS sip:123456_home@203.0.113.7:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.10;branch=z9hG4bK776asdhds',
    'From: <sip:4443@198.51.100.10>;tag=9fxced76sl',
    'To: <sip:123456_home@198.51.100.10>',
    'Call-ID: 3848276298220188511@198.51.100.10',
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    ...extraHeaders,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** CPU milliseconds `body` takes: wall time on a shared machine says little. */
function cpuMs(body: () => void): number {
  const start = process.cpuUsage();
  body();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

describe('SIP message view bounds', () => {
  it('reads an ordinary message with a long Record-Route set', () => {
    const routes = Array.from({ length: 20 }, (_, hop) => `Record-Route: <sip:p${hop}.example;lr>`);
    expect(viewSipMessage(options(routes))?.method).toBe('OPTIONS');
  });

  it.each([
    ['5,000 compact Contact headers', Array.from({ length: 4900 }, () => 'm:<sip:a@b>')],
    [
      'one Contact header listing 6,000 URIs',
      [`Contact: ${Array.from({ length: 6000 }, () => '<sip:a@b>').join(',')}`],
    ],
    [
      '1,900 WWW-Authenticate headers',
      Array.from({ length: 1900 }, () => 'WWW-Authenticate:Digest realm=a'),
    ],
  ])('refuses a 64 KB datagram of %s quickly, unparsed', (_name, headers) => {
    const text = options(headers);
    expect(text.length).toBeGreaterThan(MAX_HEADER_BYTES);
    let view: ReturnType<typeof viewSipMessage> = null;
    // Before the bound: seconds of CPU. The scan for the empty line is linear and stops early.
    expect(cpuMs(() => (view = viewSipMessage(text)))).toBeLessThan(50);
    expect(view).toBeNull();
  });

  it('keeps the bounds where a real message fits', () => {
    const lines = Array.from({ length: MAX_HEADER_LINES - 8 }, (_, index) => `X-H${index}: v`);
    expect(viewSipMessage(options(lines))).not.toBeNull();
    const more = Array.from({ length: MAX_HEADER_LINES }, (_, index) => `X-H${index}: v`);
    expect(viewSipMessage(options(more))).toBeNull();
  });

  it('refuses a request whose Request-URI sip.js cannot read (tel:), which its core throws on', () => {
    const text = options([]).replace(
      'OPTIONS sip:123456_home@203.0.113.7:5060',
      'INVITE tel:+1-800-555-0100',
    );
    expect(viewSipMessage(text.replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'))).toBeNull();
  });

  it('refuses a Content-Length that cuts a character in two (sip.js throws URIError on it)', () => {
    const body = '\r\n\u{10000}\u{10000}\r\ngarbage body';
    const text = options([]).replace(
      'Content-Length: 0\r\n\r\n',
      `Content-Length: 3\r\n\r\n${body}`,
    );
    expect(viewSipMessage(text)).toBeNull();
    const whole = options([]).replace(
      'Content-Length: 0\r\n\r\n',
      'Content-Length: 4\r\n\r\n\r\n\u{10000}',
    );
    expect(viewSipMessage(whole)).not.toBeNull();
  });

  it('refuses a CSeq number of 2^31 or more (sip.js reads 310 digits as Infinity)', () => {
    const response = (cseq: string): string =>
      options([])
        .replace('OPTIONS sip:123456_home@203.0.113.7:5060 SIP/2.0', 'SIP/2.0 200 OK')
        .replace('CSeq: 1 OPTIONS', `CSeq: ${cseq} OPTIONS`);
    expect(viewSipMessage(response('9'.repeat(320)))).toBeNull();
    expect(viewSipMessage(response(String(2 ** 31)))).toBeNull();
    expect(viewSipMessage(response(String(2 ** 31 - 1)))?.cseq).toBe(2 ** 31 - 1);
  });

  it('refuses unparsed a message without a Via branch or a CSeq number, and reads one folded or compact', () => {
    const response = options([]).replace(
      'OPTIONS sip:123456_home@203.0.113.7:5060 SIP/2.0',
      'SIP/2.0 200 OK',
    );
    // What a flood sends by the thousand: sip.js's grammar took about 2 ms on each.
    const broken = 'SIP/2.0 523 Whatever\r\nCSeq: x\r\n\r\n';
    let view: ReturnType<typeof viewSipMessage> = null;
    expect(
      cpuMs(() => {
        for (let i = 0; i < 1000; i++) view = viewSipMessage(broken);
      }),
    ).toBeLessThan(100);
    expect(view).toBeNull();
    expect(viewSipMessage(response.replace('CSeq: 1 OPTIONS', 'CSeq: OPTIONS'))).toBeNull();
    expect(viewSipMessage(response.replace(';branch=z9hG4bK776asdhds', ''))).toBeNull();
    expect(viewSipMessage(response.replace(/\r\nCSeq: [^\r]*/, ''))).toBeNull();
    const compact = response.replace('Via: ', 'v:').replace('branch=', 'BRANCH=');
    expect(viewSipMessage(compact)?.branch).toBe('z9hG4bK776asdhds');
    const folded = response
      .replace(';branch=', '\r\n ;branch=')
      .replace('CSeq: 1 OPTIONS', 'CSeq:\r\n 1 OPTIONS');
    expect(viewSipMessage(folded)).toMatchObject({ branch: 'z9hG4bK776asdhds', cseq: 1 });
  });

  it('has the transport refuse such a datagram without handing it to sip.js', async () => {
    const endpoint = new FakeEndpoint();
    const transport = new UdpTransport(undefined, { endpoint, server });
    const seen: string[] = [];
    transport.onMessage = (message) => seen.push(message);
    await transport.connect();
    endpoint.deliver(options(Array.from({ length: 4900 }, () => 'm:<sip:a@b>')), server);
    expect(seen).toEqual([]);
    // Refused cheaply by the request screen (513) or dropped: either way sip.js never parses it.
    expect(transport.droppedMessages + transport.refusedRequests).toBe(1);
    endpoint.deliver(options([]), server);
    expect(seen).toHaveLength(1);
    await transport.dispose();
  });
});
