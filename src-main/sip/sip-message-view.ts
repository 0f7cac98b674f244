import { Core } from 'sip.js';

/**
 * The few facts of a SIP message the transport needs to match retransmissions and route
 * responses, read with sip.js's own grammar (no hand-written SIP parser).
 */
export interface SipMessageView {
  kind: 'request' | 'response';
  /** Request method, or the method of the CSeq a response answers. */
  method: string;
  statusCode: number;
  branch: string;
  callId: string;
  cseq: number;
  /** Top Via of the message. */
  via: { host: string; port: number | undefined; received?: string; rport?: number };
}

const silentLoggerFactory = new Core.LoggerFactory();
silentLoggerFactory.builtinEnabled = false;
const parserLogger = silentLoggerFactory.getLogger('natter.parser');

/**
 * Bounds on a message's header section, beyond which it is refused unparsed. sip.js's grammar
 * takes time that grows faster than the headers it parses eagerly (Contact, Record-Route,
 * WWW-Authenticate...): one 64 KB datagram of 5,000 compact Contact headers held the event loop
 * for seconds of CPU, and a single Contact header listing 6,000 URIs for 0.4 s, twice over (here
 * and again in sip.js). Real messages carry 10–30 header lines in one or two kilobytes; a
 * provider's INVITE with a long Record-Route set stays well below these.
 */
export const MAX_HEADER_LINES = 100;
export const MAX_HEADER_BYTES = 8192;

/** RFC 3261 §8.1.1.5: a CSeq sequence number is less than 2^31. */
const MAX_CSEQ = 2 ** 31 - 1;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Returns null for anything sip.js cannot parse or that lacks a Via branch or CSeq, for a request
 * whose Request-URI sip.js cannot read, for a Content-Length that cuts a character in two, for a
 * CSeq number of 2^31 or more, for a response with a body but no Content-Type, and for a message
 * whose header section is larger than {@link MAX_HEADER_LINES} lines or {@link MAX_HEADER_BYTES}
 * characters, or without a Via that names a branch or a CSeq that starts with a number, neither
 * of which is ever parsed.
 */
export function viewSipMessage(text: string): SipMessageView | null {
  if (!worthParsing(text)) return null;
  let message: Core.IncomingRequestMessage | Core.IncomingResponseMessage | undefined;
  try {
    message = Core.Parser.parseMessage(text, parserLogger);
  } catch {
    return null;
  }
  if (!message) return null;
  const via = message.via as unknown as
    | { host?: string; port?: number; branch?: string; received?: string; rport?: number | string }
    | undefined;
  const cseqHeader = message.parseHeader('cseq') as { method?: string; value?: number } | undefined;
  if (!via?.host || !via.branch || !cseqHeader?.method) return null;
  // sip.js's grammar leaves the Request-URI undefined for schemes other than sip/sips (a tel: URI,
  // say), and its user agent core then throws on the request instead of answering it.
  if (message instanceof Core.IncomingRequestMessage && !message.ruri) return null;
  // sip.js cuts the body at Content-Length counted in UTF-16 units, not bytes: a cut through a
  // character leaves half a surrogate pair, on which its user agent throws (URIError) measuring
  // the body. The Content-Length does not describe this body.
  if (LONE_SURROGATE.test(message.body)) return null;
  // RFC 3261 §8.1.1.5: a sequence number below 2^31. sip.js reads digits of any length into a
  // Number (Infinity past 309 of them), which then matches, or fails to match, as it likes.
  if (!Number.isInteger(message.cseq) || message.cseq < 0 || message.cseq > MAX_CSEQ) return null;
  const rport = via.rport === undefined || via.rport === '' ? undefined : Number(via.rport);
  const isResponse = message instanceof Core.IncomingResponseMessage;
  // RFC 3261 §20.15: a body names its Content-Type. sip.js cannot tell the disposition of one
  // that does not and throws reading it (an answer to our INVITE); a request gets 400 from the
  // screen, a response has nobody to answer and is dropped as unreadable.
  if (isResponse && message.body && !message.hasHeader('content-type')) return null;
  return {
    kind: isResponse ? 'response' : 'request',
    method: isResponse ? cseqHeader.method : (message as Core.IncomingRequestMessage).method,
    statusCode: isResponse ? ((message as Core.IncomingResponseMessage).statusCode ?? 0) : 0,
    branch: via.branch,
    callId: message.callId,
    cseq: message.cseq,
    via: {
      host: via.host,
      port: via.port,
      ...(via.received ? { received: via.received } : {}),
      ...(rport !== undefined && Number.isFinite(rport) ? { rport } : {}),
    },
  };
}

/**
 * Whether the header section (up to the first empty line) is within the bounds above and holds
 * what {@link viewSipMessage} needs: a top Via line naming a branch, and a CSeq line starting with
 * a sequence number. One pass over the lines, no regular expression: a broken message costs
 * sip.js's grammar milliseconds (its syntax errors describe every expectation), and a flood brings
 * thousands a second. Lenient where a folded line (RFC 3261 §7.3.1) might complete a field.
 */
function worthParsing(text: string): boolean {
  let lines = 0;
  let start = 0;
  let via: boolean | undefined;
  let cseq: boolean | undefined;
  let folded = false;
  for (;;) {
    const end = text.indexOf('\n', start);
    const lineEnd = end === -1 ? text.length : end;
    if (lineEnd === start || (lineEnd === start + 1 && text.charCodeAt(start) === CR)) break;
    // The start line is not a header line.
    if (++lines > MAX_HEADER_LINES + 1 || lineEnd > MAX_HEADER_BYTES) return false;
    if (lines > 1) {
      const first = text.charCodeAt(start);
      if (first === SPACE || first === TAB) folded = true;
      else if (via === undefined && isHeaderNamed(text, start, lineEnd, 'via', 'v')) {
        via = hasBranch(text, start, lineEnd);
      } else if (cseq === undefined && isHeaderNamed(text, start, lineEnd, 'cseq')) {
        cseq = startsWithDigit(text, text.indexOf(':', start) + 1, lineEnd);
      }
    }
    if (end === -1) break;
    start = end + 1;
  }
  return (via === true && cseq === true) || (folded && via !== undefined && cseq !== undefined);
}

const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** Whether the line from `start` is a header field of this name (or compact form). */
function isHeaderNamed(
  text: string,
  start: number,
  lineEnd: number,
  name: string,
  compact?: string,
): boolean {
  const colon = text.indexOf(':', start);
  if (colon < 0 || colon > lineEnd) return false;
  const found = text.slice(start, colon).trim().toLowerCase();
  return found === name || found === compact;
}

function hasBranch(text: string, start: number, lineEnd: number): boolean {
  return /branch/i.test(text.slice(start, lineEnd));
}

function startsWithDigit(text: string, from: number, lineEnd: number): boolean {
  for (let at = from; at < lineEnd; at++) {
    const code = text.charCodeAt(at);
    if (code === SPACE || code === TAB) continue;
    return code >= 0x30 && code <= 0x39;
  }
  return false;
}
