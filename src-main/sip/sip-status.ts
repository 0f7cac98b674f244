import type { CallEndCode } from '../../src-shared/domain.js';

/** A final SIP status as a user would say it. */
export interface PlainReason {
  code: CallEndCode;
  message: string;
}

/** Maps a final 4xx–6xx response of an INVITE to a plain reason (RFC 3261 §21). */
export function reasonForInviteStatus(status: number, phrase = ''): PlainReason {
  switch (status) {
    case 401:
    case 407:
      return { code: 'auth-failed', message: 'The provider refused our credentials for this call' };
    case 403:
      return {
        code: 'forbidden',
        message: 'The provider does not allow this call (403 Forbidden)',
      };
    case 404:
    case 484:
    case 604:
      return { code: 'not-found', message: 'That number does not exist or is not routable' };
    // 487 reaches us only when we did not cancel (our own CANCEL ends the call first): the far
    // end or the provider gave up ringing.
    case 408:
    case 480:
    case 487:
      return { code: 'timeout', message: 'Nobody answered' };
    case 486:
    case 600:
      return { code: 'busy', message: 'The line is busy' };
    case 488:
    case 606:
      return { code: 'not-acceptable', message: 'The other side accepts none of our audio codecs' };
    case 603:
      return { code: 'declined', message: 'The call was declined' };
    case 503:
      return { code: 'unavailable', message: 'The provider is unavailable (503), try again later' };
    default:
      return {
        code: status >= 500 ? 'unavailable' : 'failed',
        message: `The call failed: ${status}${phrase ? ` ${phrase}` : ''}`,
      };
  }
}
