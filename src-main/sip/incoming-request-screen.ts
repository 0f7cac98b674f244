import { clampNetworkSeconds } from '../net/network-durations.js';
import { redirectHeaders, type CallRedirect } from './call-redirect.js';
import {
  callerOf,
  DEFAULT_INCOMING_CALL_LIMIT,
  InviteAdmission,
  type Admission,
  type InviteAdmissionOptions,
} from './invite-admission.js';
import {
  acknowledgesStatelessAnswer,
  judgeRequest,
  statelessResponse,
  type RequestExpectations,
} from './request-guard.js';
import { requestBranch, ServerTransactionIds } from './server-transaction-ids.js';
import { headerValue, readRequestHead, type SipRequestHead } from './sip-request-head.js';
import { TokenBucket } from './token-bucket.js';
import { viewSipMessage, type SipMessageView } from './sip-message-view.js';

/**
 * Requests other than a new call's INVITE (ACK, BYE, CANCEL, re-INVITE, INFO, NOTIFY, OPTIONS)
 * a second: about as many as each call allowed to start brings in its life, and never fewer
 * than a phone with a few calls and a talkative provider meets. Each costs sip.js's grammar
 * (milliseconds), on the thread that paces the audio.
 */
const REQUESTS_PER_CALL = 10;
const MIN_OTHER_REQUESTS_PER_SECOND = 50;
/** The bucket holds this many seconds of that rate: a burst of retransmissions passes whole. */
const OTHER_REQUESTS_BURST_SECONDS = 4;

/** What becomes of a request from the registrar before sip.js sees it. */
export type ScreenedRequest =
  /** On to sip.js, as `text` (its branch perhaps made unique, see {@link ServerTransactionIds}). */
  | { action: 'pass'; text: string; view: SipMessageView; messageSummary?: string }
  | { action: 'drop'; why: string }
  /** Refused (or accepted) here with `response`, built from the request alone: no transaction. */
  | {
      action: 'answer';
      status: number;
      response: string;
      busyRefusal?: BusyRefusal;
      /** The body of a message-summary NOTIFY (RFC 3842), for whoever judges its source. */
      messageSummary?: string;
    };

/** A new call that could ring but was refused here because the phone is busy. */
export interface BusyRefusal {
  /** The INVITE's From header, as it came. */
  from: string;
  /** Why, in the words History shows. */
  reason: string;
  /** Where the call was sent (a 302's Contact); absent: it was refused 486. */
  redirectedTo?: string;
}

export interface IncomingRequestScreenOptions extends RequestExpectations {
  /** 64·T1: how long a server transaction's identity and decision last. */
  transactionMs: number;
  admission?: InviteAdmissionOptions;
  /**
   * Why a call that may ring would be refused 486 anyway (another call rings, Do not disturb),
   * or null. Asked here so that such a call costs no sip.js parse: sip.js's grammar takes tens
   * of milliseconds a message, and a flood admitted at the call rate would stall the audio.
   */
  busy?: () => string | null;
  /**
   * Where a call that may ring is sent instead (do not disturb with forwarding), or null; asked
   * before {@link busy}, on the same cheap path.
   */
  redirect?: () => CallRedirect | null;
}

/**
 * The checks a request passes between the socket and sip.js, cheapest first: RFC 3261 §8.2
 * validity (refused with the status and reason the fault calls for), a server transaction
 * identity per §17.2.3, and for a new call, whether it may ring at all ({@link InviteAdmission}).
 */
export class IncomingRequestScreen {
  private readonly ids: ServerTransactionIds;
  private readonly admission: InviteAdmission;
  private readonly now: () => number;
  /** Every request but a new call's INVITE, which {@link InviteAdmission} limits. */
  private readonly otherRequests: TokenBucket;

  constructor(private readonly options: IncomingRequestScreenOptions) {
    this.ids = new ServerTransactionIds(options.transactionMs);
    this.admission = new InviteAdmission({
      transactionMs: options.transactionMs,
      ...options.admission,
    });
    this.now = options.admission?.now ?? (() => performance.now());
    const perSecond =
      options.admission?.otherRequestsPerSecond ??
      Math.max(
        MIN_OTHER_REQUESTS_PER_SECOND,
        REQUESTS_PER_CALL * (options.admission?.perSecond ?? DEFAULT_INCOMING_CALL_LIMIT.perSecond),
      );
    this.otherRequests = new TokenBucket(
      perSecond,
      OTHER_REQUESTS_BURST_SECONDS * perSecond,
      this.now(),
    );
  }

  screen(text: string, datagramBytes: number): ScreenedRequest {
    const head = readRequestHead(text);
    if (!head) return { action: 'drop', why: 'not a request' };
    // Refused here, its transaction ended with the refusal (RFC 3261 §8.2.7): its ACK is told by
    // the To tag alone, however long ago the refusal went out, and never reaches sip.js as a stray.
    if (acknowledgesStatelessAnswer(head)) return { action: 'drop', why: 'ACK of a refusal' };
    const verdict = judgeRequest(head, datagramBytes, this.options);
    if (verdict.action === 'drop') return verdict;
    if (verdict.action === 'answer') {
      return {
        action: 'answer',
        status: verdict.status,
        response: statelessResponse(head, verdict.status, verdict.reason, verdict.headers),
      };
    }
    const summary = messageSummaryNotify(text, head);
    // A NOTIFY outside any dialog, as Asterisk sends voicemail counts unasked: no dialog of
    // sip.js's would take it (it answers such a NOTIFY 481), so it is accepted here.
    if (summary?.unsolicited) {
      return {
        action: 'answer',
        status: 200,
        response: statelessResponse(head, 200, 'OK'),
        messageSummary: summary.body,
      };
    }
    // A PRACK acknowledges a reliable provisional response, and we send none (100rel is not
    // supported), so every PRACK is answered 481 (RFC 3262 §3). sip.js would throw on one out
    // of the socket handler, inside a dialog ("Unimplemented") as well as outside any.
    if (head.method === 'PRACK') {
      return {
        action: 'answer',
        status: 481,
        response: statelessResponse(head, 481, 'Call/Transaction Does Not Exist'),
      };
    }
    // Decided on the raw head: sip.js's grammar costs milliseconds a message, which is what a
    // flood must not be given.
    const newCall = head.method === 'INVITE' && outsideAnyDialog(head);
    if (!newCall && !this.otherRequests.take(this.now())) return this.overRate(head);
    const statelessRefusal = newCall ? this.refuseStatelessly(head) : null;
    if (statelessRefusal) return statelessRefusal;
    // Cut before the branch is rewritten: the head's offsets are those of the text as received.
    const normalized = this.ids.normalize(withoutStrayBody(text, head), head);
    const fresh = newCall && this.admission.previous(normalized.branch) === undefined;
    const decided = newCall
      ? this.admission.admit(normalized.branch, callerOf(headerValue(head, 'from') ?? ''))
      : this.admission.previous(normalized.branch);
    // Only a new transaction: a retransmission of the call that rings now must not be refused.
    // An INVITE with Replaces (RFC 3891) never rings: the call it names decides its answer.
    const replaces = newCall && headerValue(head, 'replaces') !== undefined;
    const mayRing = fresh && decided?.ring === true && !replaces;
    const refusal = mayRing ? this.refusalWhileUnavailable(head) : null;
    if (refusal !== null) {
      const { admission, busyRefusal } = refusal;
      this.admission.refuse(normalized.branch, admission);
      return {
        action: 'answer',
        status: admission.status,
        response: statelessResponse(head, admission.status, admission.reason, admission.headers),
        busyRefusal,
      };
    }
    if (decided && !decided.ring) {
      // The INVITE (or its retransmission) is refused again; its ACK ends here, and a CANCEL
      // that comes after the final response changes nothing but is answered 200 (§9.2).
      if (head.method === 'ACK') return { action: 'drop', why: 'ACK of a refused INVITE' };
      if (head.method === 'CANCEL') {
        return { action: 'answer', status: 200, response: statelessResponse(head, 200, 'OK') };
      }
      if (head.method === 'INVITE') {
        const retryAfter =
          decided.retryAfterSeconds === undefined
            ? []
            : [`Retry-After: ${decided.retryAfterSeconds}`];
        const headers = decided.headers ?? retryAfter;
        return {
          action: 'answer',
          status: decided.status,
          response: statelessResponse(head, decided.status, decided.reason, headers),
        };
      }
    }
    const forSip = head.method === 'INVITE' ? boundInviteExpires(normalized.text) : normalized.text;
    const view = viewSipMessage(forSip);
    if (!view) {
      if (head.method === 'ACK') return { action: 'drop', why: 'unreadable ACK' };
      if (newCall) this.admission.answered(normalized.branch, 400);
      return {
        action: 'answer',
        status: 400,
        response: statelessResponse(head, 400, 'Malformed Header Field'),
      };
    }
    return {
      action: 'pass',
      text: forSip,
      view,
      ...(summary ? { messageSummary: summary.body } : {}),
    };
  }

  /**
   * A new INVITE that may not ring (its caller rang moments ago, or new calls come too fast),
   * refused as a stateless UAS does (RFC 3261 §8.2.7): nothing is kept of it, neither its
   * transaction's identity nor the answer. A retransmission is decided again; the ACK is told by
   * its To tag. Null for a transaction held already (a retransmission of a call let through, or
   * refused busy), which the stateful path below answers as before.
   */
  private refuseStatelessly(head: SipRequestHead): ScreenedRequest | null {
    if (this.ids.held(head) !== undefined) return null;
    if (this.admission.previous(requestBranch(head)) !== undefined) return null;
    const refusal = this.admission.refusalFor(callerOf(headerValue(head, 'from') ?? ''));
    if (!refusal) return null;
    const headers =
      refusal.retryAfterSeconds === undefined ? [] : [`Retry-After: ${refusal.retryAfterSeconds}`];
    return {
      action: 'answer',
      status: refusal.status,
      response: statelessResponse(head, refusal.status, refusal.reason, headers),
    };
  }

  /**
   * Beyond the rate any number of calls brings: refused 503 with Retry-After, statelessly
   * (RFC 3261 §21.5.4), an ACK dropped (its INVITE's 2xx is retransmitted, and so is the ACK).
   * The registrar's address is all a UDP request needs to be believed, and it is easy to forge.
   */
  private overRate(head: SipRequestHead): ScreenedRequest {
    if (head.method === 'ACK') return { action: 'drop', why: 'ACK beyond the request rate' };
    const retryAfter = `Retry-After: ${this.otherRequests.secondsUntilNext(this.now())}`;
    return {
      action: 'answer',
      status: 503,
      response: statelessResponse(head, 503, 'Service Unavailable', [retryAfter]),
    };
  }

  /** sip.js answers an INVITE we let through (`view` as sip.js built the response). */
  observeResponse(view: SipMessageView): void {
    if (view.kind === 'response' && view.method === 'INVITE') {
      this.admission.answered(view.branch, view.statusCode);
      this.ids.inviteAnswered(view.branch, view.statusCode);
    }
  }

  /** A response sip.js built, as the wire must carry it (the request's own branch). */
  restoreResponse(message: string): string {
    return this.ids.restoreResponse(message);
  }

  /**
   * A new call that may ring, sent elsewhere (302, do not disturb with forwarding) or refused
   * busy (486) on this cheap path; null when it is to ring.
   */
  private refusalWhileUnavailable(
    head: SipRequestHead,
  ): { admission: Admission & { ring: false }; busyRefusal: BusyRefusal } | null {
    const from = headerValue(head, 'from') ?? '';
    const redirect = this.options.redirect?.() ?? null;
    if (redirect !== null) {
      return {
        admission: {
          ring: false,
          status: 302,
          reason: 'Moved Temporarily',
          headers: redirectHeaders(redirect),
        },
        busyRefusal: { from, reason: redirect.reason, redirectedTo: redirect.contact },
      };
    }
    const busy = this.options.busy?.() ?? null;
    if (busy === null) return null;
    return {
      admission: { ring: false, status: 486, reason: 'Busy Here' },
      busyRefusal: { from, reason: busy },
    };
  }
}

/**
 * A NOTIFY of the message-summary event package (RFC 3842 §3), its body, and whether it came
 * outside a dialog (its To carries no tag); null for any other request.
 */
function messageSummaryNotify(
  text: string,
  head: SipRequestHead,
): { body: string; unsolicited: boolean } | null {
  if (head.method !== 'NOTIFY') return null;
  const event = /^([^;\s]+)/.exec(headerValue(head, 'event') ?? '')?.[1]?.toLowerCase();
  if (event !== 'message-summary') return null;
  const unsolicited = outsideAnyDialog(head);
  return { body: bodyOf(text), unsolicited };
}

/**
 * A request without Content-Length (UDP lets a sender leave it out, RFC 3261 §18.3) whose body is
 * only line ends, cut at its blank line. The guard takes those line ends for no body, but sip.js
 * reads them as one with no Content-Type and throws half-way through the request: a re-INVITE
 * then stays unanswered, blocking every later one of the dialog, and an ACK is never seen.
 */
function withoutStrayBody(text: string, head: SipRequestHead): string {
  if (!head.bodyIsBlank || headerValue(head, 'content-length') !== undefined) return text;
  return head.bodyStart < text.length ? text.slice(0, head.bodyStart) : text;
}

/** A request whose To carries no tag belongs to no dialog yet (RFC 3261 §12.2). */
function outsideAnyDialog(head: SipRequestHead): boolean {
  return !/;\s*tag=/i.test(headerValue(head, 'to') ?? '');
}

function bodyOf(text: string): string {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return text.slice(crlf + 4);
  return lf >= 0 ? text.slice(lf + 2) : '';
}

/** sip.js arms a timer with an INVITE's Expires as it comes; 2^40 s would fire at once. */
function boundInviteExpires(text: string): string {
  return text.replace(/^(Expires[ \t]*:[ \t]*)(\d+)/im, (_line, name: string, value: string) => {
    return `${name}${clampNetworkSeconds('invite-expires', Number(value))}`;
  });
}
