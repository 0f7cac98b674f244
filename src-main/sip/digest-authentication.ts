/**
 * SIP digest authentication (RFC 3261 §22, RFC 7616 for the computation, RFC 8760 for the
 * algorithms SIP may use): MD5, SHA-256 and SHA-512-256, each also as `-sess`; `qop=auth` (and
 * `auth-int`) with a fresh `cnonce` and a nonce count that goes up with every request answered
 * with the same nonce. sip.js 0.21 computes MD5 only; its user agent core asks
 * `configuration.authenticationFactory` for a credentials object per challenged request, and
 * {@link installDigestAuthentication} puts ours there.
 *
 * When a response carries several challenges, the strongest one we support is answered (RFC 8760
 * §2.4: the server lists them in its order of preference, the client picks one it supports).
 * sip.js parses only the first challenge header, so the raw ones are read from the response as
 * it arrived ({@link ChallengeBook}).
 *
 * Nothing here logs: the password, HA1 and the response never leave these objects except as the
 * header value sip.js puts on the wire.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { UserAgent } from 'sip.js';

/** RFC 8760 §3 names, strongest last; `-sess` variants rank with their hash. */
const ALGORITHM_STRENGTH: Readonly<Record<string, number>> = {
  MD5: 1,
  'MD5-SESS': 1,
  'SHA-256': 2,
  'SHA-256-SESS': 2,
  'SHA-512-256': 3,
  'SHA-512-256-SESS': 3,
};

const NODE_HASH: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** Upper case, as RFC 8760 spells it; MD5 when the challenge names none (RFC 3261 §22.4). */
  algorithm: string;
  /** The qop values offered, lower case; empty for an RFC 2069 style challenge. */
  qop: string[];
  stale: boolean;
}

/** Whether we can answer a challenge with this algorithm. */
export function isSupportedAlgorithm(algorithm: string): boolean {
  return ALGORITHM_STRENGTH[algorithm.toUpperCase()] !== undefined;
}

const AUTH_PARAM = /([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^,\s]+)/g;

/**
 * One WWW-Authenticate or Proxy-Authenticate value; null when it is not a Digest challenge we
 * could answer (no realm or nonce, or an unknown scheme).
 */
export function parseDigestChallenge(value: string): DigestChallenge | null {
  const scheme = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s+/.exec(value);
  if (!scheme || scheme[1]!.toLowerCase() !== 'digest') return null;
  const params = new Map<string, string>();
  for (const match of value.slice(scheme[0].length).matchAll(AUTH_PARAM)) {
    const raw = match[2]!;
    const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    params.set(match[1]!.toLowerCase(), unquoted);
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || !nonce) return null;
  const opaque = params.get('opaque');
  return {
    realm,
    nonce,
    ...(opaque !== undefined ? { opaque } : {}),
    algorithm: (params.get('algorithm') ?? 'MD5').toUpperCase(),
    qop: (params.get('qop') ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
  };
}

/** The strongest supported challenge among a response's challenge values; the first on a tie. */
export function chooseChallenge(values: readonly string[]): DigestChallenge | null {
  let best: DigestChallenge | null = null;
  for (const value of values) {
    const challenge = parseDigestChallenge(value);
    if (!challenge || !isSupportedAlgorithm(challenge.algorithm)) continue;
    if (challenge.qop.length > 0 && !challenge.qop.some((q) => q === 'auth' || q === 'auth-int'))
      continue;
    if (!best || ALGORITHM_STRENGTH[challenge.algorithm]! > ALGORITHM_STRENGTH[best.algorithm]!)
      best = challenge;
  }
  return best;
}

/** What a request needs to be answered: the parts of the digest's A2. */
export interface DigestRequest {
  method: string;
  uri: string;
  /** The message body, for qop=auth-int. */
  body?: string;
}

export interface DigestAnswer {
  /** The Authorization / Proxy-Authorization value. */
  header: string;
  /** The computed response, exposed for tests that check nothing leaks it. */
  response: string;
  /** HA1 as used in the response, for the same tests. */
  ha1: string;
}

/**
 * The credentials answer (RFC 7616 §3.4). `cnonce` and `nc` are given by the caller, so the
 * RFC's examples can be checked.
 */
export function answerChallenge(
  challenge: DigestChallenge,
  request: DigestRequest,
  credentials: { username: string; password: string },
  counter: { cnonce: string; nc: number },
): DigestAnswer {
  const algorithm = challenge.algorithm.toUpperCase();
  const session = algorithm.endsWith('-SESS');
  const hashName = NODE_HASH[session ? algorithm.slice(0, -5) : algorithm];
  if (!hashName) throw new Error(`unsupported digest algorithm ${challenge.algorithm}`);
  const hash = (text: string) => createHash(hashName).update(text, 'utf8').digest('hex');
  const qop = challenge.qop.includes('auth')
    ? 'auth'
    : challenge.qop.includes('auth-int')
      ? 'auth-int'
      : null;
  const nc = counter.nc.toString(16).padStart(8, '0');
  let ha1 = hash(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  if (session) ha1 = hash(`${ha1}:${challenge.nonce}:${counter.cnonce}`);
  const ha2 =
    qop === 'auth-int'
      ? hash(`${request.method}:${request.uri}:${hash(request.body ?? '')}`)
      : hash(`${request.method}:${request.uri}`);
  const response = qop
    ? hash(`${ha1}:${challenge.nonce}:${nc}:${counter.cnonce}:${qop}:${ha2}`)
    : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  const quote = (text: string) => `"${text.replace(/(["\\])/g, '\\$1')}"`;
  const params = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `response=${quote(response)}`,
    `algorithm=${algorithm}`,
    ...(challenge.opaque !== undefined ? [`opaque=${quote(challenge.opaque)}`] : []),
    ...(qop ? [`qop=${qop}`, `cnonce=${quote(counter.cnonce)}`, `nc=${nc}`] : []),
  ];
  return { header: `Digest ${params.join(', ')}`, response, ha1 };
}

/** How many requests were answered per nonce, so `nc` goes up across requests (RFC 7616 §3.4). */
export class NonceCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit = 64) {}

  next(realm: string, nonce: string): number {
    const key = `${realm}\u0000${nonce}`;
    const count = ((this.counts.get(key) ?? 0) % 0xffffffff) + 1;
    // Oldest first in a Map: a nonce no longer used falls out once the limit is reached.
    this.counts.delete(key);
    this.counts.set(key, count);
    if (this.counts.size > this.limit) this.counts.delete(this.counts.keys().next().value!);
    return count;
  }
}

/** A response's key: the request it answers, as sip.js's request message names it. */
const requestKey = (callId: string, cseq: number, method: string) =>
  `${callId} ${cseq} ${method.toUpperCase()}`;

/**
 * The raw challenges of recent 401/407 responses, recorded as they arrive (before sip.js parses
 * them), so every challenge a response offered can be weighed, not just the first.
 */
export class ChallengeBook {
  private readonly byRequest = new Map<string, string[]>();

  constructor(private readonly limit = 32) {}

  /** Notes the challenges of a response, if it is a 401 or 407. */
  record(message: string): void {
    const status = /^SIP\/2\.0[ \t]+(401|407)[ \t]/.exec(message)?.[1];
    if (!status) return;
    const head = message.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    const lines = head.split(/\r?\n/);
    const headerValue = (pattern: RegExp) =>
      lines.flatMap((line) => {
        const match = pattern.exec(line);
        return match ? [match[1]!.trim()] : [];
      });
    const challenges = headerValue(
      status === '401' ? /^WWW-Authenticate[ \t]*:(.*)$/i : /^Proxy-Authenticate[ \t]*:(.*)$/i,
    );
    const callId = headerValue(/^(?:Call-ID|i)[ \t]*:(.*)$/i)[0];
    const cseq = /^(\d+)[ \t]+(\S+)/.exec(headerValue(/^CSeq[ \t]*:(.*)$/i)[0] ?? '');
    if (!callId || !cseq || challenges.length === 0) return;
    const key = requestKey(callId, Number(cseq[1]), cseq[2]!);
    this.byRequest.delete(key);
    this.byRequest.set(key, challenges);
    if (this.byRequest.size > this.limit)
      this.byRequest.delete(this.byRequest.keys().next().value!);
  }

  /** The challenge values of the response to this request, if one was recorded. */
  challengesFor(callId: string, cseq: number, method: string): string[] | undefined {
    return this.byRequest.get(requestKey(callId, cseq, method));
  }
}

/** sip.js's parsed challenge, as its grammar leaves it (for when no raw one was recorded). */
interface SipJsChallenge {
  realm?: string;
  nonce?: string;
  opaque?: string;
  algorithm?: string;
  qop?: string[] | string;
  stale?: boolean;
}

/** The parts of sip.js's OutgoingRequestMessage that the digest reads. */
interface SipJsRequest {
  method: string;
  ruri: { toString(): string };
  callId: string;
  cseq: number;
  body?: { body: string };
}

export interface DigestCredentialsOptions {
  username: string;
  password: string;
  nonceCounts: NonceCounts;
  challenges: ChallengeBook;
  /** A fresh client nonce; random by default. */
  cnonce?: () => string;
}

/**
 * The object sip.js's user agent client calls: `authenticate` with the request and the parsed
 * first challenge, then `toString` for the header. `stale` is read by sip.js after authenticate.
 */
export class DigestCredentials {
  stale: boolean | undefined;
  private answer: string | null = null;

  constructor(private readonly options: DigestCredentialsOptions) {}

  authenticate(request: SipJsRequest, parsed: SipJsChallenge): boolean {
    const raw = this.options.challenges.challengesFor(request.callId, request.cseq, request.method);
    const challenge = raw ? chooseChallenge(raw) : fromSipJs(parsed);
    if (!challenge) return false;
    this.stale = challenge.stale;
    const nc = this.options.nonceCounts.next(challenge.realm, challenge.nonce);
    this.answer = answerChallenge(
      challenge,
      { method: request.method, uri: request.ruri.toString(), body: request.body?.body ?? '' },
      { username: this.options.username, password: this.options.password },
      { cnonce: (this.options.cnonce ?? randomCnonce)(), nc },
    ).header;
    return true;
  }

  toString(): string {
    if (this.answer === null) throw new Error('no digest challenge was answered');
    return this.answer;
  }
}

function randomCnonce(): string {
  return randomBytes(12).toString('hex');
}

function fromSipJs(parsed: SipJsChallenge): DigestChallenge | null {
  if (!parsed.realm || !parsed.nonce) return null;
  const algorithm = (parsed.algorithm ?? 'MD5').toUpperCase();
  if (!isSupportedAlgorithm(algorithm)) return null;
  const qop = (Array.isArray(parsed.qop) ? parsed.qop : parsed.qop ? [parsed.qop] : []).map((q) =>
    q.toLowerCase(),
  );
  if (qop.length > 0 && !qop.some((q) => q === 'auth' || q === 'auth-int')) return null;
  return {
    realm: parsed.realm,
    nonce: parsed.nonce,
    ...(parsed.opaque !== undefined ? { opaque: parsed.opaque } : {}),
    algorithm,
    qop,
    stale: parsed.stale === true,
  };
}

/**
 * Makes a user agent answer digest challenges with {@link DigestCredentials}. Returns the book
 * the SIP transport's incoming messages must be recorded in (before sip.js sees them).
 */
export function installDigestAuthentication(
  userAgent: UserAgent,
  credentials: { username: string; password: string },
): ChallengeBook {
  const challenges = new ChallengeBook();
  const nonceCounts = new NonceCounts();
  const configuration = userAgent.userAgentCore.configuration as {
    authenticationFactory: () => unknown;
  };
  configuration.authenticationFactory = () =>
    new DigestCredentials({ ...credentials, nonceCounts, challenges });
  return challenges;
}
