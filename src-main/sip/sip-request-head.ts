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

/** The head of a request, or null for a response (a status line). */
export function readRequestHead(text: string): SipRequestHead | null {
  const end = headEnd(text);
  const head = text.slice(0, end.index);
  const lines = head.split(/\r?\n/);
  const startLine = lines.shift() ?? '';
  if (/^SIP\//i.test(startLine)) return null;
  const parts = startLine.split(' ');
  const [method = '', requestUri = '', version = ''] = parts;
  const malformedStartLine = parts.length !== 3 || !TOKEN.test(method) || requestUri === '';
  const headers: SipHeaderField[] = [];
  for (const line of lines) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last) {
      // Header folding (RFC 3261 §7.3.1): a continuation of the field above.
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    headers.push({ name: COMPACT_NAMES[raw] ?? raw, value: line.slice(colon + 1).trim() });
  }
  const bodyBytes = end.found ? Buffer.byteLength(text.slice(end.index + end.length), 'utf8') : 0;
  return { method, requestUri, version, malformedStartLine, headers, bodyBytes };
}

/** Every value of a header field, comma-separated values of one line kept together. */
export function headerValues(head: SipRequestHead, name: string): string[] {
  return head.headers.filter((field) => field.name === name).map((field) => field.value);
}

export function headerValue(head: SipRequestHead, name: string): string | undefined {
  return head.headers.find((field) => field.name === name)?.value;
}

function headEnd(text: string): { index: number; length: number; found: boolean } {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4, found: true };
  if (lf >= 0) return { index: lf, length: 2, found: true };
  return { index: text.length, length: 0, found: false };
}
