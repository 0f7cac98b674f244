/**
 * The last SIP messages of the app's engine, both directions, for the SIP trace view and support
 * tickets. Messages are redacted as they are recorded, so no digest response or password is ever
 * held here, let alone shown or copied.
 */
import type { TransportAddress } from '../../src-shared/domain.js';
import { SIP_TRACE_LIMIT, type SipTraceEntry } from '../../src-shared/ipc-contract.js';

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
 * username, realm and uri; Authentication-Info is removed; any `password=` value is masked. Text
 * that is not SIP passes through unchanged unless it carries one of those.
 */
export function redactSipMessage(message: string): string {
  return message
    .replace(CREDENTIALS_HEADER, (_all, name: string, value: string) => {
      return `${name}${redactCredentials(value)}`;
    })
    .replace(AUTH_INFO_HEADER, (_all, name: string) => `${name}(removed)`)
    .replace(PASSWORD, '$1(removed)');
}

/** A fixed-size ring of the most recent messages; the oldest is overwritten when full. */
export class SipTrace {
  private readonly slots: (SipTraceEntry | undefined)[];
  private next = 0;
  private recorded = 0;

  constructor(private readonly limit = SIP_TRACE_LIMIT) {
    this.slots = new Array<SipTraceEntry | undefined>(limit);
  }

  record(
    direction: 'out' | 'in',
    message: string,
    peer: TransportAddress,
    at: Date = new Date(),
  ): void {
    // CRLF keepalives (RFC 5626) are not SIP messages; they would push real ones out of the ring.
    if (message.trim() === '') return;
    this.slots[this.next] = {
      seq: this.recorded,
      at: at.toISOString(),
      direction,
      peer: { address: peer.address, port: peer.port },
      message: redactSipMessage(message),
    };
    this.next = (this.next + 1) % this.limit;
    this.recorded += 1;
  }

  /** Oldest first, newest last. */
  entries(): SipTraceEntry[] {
    const ordered = [...this.slots.slice(this.next), ...this.slots.slice(0, this.next)];
    return ordered.filter((entry): entry is SipTraceEntry => entry !== undefined);
  }
}
