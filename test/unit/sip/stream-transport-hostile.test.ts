import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UserAgent, type Invitation } from 'sip.js';
import { StreamTransport } from '../../../src-main/sip/stream-transport.js';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 198.51.100.9',
  's=-',
  'c=IN IP4 198.51.100.9',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

const SERVER = { address: '198.51.100.1', port: 5060 };

/** Enough of a net.Socket for StreamTransport: what it writes is kept. */
class FakeSocket extends EventEmitter {
  readonly written: string[] = [];
  readonly localAddress = '192.168.1.20';
  readonly localPort = 50123;
  setNoDelay(): this {
    return this;
  }
  write(text: string, _encoding?: unknown, done?: (error?: Error) => void): boolean {
    this.written.push(String(text));
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  }
  end(): void {
    queueMicrotask(() => this.emit('close'));
  }
  destroy(): void {
    queueMicrotask(() => this.emit('close'));
  }
}

function message(lines: string[], body = ''): string {
  return [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

function dialogHeaders(cseq: string, toTag?: string): string[] {
  return [
    `Via: SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bK-${cseq.replace(/\W/g, '')}`,
    'Max-Forwards: 70',
    `To: <sip:100@198.51.100.1>${toTag ? `;tag=${toTag}` : ''}`,
    'From: <sip:200@198.51.100.1>;tag=caller1',
    'Call-ID: call-1@198.51.100.1',
    `CSeq: ${cseq}`,
  ];
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** A sip.js user agent over our TCP transport, on a socket the test feeds. */
async function phoneOverTcp(socket: FakeSocket) {
  const invitations: Invitation[] = [];
  const userAgent = new UserAgent({
    uri: UserAgent.makeURI('sip:100@198.51.100.1'),
    viaHost: '192.168.1.20',
    contactName: '100',
    logBuiltinEnabled: false,
    sendInitialProvisionalResponse: false,
    transportConstructor: StreamTransport as never,
    transportOptions: {
      kind: 'tcp',
      server: SERVER,
      connect: async () => socket as unknown as Socket,
      keepaliveMs: 0,
    },
    sessionDescriptionHandlerFactory: () => ({
      close: () => undefined,
      getDescription: async () => ({ body: SDP, contentType: 'application/sdp' }),
      hasDescription: () => true,
      setDescription: async () => undefined,
      sendDtmf: () => false,
    }),
    delegate: {
      onInvite: (invitation) => {
        invitations.push(invitation);
        void invitation.accept().catch(() => undefined);
      },
    },
  });
  await userAgent.start();
  return { userAgent, invitations, transport: userAgent.transport as unknown as StreamTransport };
}

describe('StreamTransport: hostile messages over TCP and TLS', () => {
  it('answers a PRACK inside an established call 481, and the message after it in the same read is still handled', async () => {
    const socket = new FakeSocket();
    const { userAgent, invitations } = await phoneOverTcp(socket);
    socket.emit(
      'data',
      Buffer.from(
        message(
          [
            'INVITE sip:100@192.168.1.20:50123;transport=tcp SIP/2.0',
            ...dialogHeaders('1 INVITE'),
            'Contact: <sip:200@198.51.100.1:5060;transport=tcp>',
            'Content-Type: application/sdp',
          ],
          SDP,
        ),
      ),
    );
    await settle();
    expect(invitations).toHaveLength(1);
    const ok = socket.written.find((written) => written.startsWith('SIP/2.0 200'));
    const toTag = /^To:.*;tag=([^;\s]+)/im.exec(ok ?? '')?.[1];
    expect(toTag).toBeDefined();
    socket.emit(
      'data',
      Buffer.from(
        message([
          'ACK sip:100@192.168.1.20:50123;transport=tcp SIP/2.0',
          ...dialogHeaders('1 ACK', toTag),
        ]),
      ),
    );
    await settle();

    // sip.js throws "Unimplemented." on an in-dialog PRACK; it must never get one.
    const prack = message([
      'PRACK sip:100@192.168.1.20:50123;transport=tcp SIP/2.0',
      ...dialogHeaders('2 PRACK', toTag),
      'RAck: 1 1 INVITE',
    ]);
    const bye = message([
      'BYE sip:100@192.168.1.20:50123;transport=tcp SIP/2.0',
      ...dialogHeaders('3 BYE', toTag),
    ]);
    expect(() => socket.emit('data', Buffer.from(prack + bye))).not.toThrow();
    await settle();
    const answers = socket.written.filter((written) => written.startsWith('SIP/2.0'));
    expect(answers.some((answer) => /^SIP\/2\.0 481 .*\r\n[\s\S]*CSeq: 2 PRACK/.test(answer))).toBe(
      true,
    );
    expect(answers.some((answer) => /^SIP\/2\.0 200 .*\r\n[\s\S]*CSeq: 3 BYE/.test(answer))).toBe(
      true,
    );
    await userAgent.stop();
  });

  it('drops a message whose handling throws, says so, and goes on with the next', async () => {
    const socket = new FakeSocket();
    const warnings: string[] = [];
    const transport = new StreamTransport(undefined, {
      kind: 'tcp',
      server: SERVER,
      connect: async () => socket as unknown as Socket,
      keepaliveMs: 0,
      log: (level, text) => level === 'warn' && warnings.push(text),
    });
    await transport.connect();
    const handled: string[] = [];
    transport.onMessage = (text) => {
      if (text.includes('CSeq: 1 OPTIONS')) throw new Error('a parser bug');
      handled.push(text);
    };
    const options = (cseq: number) =>
      message([
        'OPTIONS sip:100@192.168.1.20:50123;transport=tcp SIP/2.0',
        `Via: SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bK-options${cseq}`,
        'Max-Forwards: 70',
        'To: <sip:100@198.51.100.1>',
        'From: <sip:200@198.51.100.1>;tag=prober',
        'Call-ID: options-call@198.51.100.1',
        `CSeq: ${cseq} OPTIONS`,
      ]);
    expect(() => socket.emit('data', Buffer.from(options(1) + options(2)))).not.toThrow();
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatch(/CSeq: 2 OPTIONS/);
    expect(transport.droppedMessages).toBe(1);
    expect(warnings).toEqual(['SIP message dropped: handling it failed (a parser bug)']);
    await transport.disconnect();
  });
});
