/**
 * Why a call ended, in the few words the ended-call screen shows. The call screen reads them
 * only through {@link endReasonWords}, so the words have one source.
 */
import type { CallInfo } from '../../../src-shared/domain.js';

/** What of a call decides its end words. */
export type EndedCall = Pick<CallInfo, 'direction' | 'answeredAt' | 'end'>;

/** Words for a final response's status (RFC 3261 §21), or null for one without words of its own. */
function wordsForStatus(status: number): string | null {
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

/** The end words of a call ("Busy", "Number not found", "They hung up"…), null while it lasts. */
export function endReasonWords(call: EndedCall): string | null {
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
    case 'unavailable':
    case 'failed':
      // No status: no final response came at all (timeouts, transport failures).
      if (end.sipStatus === undefined) return 'Network problem';
      return wordsForStatus(end.sipStatus) ?? 'Call failed';
  }
}
