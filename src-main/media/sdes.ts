/**
 * SDES (RFC 4568): SRTP keys carried in the SDP's `a=crypto` lines, for the suites
 * {@link SrtpContext} implements. Only the plain form: one inline key, no MKI, no session
 * parameters (a KDR, UNENCRYPTED_SRTP and the like); a line asking for more is not usable and
 * is passed over, as §6.1 lets an answerer do.
 */
import { randomBytes } from 'node:crypto';
import {
  isSrtpSuite,
  MASTER_KEY_BYTES,
  MASTER_SALT_BYTES,
  type SrtpMasterKey,
  type SrtpSuite,
} from './srtp.js';

/** One `a=crypto` line we can use: its tag, suite and master key. */
export interface SdesCrypto {
  tag: number;
  suite: SrtpSuite;
  key: SrtpMasterKey;
}

/** sdp-transform's form of an `a=crypto` line. */
export interface CryptoAttribute {
  id: number;
  suite: string;
  config: string;
  sessionConfig?: string;
}

const INLINE_KEY_BYTES = MASTER_KEY_BYTES + MASTER_SALT_BYTES;
/** `inline:` key, then an optional lifetime (`2^31` or a number) and nothing else. */
const INLINE = /^inline:([A-Za-z0-9+/]{40})(?:\|(?:2\^\d{1,2}|\d{1,15}))?$/;

/** A fresh master key and salt from the CSPRNG: one per call and suite, never logged. */
export function newMasterKey(): SrtpMasterKey {
  return { key: randomBytes(MASTER_KEY_BYTES), salt: randomBytes(MASTER_SALT_BYTES) };
}

export function cryptoAttribute(crypto: SdesCrypto): CryptoAttribute {
  const inline = Buffer.concat([crypto.key.key, crypto.key.salt]).toString('base64');
  return { id: crypto.tag, suite: crypto.suite, config: `inline:${inline}` };
}

/**
 * The usable `a=crypto` lines of a media description, in the order given (the offerer's
 * preference, §5.1.1), and how many lines there were in all. Never throws.
 */
export function readCryptoAttributes(attributes: unknown): {
  usable: SdesCrypto[];
  lines: number;
} {
  const list = Array.isArray(attributes) ? (attributes as unknown[]) : [];
  const usable: SdesCrypto[] = [];
  for (const entry of list) {
    const crypto = readCryptoAttribute(entry);
    if (crypto && !usable.some((other) => other.tag === crypto.tag)) usable.push(crypto);
  }
  return { usable, lines: list.length };
}

function readCryptoAttribute(entry: unknown): SdesCrypto | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const { id, suite, config, sessionConfig } = entry as Partial<CryptoAttribute>;
  const tag = Number(id);
  // §9.1: the tag is 1 to 9 digits.
  if (!Number.isInteger(tag) || tag < 0 || tag > 999_999_999) return null;
  if (typeof suite !== 'string' || !isSrtpSuite(suite.toUpperCase())) return null;
  if (sessionConfig !== undefined && sessionConfig !== '') return null;
  const match = INLINE.exec(String(config ?? ''));
  const encoded = match?.[1];
  if (!encoded) return null;
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== INLINE_KEY_BYTES) return null;
  return {
    tag,
    suite: suite.toUpperCase() as SrtpSuite,
    key: { key: bytes.subarray(0, MASTER_KEY_BYTES), salt: bytes.subarray(MASTER_KEY_BYTES) },
  };
}

/** Whether two master keys are the same key (a re-INVITE that kept it, §7.1.4). */
export function sameMasterKey(a: SrtpMasterKey, b: SrtpMasterKey): boolean {
  return (
    Buffer.from(a.key).equals(Buffer.from(b.key)) && Buffer.from(a.salt).equals(Buffer.from(b.salt))
  );
}
