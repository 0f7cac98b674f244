/**
 * What a new incoming call gets while do not disturb is on: 486 Busy Here, or 302 Moved
 * Temporarily to the number the user chose (RFC 3261 §21.3.3), at the account's own server so
 * that the provider places the forwarded call as it would one we dialled.
 */
import { forwardNumberOf } from '../../src-shared/do-not-disturb.js';
import { splitHostPort } from '../../src-shared/registrar-address.js';
import type { CallRedirect } from '../sip/call-redirect.js';
import type { EngineOptions } from './engine-options.js';

export type DoNotDisturbAnswer = { status: 486; reason: string } | ({ status: 302 } & CallRedirect);

export const DND_BUSY_REASON = 'Refused while Do not disturb was on';

/**
 * The answer to a call that could ring, or null when do not disturb is off. `account` is the
 * registered account (its server's host names the Contact's domain); without one, or without a
 * dialable number, the call is refused busy rather than sent nowhere.
 */
export function doNotDisturbAnswer(
  options: Pick<EngineOptions, 'doNotDisturb' | 'doNotDisturbForwardTo'>,
  account: { user: string; server: string } | null,
): DoNotDisturbAnswer | null {
  if (!options.doNotDisturb) return null;
  const number =
    options.doNotDisturbForwardTo === null ? null : forwardNumberOf(options.doNotDisturbForwardTo);
  // The host of `host[:port]`, as a SIP URI's domain.
  const domain = account ? (splitHostPort(account.server)?.host ?? null) : null;
  if (number === null || domain === null || account === null) {
    return { status: 486, reason: DND_BUSY_REASON };
  }
  return {
    status: 302,
    contact: `<sip:${number}@${domain}>`,
    // RFC 5806 §4: the address the call was for, and why it went elsewhere.
    diversion: `<sip:${account.user}@${domain}>;reason=do-not-disturb`,
    reason: `Forwarded to ${number}, do not disturb`,
  };
}
