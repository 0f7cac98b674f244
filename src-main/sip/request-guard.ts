import { Core } from 'sip.js';
import {
  headerCount,
  headerValue,
  headerValues,
  TOKEN,
  type SipRequestHead,
} from './sip-request-head.js';

/**
 * What RFC 3261 §8.2 and §16.3 ask a UAS to check before it acts on a request, done on the raw
 * head so that the refusal is cheap (no sip.js transaction, no session, no media) and names the
 * fault. sip.js checks some of this itself, but answers a wrong SIP version with 200 and drops
 * what its grammar refuses without a word.
 */
export type RequestVerdict =
  | { action: 'pass' }
  /** Nothing may answer it: an ACK (RFC 3261 §17.2.1), or no Via to send a response along. */
  | { action: 'drop'; why: string }
  | { action: 'answer'; status: number; reason: string; headers?: string[] };

export interface RequestExpectations {
  /** The user part our Request-URIs carry (the account's); unchecked when absent. */
  user?: string;
  /** The option tags we support (RFC 3261 §8.2.2.3); any other in Require is refused with 420. */
  supported?: readonly string[];
  /**
   * The transport the top Via must name: the one the request came over, along which the
   * response goes back (RFC 3261 §18.2.2). UDP when absent.
   */
  viaTransport?: 'UDP' | 'TCP' | 'TLS';
}

/** Above this a request is refused with 513: no call setup of ours needs more. */
export const MAX_REQUEST_BYTES = 32 * 1024;

const MANDATORY: Array<[string, string]> = [
  ['call-id', 'Call-ID'],
  ['from', 'From'],
  ['to', 'To'],
  ['cseq', 'CSeq'],
];

export function judgeRequest(
  head: SipRequestHead,
  datagramBytes: number,
  expectations: RequestExpectations = {},
): RequestVerdict {
  const topVia = headerValue(head, 'via');
  const sentBy = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+\S/i.exec(topVia ?? '');
  const transport = expectations.viaTransport ?? 'UDP';
  if (topVia === undefined || sentBy?.[1]?.toUpperCase() !== transport) {
    return { action: 'drop', why: 'no Via to answer along' };
  }
  const fault = findFault(head, datagramBytes, expectations);
  if (!fault) return { action: 'pass' };
  if (head.method === 'ACK') return { action: 'drop', why: `ACK: ${fault.reason}` };
  return { action: 'answer', ...fault };
}

/**
 * RFC 3891 §3: more than one Replaces, or one outside an INVITE, is refused 400; so is one that
 * sip.js's grammar cannot read or that lacks a tag. sip.js would drop such a header and ring the
 * INVITE as a new call, a transfer's stranger put through as if nobody had asked (or, without a
 * tag, throw inside its INVITE handling).
 */
function replacesFault(head: SipRequestHead): { status: number; reason: string } | null {
  const values = headerValues(head, 'replaces');
  if (values.length === 0) return null;
  if (values.length > 1) return { status: 400, reason: 'Multiple Replaces' };
  if (head.method !== 'INVITE') return { status: 400, reason: 'Replaces Outside INVITE' };
  return isValidReplaces(values[0] ?? '') ? null : { status: 400, reason: 'Invalid Replaces' };
}

/**
 * A Replaces value (RFC 3891 §6.1) as the grammar has it: a Call-ID with both tags, and no
 * control character (a line end in it would start another header wherever it is copied).
 */
export function isValidReplaces(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(value)) return false;
  const parsed = Core.Grammar.parse(value, 'Replaces') as
    -1 | { replaces_to_tag?: unknown; replaces_from_tag?: unknown };
  return (
    parsed !== -1 &&
    typeof parsed.replaces_to_tag === 'string' &&
    typeof parsed.replaces_from_tag === 'string'
  );
}

function findFault(
  head: SipRequestHead,
  datagramBytes: number,
  expectations: RequestExpectations,
): { status: number; reason: string; headers?: string[] } | null {
  if (datagramBytes > MAX_REQUEST_BYTES) return { status: 513, reason: 'Message Too Large' };
  if (head.malformedStartLine || !/^SIP\/\d+\.\d+$/i.test(head.version)) {
    return { status: 400, reason: 'Malformed Request-Line' };
  }
  if (head.version.toUpperCase() !== 'SIP/2.0') {
    return { status: 505, reason: 'Version Not Supported' };
  }
  for (const [name, display] of MANDATORY) {
    const count = headerCount(head, name);
    if (count === 0) return { status: 400, reason: `Missing ${display}` };
    if (count > 1) return { status: 400, reason: `Multiple ${display}` };
  }
  for (const [name, display] of [
    ['from', 'From'],
    ['to', 'To'],
  ] as const) {
    if (
      !/^[^<]*<[a-z][a-z0-9+.-]*:[^>]+>|^[a-z][a-z0-9+.-]*:\S/i.test(headerValue(head, name) ?? '')
    ) {
      return { status: 400, reason: `Invalid ${display}` };
    }
  }
  const cseq = /^(\d{1,10})\s+(\S+)$/.exec(headerValue(head, 'cseq') ?? '');
  if (!cseq || Number(cseq[1]) > 2 ** 31 - 1 || !TOKEN.test(cseq[2] ?? '')) {
    return { status: 400, reason: 'Invalid CSeq' };
  }
  if (cseq[2] !== head.method) return { status: 400, reason: 'CSeq Method Mismatch' };
  const maxForwards = headerValues(head, 'max-forwards');
  if (
    maxForwards.length > 1 ||
    (maxForwards[0] !== undefined && !/^\d{1,3}$/.test(maxForwards[0]))
  ) {
    return { status: 400, reason: 'Invalid Max-Forwards' };
  }
  if (maxForwards[0] !== undefined && Number(maxForwards[0]) > 255) {
    return { status: 400, reason: 'Invalid Max-Forwards' };
  }
  // RFC 3261 §16.3 step 3: OPTIONS with no hops left may still be answered by its target.
  if (maxForwards[0] !== undefined && Number(maxForwards[0]) === 0 && head.method !== 'OPTIONS') {
    return { status: 483, reason: 'Too Many Hops' };
  }
  const contentLength = headerValues(head, 'content-length');
  if (
    contentLength.length > 1 ||
    (contentLength[0] !== undefined && !/^\d+$/.test(contentLength[0]))
  ) {
    return { status: 400, reason: 'Invalid Content-Length' };
  }
  if (contentLength[0] !== undefined && Number(contentLength[0]) > head.bodyBytes) {
    // RFC 3261 §18.3: a datagram that holds less than its Content-Length says is refused.
    return { status: 400, reason: 'Content-Length Mismatch' };
  }
  // RFC 3261 §20.15: a body must say its Content-Type. sip.js throws on one that does not (its
  // body reader cannot tell the disposition), out of the socket handler, answering nothing.
  // Without a Content-Length (UDP allows it), a stray line end after the headers is no body.
  const hasBody = contentLength[0] === undefined ? !head.bodyIsBlank : Number(contentLength[0]) > 0;
  if (hasBody && headerCount(head, 'content-type') === 0) {
    return { status: 400, reason: 'Missing Content-Type' };
  }
  const expires = headerValue(head, 'expires');
  if (expires !== undefined && !/^\d+$/.test(expires)) {
    return { status: 400, reason: 'Invalid Expires' };
  }
  const replaces = replacesFault(head);
  if (replaces) return replaces;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(head.requestUri)?.[1]?.toLowerCase();
  if (!scheme) return { status: 400, reason: 'Malformed Request-URI' };
  // sips needs TLS, which a UDP phone does not offer (RFC 3261 §8.2.2.1, §26.2.1).
  if (scheme !== 'sip') return { status: 416, reason: 'Unsupported URI Scheme' };
  if (expectations.user !== undefined && uriUser(head.requestUri) !== expectations.user) {
    return { status: 404, reason: 'Not Found' };
  }
  // RFC 3261 §8.2.2.3: Require is not checked on ACK and CANCEL.
  if (head.method !== 'CANCEL' && headerCount(head, 'require') > 0) {
    const supported = new Set(expectations.supported ?? []);
    const unknown = headerValues(head, 'require')
      .flatMap((value) => value.split(','))
      .map((tag) => tag.trim())
      .filter((tag) => tag !== '' && !supported.has(tag));
    if (unknown.length > 0) {
      return {
        status: 420,
        reason: 'Bad Extension',
        headers: [`Unsupported: ${unknown.join(', ')}`],
      };
    }
  }
  return null;
}

/** The user part of a sip: URI (unescaped as RFC 3261 §19.1.4 compares it), or undefined. */
function uriUser(uri: string): string | undefined {
  const match = /^sip:([^@;?>]+)@/i.exec(uri);
  if (!match?.[1]) return undefined;
  const user = match[1].split(':')[0] ?? '';
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

/**
 * A response built from the request's own header fields (RFC 3261 §8.2.6.2): every Via, From,
 * To (with a tag of ours when it has none), Call-ID and CSeq as received. A retransmission of
 * the request gets the same To tag, so the caller sees one answer (RFC 3261 §8.2.7), and the ACK
 * of a refused INVITE is told by it (see {@link acknowledgesStatelessAnswer}).
 */
export function statelessResponse(
  head: SipRequestHead,
  status: number,
  reason: string,
  extraHeaders: readonly string[] = [],
): string {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const via of headerValues(head, 'via')) lines.push(`Via: ${via}`);
  const from = headerValue(head, 'from');
  if (from !== undefined) lines.push(`From: ${from}`);
  const to = headerValue(head, 'to');
  if (to !== undefined) {
    const tagged = /;\s*tag=/i.test(to) || status === 100;
    lines.push(`To: ${tagged ? to : `${to};tag=${tagFor(head)}`}`);
  }
  const callId = headerValue(head, 'call-id');
  if (callId !== undefined) lines.push(`Call-ID: ${callId}`);
  const cseq = headerValue(head, 'cseq');
  if (cseq !== undefined) lines.push(`CSeq: ${cseq}`);
  lines.push(...extraHeaders, 'Content-Length: 0', '', '');
  return lines.join('\r\n');
}

/**
 * Whether `head` is the ACK of a final response sent by {@link statelessResponse}: no transaction
 * of ours or of sip.js's awaits it, and it must cost nothing more. The ACK of a non-2xx response
 * repeats the INVITE's Call-ID, From, CSeq number and top Via branch (RFC 3261 §17.1.1.3), from
 * which the To tag it carries was derived.
 */
export function acknowledgesStatelessAnswer(head: SipRequestHead): boolean {
  if (head.method !== 'ACK') return false;
  const to = headerValue(head, 'to') ?? '';
  const tag = TAG_PARAMETER.exec(to)?.[1];
  return tag !== undefined && tag.length === STATELESS_TAG_LENGTH && tag === tagFor(head);
}

const TAG_PARAMETER = /;\s*tag=([^;>\s]+)/i;
const BRANCH_PARAMETER = /;\s*branch=([^;,\s]+)/i;
/** "s" and eight hex digits: never the length of sip.js's own tags (ten characters). */
const STATELESS_TAG_LENGTH = 9;

/**
 * A To tag derived from what a request shares with its retransmissions and its ACK (FNV-1a over
 * Call-ID, From tag, CSeq number and top Via branch), so that each of them is answered alike
 * and the ACK is recognised without a record of the answer.
 */
function tagFor(head: SipRequestHead): string {
  const fromTag = TAG_PARAMETER.exec(headerValue(head, 'from') ?? '')?.[1] ?? '';
  const cseq = headerValue(head, 'cseq') ?? '';
  const space = cseq.search(/\s/);
  const sequence = space < 0 ? cseq : cseq.slice(0, space);
  const branch = BRANCH_PARAMETER.exec(headerValue(head, 'via') ?? '')?.[1] ?? '';
  const key = `${headerValue(head, 'call-id') ?? ''}|${fromTag}|${sequence}|${branch}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `s${hash.toString(16).padStart(8, '0')}`;
}
