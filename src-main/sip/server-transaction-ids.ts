import { detached } from './detached-string.js';
import { RecentMap } from './recent-map.js';
import { headerValue, type SipRequestHead } from './sip-request-head.js';

/**
 * Gives sip.js, which matches server transactions by the top Via branch alone, a branch that
 * is unique per RFC 3261 §17.2.3 transaction:
 * - a branch already taken by another transaction (another sent-by, or another method; ACK
 *   belongs to its INVITE, CANCEL to the request it cancels) is replaced by an alias of its own,
 *   so that a duplicate branch, by accident or malice, neither absorbs nor cancels a stranger's
 *   request as if it were a retransmission;
 * - a request without a branch (RFC 2543) gets one derived from what §17.2.3 matches such
 *   requests by (Request-URI, From tag, Call-ID, CSeq number, top Via), so its retransmissions,
 *   ACK and CANCEL find its transaction.
 * Responses go out with the branch as received (or none), restored by {@link restoreResponse}.
 */
export class ServerTransactionIds {
  /** `branch|sent-by|method class` → the branch sip.js sees for that transaction. */
  private readonly byTransaction = new RecentMap<string, string>();
  /** Branches sip.js sees (as given or aliased) → the transaction that holds each. */
  private readonly claimed = new Map<string, string>();
  /** Aliases → the branch the request carried ('' when it carried none). */
  private readonly original = new Map<string, string>();
  /**
   * INVITE transactions sip.js has answered only provisionally (the call rings): the branch
   * sip.js sees → when the first provisional answer went out. A call may ring for minutes, and
   * its CANCEL, final answer and ACK must still find the alias its INVITE was given.
   */
  private readonly proceeding = new Map<string, number>();
  private counter = 0;

  constructor(
    /** How long a transaction's identity is kept: 64·T1 covers its retransmissions and ACK. */
    private readonly lifetimeMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly capacity = 4096,
  ) {}

  /**
   * The request text sip.js should see (its top Via branch replaced when needed) and the
   * branch it carries there (a string of its own, which holds no message; see {@link detached}).
   */
  normalize(text: string, head: SipRequestHead): { text: string; branch: string } {
    const now = this.now();
    this.prune(now);
    const topVia = headerValue(head, 'via') ?? '';
    const received = viaBranch(topVia);
    const sentBy = viaSentBy(topVia);
    const branch = detached(received ?? rfc2543Branch(head, topVia));
    const key = detached(transactionKey(branch, sentBy, head.method));
    let seen = this.byTransaction.get(key);
    if (seen === undefined && head.method === 'CANCEL') {
      // A CANCEL belongs to the request it cancels: same branch, same sent-by, another method.
      seen = this.findCancelled(branch, sentBy);
    }
    if (seen === undefined) {
      const taken = this.claimed.has(branch);
      seen = taken ? `${branch}.n${(++this.counter).toString(36)}` : branch;
      if (seen !== received) this.original.set(seen, received === undefined ? '' : branch);
      this.claimed.set(seen, key);
    }
    this.byTransaction.set(key, seen, now);
    if (seen === received) return { text, branch: seen };
    return { text: replaceTopViaBranch(text, received, seen), branch: seen };
  }

  /**
   * The branch sip.js sees for the transaction `head` belongs to, when it is one held here (the
   * request is a retransmission), without holding a new one: a request answered statelessly
   * needs none.
   */
  held(head: SipRequestHead): string | undefined {
    const sentBy = viaSentBy(headerValue(head, 'via') ?? '');
    return this.byTransaction.get(transactionKey(requestBranch(head), sentBy, head.method));
  }

  /**
   * sip.js answered an INVITE (`branch` as sip.js sees it): while it only rings, its identity is
   * kept past the lifetime; the final answer starts the last lifetime, which covers the
   * answer's retransmissions and the ACK.
   */
  inviteAnswered(branch: string, statusCode: number): void {
    const key = this.claimed.get(branch);
    if (key === undefined) return;
    const now = this.now();
    if (statusCode < 200) {
      if (!this.proceeding.has(branch)) this.proceeding.set(branch, now);
    } else {
      this.proceeding.delete(branch);
    }
    this.byTransaction.set(key, branch, now);
  }

  /** A response sip.js built carries the branch it was given; the wire gets the request's own. */
  restoreResponse(message: string): string {
    if (this.original.size === 0) return message;
    const match = /^(?:Via|v)[ \t]*:[^\r\n]*?;[ \t]*branch=([^;,\s]+)/im.exec(message);
    const alias = match?.[1];
    if (alias === undefined) return message;
    const original = this.original.get(alias);
    if (original === undefined) return message;
    const index = (match?.index ?? 0) + (match?.[0].length ?? 0);
    const paramStart = message.lastIndexOf(';', index - alias.length);
    return original === ''
      ? message.slice(0, paramStart) + message.slice(index)
      : message.slice(0, index - alias.length) + original + message.slice(index);
  }

  private findCancelled(branch: string, sentBy: string): string | undefined {
    for (const [key, alias] of this.byTransaction) {
      if (key.startsWith(`${branch}|${sentBy}|`) && !key.endsWith('|CANCEL')) return alias;
    }
    return undefined;
  }

  private prune(now: number): void {
    for (const [branch, since] of this.proceeding) {
      const key = this.claimed.get(branch);
      if (key === undefined || now - since > MAX_RINGING_MS) this.proceeding.delete(branch);
      else this.byTransaction.set(key, branch, now);
    }
    this.byTransaction.forget(now - this.lifetimeMs, this.capacity, (key, alias) => {
      if (this.claimed.get(alias) === key) {
        this.claimed.delete(alias);
        this.original.delete(alias);
        this.proceeding.delete(alias);
      }
    });
  }
}

/**
 * How long a ringing INVITE's identity is kept at most: past any ring a caller or a proxy waits
 * out (proxies give up after Timer C, over 3 minutes without a provisional answer), so that an
 * INVITE sip.js never answers finally cannot hold its entry for ever.
 */
const MAX_RINGING_MS = 10 * 60_000;

/** The top Via branch of a request, or the RFC 2543 identity standing in for a missing one. */
export function requestBranch(head: SipRequestHead): string {
  const topVia = headerValue(head, 'via') ?? '';
  return viaBranch(topVia) ?? rfc2543Branch(head, topVia);
}

/** A server transaction's identity: branch, sent-by and method (RFC 3261 §17.2.3). */
function transactionKey(branch: string, sentBy: string, method: string): string {
  return `${branch}|${sentBy}|${methodClass(method)}`;
}

/** ACK is matched to the INVITE it acknowledges (RFC 3261 §17.2.3). */
function methodClass(method: string): string {
  return method === 'ACK' ? 'INVITE' : method;
}

function viaBranch(via: string): string | undefined {
  const first = firstViaValue(via);
  return /;\s*branch=([^;,\s]+)/i.exec(first)?.[1];
}

function viaSentBy(via: string): string {
  const first = firstViaValue(via);
  return (/^SIP\s*\/\s*2\.0\s*\/\s*\S+\s+([^;\s]+)/i.exec(first)?.[1] ?? '').toLowerCase();
}

/** The first of the comma-separated values of a Via header field. */
function firstViaValue(via: string): string {
  const comma = via.indexOf(',');
  return comma < 0 ? via : via.slice(0, comma);
}

/** The RFC 2543 transaction identity, as a branch; the same for the INVITE, its ACK and CANCEL. */
function rfc2543Branch(head: SipRequestHead, topVia: string): string {
  const fromTag = /;\s*tag=([^;>\s]+)/i.exec(headerValue(head, 'from') ?? '')?.[1] ?? '';
  const cseqNumber = /^\d+/.exec(headerValue(head, 'cseq') ?? '')?.[0] ?? '';
  const key = [
    head.requestUri,
    fromTag,
    headerValue(head, 'call-id') ?? '',
    cseqNumber,
    topVia.split(',')[0]?.trim(),
  ].join('|');
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `z9hG4bK.rfc2543.${hash.toString(36)}.${key.length.toString(36)}`;
}

/** The text with its top Via's branch replaced by `branch` (added when it had none). */
function replaceTopViaBranch(text: string, received: string | undefined, branch: string): string {
  const via = /^(?:Via|v)[ \t]*:[^\r\n]*/im.exec(text);
  if (!via) return text;
  const line = via[0];
  let next: string;
  if (received !== undefined) {
    next = line.replace(/(;[ \t]*branch=)[^;,\s]+/i, `$1${branch}`);
  } else {
    const comma = line.indexOf(',');
    const end = comma >= 0 ? comma : line.length;
    next = `${line.slice(0, end).trimEnd()};branch=${branch}${line.slice(end)}`;
  }
  return text.slice(0, via.index) + next + text.slice(via.index + line.length);
}
