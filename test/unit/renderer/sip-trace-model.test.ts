import { describe, expect, it } from 'vitest';
import type { SipTraceEntry } from '../../../src-shared/ipc-contract.js';
import {
  firstLine,
  traceAsText,
  traceLines,
  type TraceSegment,
} from '../../../src-renderer/src/network/sip-trace-model.js';

const RESPONSE_200 = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK77;received=203.0.113.5;rport=40312',
  'v: SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK78',
  'From: <sip:123456_home@voip.ms>;tag=a',
  'Contact: <sip:123456_home@203.0.113.5:40312;transport=udp>;expires=300',
  'Content-Type: application/sdp',
  '',
  'v=0',
  'o=- 1 1 IN IP4 203.0.113.5',
  'c=IN IP4 203.0.113.5',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

const marked = (lines: TraceSegment[][]) =>
  lines.flatMap((segments) => segments.filter((segment) => segment.mark));

describe('NAT highlights in a SIP message', () => {
  const lines = traceLines(RESPONSE_200);

  it('keeps every character, line by line', () => {
    expect(lines.map((segments) => segments.map((s) => s.text).join(''))).toEqual(
      RESPONSE_200.split('\r\n').slice(0, -1),
    );
  });

  it('marks Via received and rport, Contact, and the SDP c= and m= lines, nothing else', () => {
    expect(marked(lines)).toEqual([
      { text: 'received=203.0.113.5', mark: 'via' },
      { text: 'rport=40312', mark: 'via' },
      { text: 'rport', mark: 'via' },
      { text: '<sip:123456_home@203.0.113.5:40312;transport=udp>;expires=300', mark: 'contact' },
      { text: 'c=IN IP4 203.0.113.5', mark: 'sdp' },
      { text: 'm=audio 40000 RTP/AVP 0 101', mark: 'sdp' },
    ]);
  });

  it('marks a compact Contact, but no c= outside the body nor a branch that spells rport', () => {
    const text = [
      'INVITE sip:x SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bKrport1',
      'm: <sip:u@203.0.113.5:5060>',
      'c=not-sdp-yet',
      '',
      'm=audio 1 RTP/AVP 0',
      '',
    ].join('\r\n');
    expect(marked(traceLines(text))).toEqual([
      { text: '<sip:u@203.0.113.5:5060>', mark: 'contact' },
      { text: 'm=audio 1 RTP/AVP 0', mark: 'sdp' },
    ]);
  });

  it('names the message by its first line', () => {
    expect(firstLine(RESPONSE_200)).toBe('SIP/2.0 200 OK');
  });
});

describe('the trace as a support ticket text', () => {
  const entries: SipTraceEntry[] = [
    {
      seq: 7,
      at: '2026-11-24T10:00:00.000Z',
      direction: 'out',
      peer: { address: '198.51.100.10', port: 5060 },
      message: 'REGISTER sip:voip.ms SIP/2.0\r\nCSeq: 1 REGISTER\r\n\r\n',
    },
    {
      seq: 8,
      at: '2026-11-24T10:00:00.040Z',
      direction: 'in',
      peer: { address: '198.51.100.10', port: 5060 },
      message: 'SIP/2.0 401 Unauthorized\r\nCSeq: 1 REGISTER\r\n\r\n',
    },
  ];

  it('lists each message with its time, direction and peer, oldest first, in plain newlines', () => {
    const text = traceAsText(entries, new Date('2026-11-24T10:05:00.000Z'));
    expect(text).toBe(
      [
        'Natter SIP trace: 2 messages, oldest first.',
        'Passwords and digest responses are removed.',
        'Copied 2026-11-24T10:05:00.000Z',
        '',
        '=== 2026-11-24T10:00:00.000Z  sent to 198.51.100.10:5060 ===',
        'REGISTER sip:voip.ms SIP/2.0',
        'CSeq: 1 REGISTER',
        '',
        '=== 2026-11-24T10:00:00.040Z  received from 198.51.100.10:5060 ===',
        'SIP/2.0 401 Unauthorized',
        'CSeq: 1 REGISTER',
        '',
      ].join('\n'),
    );
  });
});
