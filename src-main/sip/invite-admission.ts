import { detached } from './detached-string.js';
import { RecentMap } from './recent-map.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Which new incoming calls may ring. A burst of INVITEs (a scanner, a looping proxy, a caller's
 * phone gone mad) must neither ring the user again and again nor cost a sip.js session each:
 * - a caller rings at most once per `callerWindowMs`; their further INVITEs in that window are
 *   answered 486 Busy Here;
 * - new calls from all callers together are limited by a token bucket (`burst`, refilled at
 *   `perSecond`); beyond it, 503 Service Unavailable with Retry-After (RFC 3261 §21.5.4).
 * A retransmission is not a new call: an INVITE let through to ring, or refused after all
 * ({@link InviteAdmission.refuse}), is remembered for its transaction's lifetime and its
 * retransmissions get the same decision. The refusals above are not remembered (RFC 3261
 * §8.2.7, a stateless UAS): a flood brings thousands a second. A retransmission of one is
 * decided again and refused alike while its cause lasts (a caller's window outlasts Timer A's
 * retransmissions in it); one whose 503 was lost may find the bucket refilled, and ring.
 */
export type Admission =
  | { ring: true }
  | {
      ring: false;
      status: 302 | 486 | 503;
      reason: string;
      retryAfterSeconds?: number;
      /** Header lines the refusal carries each time it is repeated (a 302's Contact). */
      headers?: readonly string[];
    };

export type Refusal = Admission & { ring: false };

export interface IncomingCallLimit {
  perSecond: number;
  burst: number;
  callerWindowMs: number;
}

/** A home phone hears a few calls a minute; a scanner's burst is refused, not rung. */
export const DEFAULT_INCOMING_CALL_LIMIT: IncomingCallLimit = {
  perSecond: 2,
  burst: 10,
  callerWindowMs: 5000,
};

export interface InviteAdmissionOptions extends Partial<IncomingCallLimit> {
  /**
   * Requests other than a new call's INVITE taken a second (the screen's limit beside this one);
   * by default ten for each call `perSecond` lets ring, 50 at least. Fuzzing lifts it: it sends
   * thousands a second to see what sip.js does with them, not to be refused.
   */
  otherRequestsPerSecond?: number;
  /** How long a transaction's decision is repeated to its retransmissions: 64·T1. */
  transactionMs?: number;
  now?: () => number;
}

const RING: Admission = { ring: true };
/** One object for every such refusal, which a flood brings by the thousand. */
const BUSY: Refusal = { ring: false, status: 486, reason: 'Busy Here' };
const DEFAULTS = { ...DEFAULT_INCOMING_CALL_LIMIT, transactionMs: 32_000 };
/** Callers remembered at most: a flood with a new From in each INVITE must not grow memory. */
const MAX_TRACKED = 4096;

export class InviteAdmission {
  private readonly options: typeof DEFAULTS;
  private readonly now: () => number;
  private readonly newCalls: TokenBucket;
  /** When each caller last rang (the time is the entry's own). */
  private readonly lastRing = new RecentMap<string, true>();
  /** Refusals after all ({@link refuse}), repeated to retransmissions; bounded all the same. */
  private readonly refused = new RecentMap<string, Admission>();
  /**
   * Transactions let through to ring, kept for a transaction's lifetime (64·T1) from their
   * admission: as long as the caller retransmits the INVITE (its Timer B), which must not be
   * refused while sip.js answers it. A call that rings longer needs nothing of it after that:
   * the caller's window is far shorter. The token bucket bounds how many there are.
   */
  private readonly admitted = new RecentMap<
    string,
    { at: number; caller: string; rang: boolean }
  >();

  constructor(options: InviteAdmissionOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.options = {
      callerWindowMs: options.callerWindowMs ?? DEFAULTS.callerWindowMs,
      perSecond: options.perSecond ?? DEFAULTS.perSecond,
      burst: options.burst ?? DEFAULTS.burst,
      transactionMs: options.transactionMs ?? DEFAULTS.transactionMs,
    };
    this.newCalls = new TokenBucket(this.options.perSecond, this.options.burst, this.now());
  }

  /** The decision already made for this INVITE transaction, if it is a retransmission. */
  previous(transaction: string): Admission | undefined {
    if (this.admitted.has(transaction)) return RING;
    return this.refused.get(transaction);
  }

  /**
   * Decides on a new INVITE transaction from `caller` (the From URI); only one let through to
   * ring is remembered. Both are kept for a while then, so neither should be a slice of the
   * request (see {@link detached}).
   */
  admit(transaction: string, caller: string): Admission {
    const known = this.previous(transaction);
    if (known) return known;
    const now = this.now();
    this.forgetBefore(now);
    const refusal = this.refusalAt(caller, now);
    if (refusal) return refusal;
    this.newCalls.take(now);
    this.lastRing.set(caller, true, now);
    this.admitted.set(transaction, { at: now, caller, rang: false }, now);
    return RING;
  }

  /**
   * The refusal a new INVITE from `caller` would get now, or null when it may ring. Changes
   * nothing: a refusal answered statelessly leaves no trace.
   */
  refusalFor(caller: string): Refusal | null {
    return this.refusalAt(caller, this.now());
  }

  /**
   * An admitted INVITE refused after all, here rather than by sip.js (the phone is busy): its
   * retransmissions get the same refusal, and the caller's turn is given back as for a call
   * refused unheard (see {@link answered}).
   */
  refuse(transaction: string, admission: Refusal): void {
    this.answered(transaction, admission.status);
    if (!this.admitted.delete(transaction)) return;
    this.refused.set(transaction, admission, this.now());
  }

  /**
   * What we answered an admitted INVITE: a call refused before it rang (488 for an offer we
   * cannot answer, 486 while busy) gives the caller's turn back, since the user heard nothing;
   * so does a call the user picked up (2xx): a caller who was talked to and calls back at once
   * is no flood, and must not hear busy.
   */
  answered(transaction: string, status: number): void {
    const entry = this.admitted.get(transaction);
    if (!entry) return;
    if (status >= 180 && status < 200) entry.rang = true;
    const pickedUp = status >= 200 && status < 300;
    const refusedUnheard = status >= 300 && !entry.rang;
    if ((pickedUp || refusedUnheard) && this.lastRing.setAt(entry.caller) === entry.at) {
      this.lastRing.delete(entry.caller);
    }
  }

  private refusalAt(caller: string, now: number): Refusal | null {
    const rang = this.lastRing.setAt(caller);
    if (rang !== undefined && now - rang < this.options.callerWindowMs) return BUSY;
    if (this.newCalls.available(now)) return null;
    const retryAfterSeconds = this.newCalls.secondsUntilNext(now);
    return { ring: false, status: 503, reason: 'Service Unavailable', retryAfterSeconds };
  }

  private forgetBefore(now: number): void {
    this.lastRing.forget(now - this.options.callerWindowMs, MAX_TRACKED);
    this.refused.forget(now - this.options.transactionMs, MAX_TRACKED);
    this.admitted.forget(now - this.options.transactionMs);
  }
}

/**
 * Who an INVITE is from, as History names a caller: the From URI's user (or the URI) and its
 * display name, read from the raw header.
 */
export function callerIdentityOf(from: string): { user: string; displayName: string | null } {
  const uri = /<([^>]*)>/.exec(from)?.[1] ?? from.split(';')[0]?.trim() ?? '';
  const user = /^[a-z][a-z0-9+.-]*:([^@;>]+)@/i.exec(uri)?.[1];
  const quoted = /^\s*"((?:[^"\\]|\\.)*)"/.exec(from)?.[1]?.replace(/\\(.)/g, '$1');
  const token = /^\s*([^<"]*?)\s*</.exec(from)?.[1];
  const displayName = (quoted ?? token ?? '').trim();
  return { user: user ?? uri, displayName: displayName === '' ? null : displayName };
}

/** The caller an INVITE is from, for {@link InviteAdmission}: its From URI without parameters. */
export function callerOf(from: string): string {
  const uri = /<([^>]*)>/.exec(from)?.[1] ?? from.split(';')[0] ?? '';
  return detached((uri.split(';')[0] ?? '').trim().toLowerCase());
}
