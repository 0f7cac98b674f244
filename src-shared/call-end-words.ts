/**
 * Why a call ended, in the few words the call screen shows for a moment before the dialer
 * returns, and the history lists. The engine's end code says who ended the call; the SIP status
 * of a refused INVITE (RFC 3261 §21) says why the far end or the provider refused it.
 */
import type { CallInfo } from './domain.js';

export const CALL_END_WORDS = [
  'You hung up',
  'They hung up',
  'Cancelled',
  'Missed call',
  'You declined',
  'Busy',
  'No answer',
  'Number not found',
  'Declined',
  'Network problem',
  'Not allowed',
  'No common audio format',
  'Not encrypted',
  'Call failed',
  'Transferred',
] as const;
export type CallEndWords = (typeof CALL_END_WORDS)[number];

/** What of a call decides its end words. */
export type EndedCall = Pick<CallInfo, 'direction' | 'answeredAt' | 'end'>;

/** The words for a final response's status, or null for a status without words of its own. */
function wordsForStatus(status: number): CallEndWords | null {
  switch (status) {
    case 486:
    case 600:
      return 'Busy';
    case 404:
    case 484:
    case 604:
      return 'Number not found';
    case 603:
      return 'Declined';
    // 487 ends our INVITE only when we did not cancel it: the far end gave up ringing.
    case 408:
    case 480:
    case 487:
      return 'No answer';
    case 401:
    case 403:
    case 407:
      return 'Not allowed';
    case 488:
    case 606:
      return 'No common audio format';
    default:
      return status >= 500 && status < 600 ? 'Network problem' : null;
  }
}

/** The end words of a call, or null while it has not ended. */
export function callEndWords(call: EndedCall): CallEndWords | null {
  const { end } = call;
  if (!end) return null;
  switch (end.code) {
    case 'hangup-local':
      if (call.answeredAt) return 'You hung up';
      return call.direction === 'outgoing' ? 'Cancelled' : 'You declined';
    case 'hangup-remote':
      return 'They hung up';
    case 'rejected':
      return 'You declined';
    case 'cancelled':
      return call.direction === 'incoming' ? 'Missed call' : 'Cancelled';
    case 'timeout':
      // Our own ring timeout carries no status; the provider's carries 408, 480 or 487.
      return 'No answer';
    case 'busy':
      return 'Busy';
    case 'not-found':
      return 'Number not found';
    case 'declined':
      return 'Declined';
    case 'forbidden':
    case 'auth-failed':
      return 'Not allowed';
    case 'not-acceptable':
      return 'No common audio format';
    case 'not-encrypted':
      return 'Not encrypted';
    case 'transferred':
      return 'Transferred';
    case 'unavailable':
    case 'failed': {
      // No status: no final response came at all (timeouts, transport failures).
      if (end.sipStatus === undefined) return 'Network problem';
      return wordsForStatus(end.sipStatus) ?? 'Call failed';
    }
  }
}
