import { Buffer } from 'node:buffer';

/**
 * The start line and header fields of a SIP request, read leniently enough to answer a request
 * that sip.js's grammar refuses: a 400 must copy the Via, From, To, Call-ID and CSeq of the very
 * request it refuses (RFC 3261 §8.2.6.2), and those are what this keeps, as received.
 */
export interface SipRequestHead {
  method: string;
  requestUri: string;
  version: string;
  /** The first line is not `Method SP Request-URI SP SIP-Version` (RFC 3261 §7.1). */
  malformedStartLine: boolean;
  /** Header fields in order, names in their long lowercase form (compact forms expanded). */
  headers: SipHeaderField[];
  /** Bytes after the blank line (the body as received, perhaps cut by the datagram). */
  bodyBytes: number;
  /** Nothing but whitespace after the blank line: a stray line end, not a body. */
  bodyIsBlank: boolean;
  /** Where the body starts in the text: just after the blank line, or its end when there is none. */
  bodyStart: number;
}

export interface SipHeaderField {
  name: string;
  value: string;
}

/** RFC 3261 §7.3.3 compact forms. */
const COMPACT_NAMES: Record<string, string> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  e: 'content-encoding',
  k: 'supported',
  s: 'subject',
  o: 'event',
  r: 'refer-to',
  u: 'allow-events',
  x: 'session-expires',
};

/** RFC 3261 §25.1 `token`. */
export const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/**
 * The head of a request, or null for a response (a status line). One pass over the head, with
 * no regular expression per line: every request from the registrar's address comes through
 * here, a flood of INVITEs included, so what it costs a request is what a flood costs the phone.
 */
export function readRequestHead(text: string): SipRequestHead | null {
  const end = headEnd(text);
  const lineEnd = nextLineEnd(text, 0, end.index);
  const startLine = text.slice(0, lineEnd.content);
  if (/^SIP\//i.test(startLine)) return null;
  const parts = startLine.split(' ');
  const [method = '', requestUri = '', version = ''] = parts;
  const malformedStartLine = parts.length !== 3 || !TOKEN.test(method) || requestUri === '';
  const headers: SipHeaderField[] = [];
  let last: SipHeaderField | undefined;
  // The next colon at or after the line being read: found once, so that lines without one do
  // not each search the rest of the message.
  let colon = -1;
  for (let at = lineEnd.next; at < end.index;) {
    const line = nextLineEnd(text, at, end.index);
    const first = text.charCodeAt(at);
    if ((first === SPACE || first === TAB) && last) {
      // Header folding (RFC 3261 §7.3.1): a continuation of the field above.
      last.value = `${last.value} ${text.slice(at, line.content).trim()}`;
    } else {
      if (colon < at) colon = text.indexOf(':', at);
      if (colon < 0) colon = text.length;
      if (colon > at && colon < line.content) {
        const raw = text.slice(at, colon).trim().toLowerCase();
        last = {
          name: COMPACT_NAMES[raw] ?? raw,
          value: text.slice(colon + 1, line.content).trim(),
        };
        headers.push(last);
      }
    }
    at = line.next;
  }
  const bodyStart = end.found ? end.index + end.length : text.length;
  const body = text.slice(bodyStart);
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  const bodyIsBlank = body.trim() === '';
  return {
    method,
    requestUri,
    version,
    malformedStartLine,
    headers,
    bodyBytes,
    bodyIsBlank,
    bodyStart,
  };
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;

/** Where the line from `at` ends (before its CR LF or LF) and where the next one starts. */
function nextLineEnd(text: string, at: number, limit: number): { content: number; next: number } {
  let newline = text.indexOf('\n', at);
  if (newline < 0 || newline > limit) newline = limit;
  // As a split on /\r?\n/ would: a CR belongs to the line break only when an LF follows it.
  const content =
    newline < limit && newline > at && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
  return { content, next: newline + 1 };
}

/** Every value of a header field, comma-separated values of one line kept together. */
export function headerValues(head: SipRequestHead, name: string): string[] {
  const values: string[] = [];
  for (const field of head.headers) if (field.name === name) values.push(field.value);
  return values;
}

export function headerValue(head: SipRequestHead, name: string): string | undefined {
  for (const field of head.headers) if (field.name === name) return field.value;
  return undefined;
}

/** How many times a header field occurs. */
export function headerCount(head: SipRequestHead, name: string): number {
  let count = 0;
  for (const field of head.headers) if (field.name === name) count++;
  return count;
}

function headEnd(text: string): { index: number; length: number; found: boolean } {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4, found: true };
  if (lf >= 0) return { index: lf, length: 2, found: true };
  return { index: text.length, length: 0, found: false };
}
