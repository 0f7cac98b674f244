/**
 * A new call sent elsewhere before it rings: 302 Moved Temporarily (RFC 3261 §21.3.3), whose
 * Contact names where the caller's side should try instead, with a Diversion header (RFC 5806)
 * naming us and why, as desk phones that forward send it.
 */
export interface CallRedirect {
  /** The Contact header's value, e.g. `<sip:15145551234@montreal5.voip.ms>`. */
  contact: string;
  /** The Diversion header's value, e.g. `<sip:123456_home@montreal5.voip.ms>;reason=do-not-disturb`. */
  diversion: string;
  /** Why, in the words History shows. */
  reason: string;
}

/** The headers a 302 carries for {@link CallRedirect}. */
export function redirectHeaders(redirect: CallRedirect): string[] {
  return [`Contact: ${redirect.contact}`, `Diversion: ${redirect.diversion}`];
}
