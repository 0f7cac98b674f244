import { describe, expect, it } from 'vitest';
import {
  contentLengthOf,
  StreamFramer,
  StreamFramingError,
} from '../../../src-main/sip/stream-framer.js';

function message(body = '', headers: string[] = [`Content-Length: ${Buffer.byteLength(body)}`]) {
  return [
    'INVITE sip:123456_home@203.0.113.7 SIP/2.0',
    'Via: SIP/2.0/TLS 198.51.100.10;branch=z9hG4bK-1',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    ...headers,
    '',
    body,
  ].join('\r\n');
}

const OK = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 203.0.113.7;branch=z9hG4bK-2\r\nl: 0\r\n\r\n';

describe('StreamFramer (RFC 3261 §18.3 framing, RFC 5626 keepalives)', () => {
  it('splits several messages in one read and keeps a body by its byte length', () => {
    const body = 'v=0\r\ns=café\r\n';
    const wire = Buffer.from(message(body) + OK);
    const items = new StreamFramer().push(wire);
    expect(items.map((i) => i.kind)).toEqual(['message', 'message']);
    expect(items[0]).toMatchObject({ kind: 'message', text: message(body) });
    expect(items[0]).toMatchObject({ bytes: Buffer.byteLength(message(body)) });
    expect(items[1]).toMatchObject({ text: OK });
  });

  it('completes a message that comes one byte at a time, and nothing before it is whole', () => {
    const body = 'v=0\r\no=- 1 1 IN IP4 198.51.100.20\r\n';
    const wire = Buffer.from(message(body));
    const framer = new StreamFramer();
    const seen = [];
    for (let i = 0; i < wire.length; i++) {
      const items = framer.push(wire.subarray(i, i + 1));
      if (i < wire.length - 1) expect(items).toEqual([]);
      seen.push(...items);
    }
    expect(seen).toEqual([{ kind: 'message', text: message(body), bytes: wire.length }]);
    expect(framer.pendingBytes).toBe(0);
  });

  it('reads a double CRLF as a ping and a single CRLF as a pong, between messages', () => {
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from('\r\n\r\n')).map((i) => i.kind)).toEqual(['ping']);
    expect(framer.push(Buffer.from('\r\n')).map((i) => i.kind)).toEqual(['pong']);
    expect(framer.push(Buffer.from(`\r\n${OK}\r\n\r\n`)).map((i) => i.kind)).toEqual([
      'pong',
      'message',
      'ping',
    ]);
    // A CR alone waits for its LF.
    expect(framer.push(Buffer.from('\r'))).toEqual([]);
    expect(framer.push(Buffer.from('\n')).map((i) => i.kind)).toEqual(['pong']);
  });

  it('drops the stream when a message has no Content-Length', () => {
    const framer = new StreamFramer();
    expect(() => framer.push(Buffer.from(message('', [])))).toThrow(/no Content-Length/);
  });

  it('drops the stream when a Content-Length is shorter than its body (what follows is no message)', () => {
    const body = 'v=0\r\ns=-\r\n';
    const lying = message(body, ['Content-Length: 4']);
    expect(() => new StreamFramer().push(Buffer.from(lying))).toThrow(StreamFramingError);
  });

  it('holds a message whose Content-Length is longer than what came, without inventing one', () => {
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from(message('v=0\r\n', ['Content-Length: 500'])))).toEqual([]);
    expect(framer.pendingBytes).toBeGreaterThan(0);
  });

  it('refuses an oversized header section before it ends, and an oversized body', () => {
    const framer = new StreamFramer({ maxHeaderBytes: 1024 });
    const start = 'INVITE sip:a@b SIP/2.0\r\n';
    expect(framer.push(Buffer.from(start))).toEqual([]);
    expect(() => framer.push(Buffer.from(`X-Pad: ${'a'.repeat(2000)}\r\n`))).toThrow(
      /header section is over 1024 bytes/,
    );
    const big = new StreamFramer({ maxBodyBytes: 100 });
    expect(() => big.push(Buffer.from(message('', ['Content-Length: 101'])))).toThrow(/body/);
  });

  it('refuses garbage where a message must start', () => {
    expect(() => new StreamFramer().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(
      StreamFramingError,
    );
    expect(() => new StreamFramer().push(Buffer.alloc(300, 0x41))).toThrow(StreamFramingError);
  });

  it('reads Content-Length by its long and compact names; refuses two that differ or a non-number', () => {
    expect(contentLengthOf('INVITE x SIP/2.0\r\ncontent-length:  12 ')).toBe(12);
    expect(contentLengthOf('INVITE x SIP/2.0\r\nl: 3')).toBe(3);
    expect(() => contentLengthOf('INVITE x SIP/2.0\r\nl: 3\r\nContent-Length: 4')).toThrow(/two/);
    expect(() => contentLengthOf('INVITE x SIP/2.0\r\nContent-Length: -1')).toThrow(/number/);
  });

  it('refuses a Content-Length of many blanks before a lone LF at once (no backtracking)', () => {
    // A trimming pattern took seconds over this; read in code, it is one pass.
    const head = `INVITE x SIP/2.0\r\nContent-Length:${' '.repeat(3000)}\n5`;
    expect(() => contentLengthOf(head)).toThrow(/not a number/);
    expect(contentLengthOf(`INVITE x SIP/2.0\r\nl:\t${' '.repeat(3000)}7\t `)).toBe(7);
  });
});
