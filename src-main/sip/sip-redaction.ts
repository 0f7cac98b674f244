/**
 * Redaction of SIP text for anything shown, copied or logged: no digest response, nonce, cnonce,
 * password or SRTP key survives. Used by the SIP trace (src-main/app/sip-trace.ts) and the
 * engine's log.
 */
/** The digest parameters that identify who asked for what; everything else is dropped. */
const KEPT_DIGEST_PARAMS = ['username', 'realm', 'uri'] as const;

/** A header line and the lines folded under it (RFC 3261 §7.3.1: continuations start with space). */
const CREDENTIALS_HEADER = /^((?:Proxy-)?Authorization[ \t]*:[ \t]*)(.*(?:\r?\n[ \t]+.*)*)/gim;
/** Authentication-Info carries rspauth and cnonce, both derived from the password and nonce. */
const AUTH_INFO_HEADER = /^((?:Proxy-)?Authentication-Info[ \t]*:[ \t]*)(.*(?:\r?\n[ \t]+.*)*)/gim;
const DIGEST_PARAM = /([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^,\s]+)/g;
/**
 * A password given as a parameter anywhere (a URI, a body, a misconfigured header). Only the `=`
 * form: "wrong user name or password: 401" is a sentence, not a secret.
 */
const PASSWORD = /(password[ \t]*=[ \t]*)("(?:[^"\\]|\\.)*"|[^\s;,&>]+)/gi;
/**
 * An SDES key (RFC 4568 `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^31`): whoever reads it
 * can decrypt the call's audio from a capture.
 */
const SDES_INLINE_KEY = /(\binline:)[A-Za-z0-9+/=]+/gi;

/** One Authorization value reduced to its scheme, username, realm and uri. */
function redactCredentials(value: string): string {
  const unfolded = value.replace(/\r?\n[ \t]+/g, ' ').trim();
  const scheme = /^([A-Za-z][A-Za-z0-9_-]*)\s/.exec(unfolded)?.[1] ?? '';
  const kept: string[] = [];
  for (const match of unfolded.matchAll(DIGEST_PARAM)) {
    const name = (match[1] ?? '').toLowerCase();
    if ((KEPT_DIGEST_PARAMS as readonly string[]).includes(name)) {
      kept.push(`${name}=${match[2] ?? ''}`);
    }
  }
  return [scheme, kept.join(', '), '(response and nonce removed)'].filter(Boolean).join(' ');
}

/**
 * A SIP message as it may be shown or copied: Authorization and Proxy-Authorization keep only
 * username, realm and uri; Authentication-Info is removed; any `password=` value and SDES key is
 * masked. Text that is not SIP passes through unchanged unless it carries one of those.
 */
export function redactSipMessage(message: string): string {
  return message
    .replace(CREDENTIALS_HEADER, (_all, name: string, value: string) => {
      return `${name}${redactCredentials(value)}`;
    })
    .replace(AUTH_INFO_HEADER, (_all, name: string) => `${name}(removed)`)
    .replace(PASSWORD, '$1(removed)')
    .replace(SDES_INLINE_KEY, '$1(removed)');
}
