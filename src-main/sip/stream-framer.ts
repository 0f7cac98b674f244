import { trimBlanks } from './blanks.js';
import { MAX_HEADER_BYTES } from './sip-message-view.js';

/** What one read of a SIP stream held, in the order it came. */
export type StreamItem =
  /** One whole SIP message; `bytes` is its length on the wire (start line to end of body). */
  | { kind: 'message'; text: string; bytes: number }
  /** RFC 5626 §3.5.1 keepalive ping (a double CRLF): answered with a pong. */
  | { kind: 'ping' }
  /** RFC 5626 §3.5.1 pong (a single CRLF): the far end is alive. */
  | { kind: 'pong' };

/** The stream no longer splits into messages: the connection must go (RFC 3261 §18.3). */
export class StreamFramingError extends Error {
  override name = 'StreamFramingError';
}

export interface StreamFramerOptions {
  /** A header section longer than this (bytes, up to the empty line) ends the connection. */
  maxHeaderBytes?: number;
  /** A body longer than this (bytes, as Content-Length gives it) ends the connection. */
  maxBodyBytes?: number;
}

/** A SIP message's body is SDP or a short text; a megabyte is no call's. */
export const DEFAULT_MAX_BODY_BYTES = 65_536;

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
/** A request line ("INVITE sip:… SIP/2.0") or a status line ("SIP/2.0 200 OK"). */
/**
 * A method as the start line's pattern below takes it: RFC 3261 §25.1 token characters, at most
 * 32 of them (the longest registered method, SUBSCRIBE's peers included, has 9).
 */
const METHOD_TOKEN = /^[A-Za-z0-9!%'*+.`~_-]{1,32}$/;
const START_LINE = /^(?:SIP\/2\.0 \d{3}(?: |$)|[A-Za-z0-9!%'*+.`~_-]{1,32} \S+ SIP\/2\.0$)/i;

/**
 * Splits the bytes of a stream transport (TCP, TLS) into SIP messages by their Content-Length,
 * which RFC 3261 §18.3 makes mandatory on streams, and into the RFC 5626 CRLF keepalives that
 * come between them. Robust to any split of the stream into reads: a message may come a byte at
 * a time or several in one read.
 *
 * A stream that cannot be framed any more (no Content-Length, a header section or body beyond
 * the bounds, or bytes after a message that are not the start of another, which is what a
 * Content-Length shorter than its body leaves) throws {@link StreamFramingError}: past a framing
 * fault every later byte is guesswork, so the connection is closed and opened afresh.
 *
 * A lone CRLF is read as a pong at once rather than held for a second one: a client is the side
 * that pings, so a CRLF from the server is its pong, and waiting would delay the watchdog reset.
 */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;

  constructor(options: StreamFramerOptions = {}) {
    this.maxHeaderBytes = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Bytes held for a message not yet complete. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  /** Takes one read; returns whatever it completed. Throws {@link StreamFramingError}. */
  push(chunk: Buffer): StreamItem[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const items: StreamItem[] = [];
    for (;;) {
      const item = this.next();
      if (!item) return items;
      items.push(item);
    }
  }

  private next(): StreamItem | null {
    if (this.buffer.length === 0) return null;
    if (this.startsWith(HEADER_END)) {
      this.consume(HEADER_END.length);
      return { kind: 'ping' };
    }
    if (this.startsWith(CRLF)) {
      this.consume(CRLF.length);
      return { kind: 'pong' };
    }
    // A lone CR: the rest of a CRLF is on its way.
    if (this.buffer.length === 1 && this.buffer[0] === 0x0d) return null;
    return this.nextMessage();
  }

  private nextMessage(): StreamItem | null {
    const headerEnd = this.buffer.indexOf(HEADER_END);
    const firstLineEnd = this.buffer.indexOf(CRLF);
    const startsMessage =
      firstLineEnd >= 0
        ? START_LINE.test(this.buffer.toString('latin1', 0, firstLineEnd))
        : mayStartMessage(this.buffer, this.maxHeaderBytes);
    if (!startsMessage) {
      throw new StreamFramingError(
        'the stream does not start a SIP message here (a wrong Content-Length before it?)',
      );
    }
    if (headerEnd < 0) {
      if (this.buffer.length > this.maxHeaderBytes) {
        throw new StreamFramingError(
          `a SIP message's header section is over ${this.maxHeaderBytes} bytes`,
        );
      }
      return null;
    }
    if (headerEnd > this.maxHeaderBytes) {
      throw new StreamFramingError(
        `a SIP message's header section is over ${this.maxHeaderBytes} bytes`,
      );
    }
    const head = this.buffer.toString('latin1', 0, headerEnd);
    const bodyBytes = contentLengthOf(head);
    if (bodyBytes > this.maxBodyBytes) {
      throw new StreamFramingError(
        `a SIP message's body of ${bodyBytes} bytes is over ${this.maxBodyBytes}`,
      );
    }
    const total = headerEnd + HEADER_END.length + bodyBytes;
    if (this.buffer.length < total) return null;
    const text = this.buffer.toString('utf8', 0, total);
    this.consume(total);
    return { kind: 'message', text, bytes: total };
  }

  private startsWith(prefix: Buffer): boolean {
    return (
      this.buffer.length >= prefix.length && this.buffer.subarray(0, prefix.length).equals(prefix)
    );
  }

  private consume(bytes: number): void {
    this.buffer = this.buffer.subarray(bytes);
  }
}

/**
 * Whether the bytes of a start line not yet ended can still become one: the word before the
 * first space is a method (a token) or `SIP/2.0`, or, with no space yet, could grow into one.
 * Garbage after a wrong Content-Length is told early, while a long but valid start line (a long
 * Request-URI) is judged by the same rule however the stream was cut into reads.
 */
function mayStartMessage(buffer: Buffer, maxBytes: number): boolean {
  const text = buffer.toString('latin1', 0, Math.min(buffer.length, maxBytes));
  const space = text.indexOf(' ');
  const word = (space >= 0 ? text.slice(0, space) : text).toUpperCase();
  if (space >= 0) return word === 'SIP/2.0' || METHOD_TOKEN.test(word);
  return METHOD_TOKEN.test(word) || 'SIP/2.0'.startsWith(word);
}

/**
 * The Content-Length of a header section (its long or compact `l` name). Missing, repeated with
 * different values, or not a number: the message cannot be framed on a stream.
 */
export function contentLengthOf(head: string): number {
  let found: number | null = null;
  for (const line of head.split('\r\n').slice(1)) {
    const match = /^(?:content-length|l)[ \t]*:([^]*)$/i.exec(line);
    if (!match) continue;
    const text = trimBlanks(match[1] ?? '');
    if (!/^\d{1,9}$/.test(text)) {
      throw new StreamFramingError(`a SIP message's Content-Length "${text}" is not a number`);
    }
    const value = Number(text);
    if (found !== null && found !== value) {
      throw new StreamFramingError('a SIP message carries two different Content-Lengths');
    }
    found = value;
  }
  if (found === null) {
    throw new StreamFramingError(
      'a SIP message on a stream has no Content-Length (RFC 3261 §18.3 requires one)',
    );
  }
  return found;
}
