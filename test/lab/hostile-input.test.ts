/**
 * What arrives from the network never takes the engine down: malformed SIP, SDP and RTP from
 * the provider's own address (the one source the engine listens to), then a normal call.
 */
import dgram from 'node:dgram';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import { LAB_PASSWORD, LAB_USER, startLoopbackSipp, waitFor } from './support/peers.js';

const skip = announceSkip('lab: hostile input', hasCommand('sipp') ? null : 'needs sipp');

const children: ChildProcess[] = [];
const engines: NatterEngine[] = [];
afterAll(async () => {
  for (const engine of engines) await engine.shutdown();
  for (const child of children) child.kill('SIGKILL');
});

function invite(body: string, extraHeaders = ''): string {
  return [
    'INVITE sip:123456_home@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
    'From: <sip:15145550100@127.0.0.1>;tag=evil',
    'To: <sip:123456_home@127.0.0.1>',
    `Call-ID: hostile-${Math.random().toString(36).slice(2)}`,
    'CSeq: 1 INVITE',
    'Contact: <sip:15145550100@127.0.0.1:5999>',
    'Max-Forwards: 70',
    extraHeaders,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ]
    .filter((line, index, lines) => line !== '' || index >= lines.length - 2)
    .join('\r\n');
}

const HOSTILE: Array<string | Buffer> = [
  Buffer.alloc(0),
  Buffer.from([0xff, 0x00, 0x13]),
  Buffer.alloc(1400, 0x41),
  'INVITE\r\n\r\n',
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnothing\r\nCSeq: 1 INVITE\r\nCall-ID: x\r\n\r\n',
  'BYE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKbye\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: nodialog\r\nCSeq: 5 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
  invite('v=0\r\nthis is not sdp\r\n'),
  invite(
    'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n',
  ),
  invite('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 96\r\n'),
  invite('', `X-Long: ${'y'.repeat(1000)}`),
  invite('v=0').replace('Content-Length: 3', 'Content-Length: 9999'),
  Buffer.from('000100002112a442000000000000000000000000', 'hex'),
  Buffer.from('800000000000000000000000', 'hex'),
];

describe.skipIf(skip)('hostile input from the network', () => {
  it('survives malformed SIP, SDP, STUN and RTP, then still places a call', async () => {
    const provider = await startLoopbackSipp('provider-comedia.xml', ['-rtp_echo']);
    children.push(provider.child);
    const port = provider.port;
    const engine = new NatterEngine({ stunServers: [], localAddress: '127.0.0.1' });
    engines.push(engine);
    const registration = await engine.invoke('register', {
      account: { server: `127.0.0.1:${port}`, user: LAB_USER },
      password: LAB_PASSWORD,
    });
    expect(registration.state).toBe('registered');
    const contactPort = Number(/:(\d+);transport/.exec(engine.contactHeader ?? '')?.[1]);
    const calls: string[] = [];
    engine.on('call', (info) =>
      calls.push(`${info.direction}:${info.state}:${info.end?.code ?? ''}`),
    );

    const attacker = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => attacker.bind(0, '127.0.0.1', resolve));
    for (const datagram of HOSTILE) {
      await new Promise<void>((resolve) =>
        attacker.send(datagram, contactPort, '127.0.0.1', () => resolve()),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    attacker.close();

    // Incoming INVITEs with unusable SDP are refused (488), not rung: only the late-offer INVITE
    // (no SDP at all, which is legal) rings.
    expect(calls.filter((c) => c.startsWith('incoming:incoming'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('incoming:connected'))).toEqual([]);
    const call = await engine.invoke('call', { target: '4443' });
    const connected = await waitFor(
      () => calls.some((c) => c.startsWith('outgoing:connected')),
      8000,
    );
    expect(connected).toBe(true);
    await engine.invoke('hangup', { callId: call.id });
  }, 30_000);
});
