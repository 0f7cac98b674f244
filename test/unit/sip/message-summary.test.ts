import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_SUMMARY_BYTES,
  parseMessageSummary,
} from '../../../src-main/sip/message-summary.js';
import { UdpTransport } from '../../../src-main/sip/udp-transport.js';
import { VoicemailIndicator } from '../../../src-main/engine/voicemail-indicator.js';
import type { TransportAddress, Voicemail } from '../../../src-shared/domain.js';
import { FakeEndpoint } from '../../support/fake-endpoint.js';

/** What Asterisk's chan_sip sends unasked to a registered peer with a mailbox. */
const ASTERISK_BODY =
  'Messages-Waiting: yes\r\nMessage-Account: sip:*97@198.51.100.10\r\nVoice-Message: 2/8 (1/0)\r\n';

describe('RFC 3842 message-summary bodies', () => {
  it('reads the counts Asterisk sends', () => {
    expect(parseMessageSummary(ASTERISK_BODY)).toEqual({
      ok: true,
      summary: {
        waiting: true,
        account: 'sip:*97@198.51.100.10',
        voice: { newMessages: 2, oldMessages: 8, urgentNew: 1, urgentOld: 0 },
      },
    });
  });

  it('reads a bare status, LF line ends, no urgent counts and message headers after a blank line', () => {
    expect(parseMessageSummary('Messages-Waiting: no\n')).toMatchObject({
      ok: true,
      summary: { waiting: false, voice: null, account: null },
    });
    const withHeaders =
      'messages-waiting:yes\nvoice-message: 3/0\nfax-message: 1/1 (0/0)\n\nTo: <sip:x@y>\nSubject: hi\n';
    expect(parseMessageSummary(withHeaders)).toMatchObject({
      ok: true,
      summary: { waiting: true, voice: { newMessages: 3, oldMessages: 0, urgentNew: 0 } },
    });
  });

  it.each([
    ['an empty body', ''],
    ['no status line first', 'Voice-Message: 1/0\r\nMessages-Waiting: yes\r\n'],
    ['a status that is neither yes nor no', 'Messages-Waiting: maybe\r\n'],
    ['an unknown line', 'Messages-Waiting: yes\r\nVoicemail: 3\r\n'],
    ['counts that are not numbers', 'Messages-Waiting: yes\r\nVoice-Message: a/b\r\n'],
    ['a negative count', 'Messages-Waiting: yes\r\nVoice-Message: -1/0\r\n'],
    ['a huge count', 'Messages-Waiting: yes\r\nVoice-Message: 99999999999999999999/0\r\n'],
    ['more urgent than new', 'Messages-Waiting: yes\r\nVoice-Message: 1/0 (5/0)\r\n'],
    ['a repeated line', 'Messages-Waiting: yes\r\nVoice-Message: 1/0\r\nVoice-Message: 9/0\r\n'],
    [
      'a misplaced account',
      'Messages-Waiting: yes\r\nVoice-Message: 1/0\r\nMessage-Account: sip:a@b\r\n',
    ],
    ['an oversized body', `Messages-Waiting: yes\r\n${'x'.repeat(MAX_MESSAGE_SUMMARY_BYTES)}`],
  ])('refuses %s', (_what, body) => {
    expect(parseMessageSummary(body).ok).toBe(false);
  });
});

const server = { address: '198.51.100.10', port: 5060 };
const stranger = { address: '203.0.113.66', port: 5060 };
const USER = '123456_home';

function notify(options: { toTag?: boolean; body?: string; event?: string } = {}): string {
  const body = options.body ?? ASTERISK_BODY;
  return [
    `NOTIFY sip:${USER}@203.0.113.7:40001 SIP/2.0`,
    'Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK76a1e0c2;rport',
    'Max-Forwards: 70',
    'From: "Unknown" <sip:Unknown@198.51.100.10>;tag=as4e1a3b7f',
    `To: <sip:${USER}@203.0.113.7:40001>${options.toTag ? ';tag=ours' : ''}`,
    'Contact: <sip:Unknown@198.51.100.10:5060>',
    'Call-ID: 4f1a6c3b2d9e@198.51.100.10:5060',
    'CSeq: 102 NOTIFY',
    'User-Agent: Asterisk PBX',
    `Event: ${options.event ?? 'message-summary'}`,
    'Content-Type: application/simple-message-summary',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

describe('message-summary NOTIFYs on the SIP socket', () => {
  let transport: UdpTransport | null = null;
  afterEach(() => transport?.dispose());

  async function open(acceptSipFromServerOnly = true) {
    const endpoint = new FakeEndpoint();
    const reports: Voicemail[] = [];
    const indicator = new VoicemailIndicator({
      registrar: () => server,
      onChange: (voicemail) => reports.push(voicemail),
    });
    const delivered: string[] = [];
    transport = new UdpTransport(undefined, {
      endpoint,
      server,
      localUser: USER,
      acceptSipFromServerOnly,
      onMessageSummary: (body: string, from: TransportAddress) => indicator.report(body, from),
    });
    transport.onMessage = (message) => delivered.push(message);
    await transport.connect();
    return { endpoint, reports, delivered, indicator };
  }

  it('answers an unsolicited NOTIFY 200 itself, to its source, and sets the count', async () => {
    const { endpoint, reports, delivered } = await open();
    endpoint.deliver(notify(), server);
    expect(endpoint.sent).toHaveLength(1);
    const [answer] = endpoint.sent;
    expect(answer?.text.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect(answer?.text).toContain('CSeq: 102 NOTIFY');
    expect(answer?.text).toContain('Call-ID: 4f1a6c3b2d9e@198.51.100.10:5060');
    expect(answer?.to).toEqual(server);
    expect(delivered).toHaveLength(0);
    expect(reports).toEqual([
      expect.objectContaining({ waiting: true, newMessages: 2, oldMessages: 8, urgentNew: 1 }),
    ]);
    // The same count again (a retransmission, a refresh) is no news.
    endpoint.deliver(notify(), server);
    expect(endpoint.count('SIP/2.0 200 OK')).toBe(2);
    expect(reports).toHaveLength(1);
    endpoint.deliver(
      notify({ body: 'Messages-Waiting: no\r\nVoice-Message: 0/10 (0/1)\r\n' }),
      server,
    );
    expect(reports.at(-1)).toMatchObject({ waiting: false, newMessages: 0, oldMessages: 10 });
  });

  it('passes an in-dialog NOTIFY on to sip.js and still reads its count', async () => {
    const { endpoint, reports, delivered } = await open();
    endpoint.deliver(notify({ toTag: true }), server);
    expect(delivered).toHaveLength(1);
    expect(endpoint.sent).toHaveLength(0);
    expect(reports).toHaveLength(1);
  });

  it('keeps a hostile body from setting the count, and answers it all the same', async () => {
    const { endpoint, reports } = await open();
    endpoint.deliver(notify({ body: 'Messages-Waiting: yes\r\nVoice-Message: 1e9/0\r\n' }), server);
    expect(endpoint.count('SIP/2.0 200 OK')).toBe(1);
    expect(reports).toHaveLength(0);
  });

  it("never lets a stranger's NOTIFY set the count", async () => {
    const guarded = await open(true);
    guarded.endpoint.deliver(notify(), stranger);
    expect(guarded.endpoint.sent).toHaveLength(0);
    expect(guarded.reports).toHaveLength(0);
    await transport?.dispose();
    // With the source filter off, the request is answered but the count still ignores it.
    const open2 = await open(false);
    open2.endpoint.deliver(notify(), stranger);
    expect(open2.reports).toHaveLength(0);
    expect(open2.indicator.status).toBeNull();
  });

  it('leaves NOTIFYs of other events to sip.js', async () => {
    const { endpoint, reports, delivered } = await open();
    endpoint.deliver(notify({ event: 'refer' }), server);
    expect(delivered).toHaveLength(1);
    expect(reports).toHaveLength(0);
  });
});
