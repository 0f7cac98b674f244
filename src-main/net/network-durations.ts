/**
 * Durations a peer hands us (seconds on the wire) that end up in a timer. Node's timers hold at
 * most 2^31-1 ms (about 24.8 days); a larger delay fires at once with a TimeoutOverflowWarning,
 * so a registrar granting `expires=1099511627776` would make us re-REGISTER in a tight loop.
 * Each kind is bounded here, and only here, by what its RFC allows a sane peer to send.
 */
export type NetworkDurationKind =
  /** Expires granted in a 2xx to REGISTER (RFC 3261 §10.2.4); our refresh follows it. */
  | 'registration-expires'
  /** Min-Expires of a 423 (RFC 3261 §10.2.8, §20.23): the interval we ask for next. */
  | 'min-expires'
  /** Expires of an incoming INVITE (RFC 3261 §13.3.1): how long it may ring unanswered. */
  | 'invite-expires'
  /** LIFETIME of a TURN allocation (RFC 8656 §7.2, §18.2); 0 means deallocated. */
  | 'turn-lifetime'
  /** Lifetime a router grants a PCP or NAT-PMP port mapping (RFC 6887 §15, RFC 6886 §3.3). */
  | 'port-mapping-lifetime'
  /** A subscription's duration as its notifier sets it (RFC 6665 §4.1.2.1, §4.1.3). */
  | 'subscription-expires';

interface Bounds {
  min: number;
  max: number;
  /** Used when the value is no number at all. */
  fallback: number;
}

const BOUNDS: Record<NetworkDurationKind, Bounds> = {
  // Below a few seconds a registrar (or a forged 2xx with expires=0) would have us re-REGISTER
  // without pause; above a day there is no reason to wait longer, whatever was granted.
  'registration-expires': { min: 5, max: 86_400, fallback: 3600 },
  // RFC 3261 recommends 3600 s by default; no registrar needs a client to hold on for more
  // than a day.
  'min-expires': { min: 1, max: 86_400, fallback: 3600 },
  // Ringing for more than an hour is no call anyone is still waiting on.
  'invite-expires': { min: 0, max: 3600, fallback: 180 },
  // RFC 8656 §7.2: servers default to 600 s and should cap at 3600 s.
  'turn-lifetime': { min: 0, max: 3600, fallback: 600 },
  // Renewed at half its lifetime: a grant of 0 (or of 2^32-1 s, past Node's timer) would renew
  // in a loop; at 1 s it is two requests a second. RFC 6887 §15 has clients ask for a day at most.
  'port-mapping-lifetime': { min: 1, max: 86_400, fallback: 7200 },
  // 0 ends the subscription (no refresh); a mailbox needs no subscription longer than a day.
  'subscription-expires': { min: 0, max: 86_400, fallback: 3600 },
};

/** A network-supplied duration in seconds, bounded for its kind. */
export function clampNetworkSeconds(kind: NetworkDurationKind, seconds: number): number {
  const { min, max, fallback } = BOUNDS[kind];
  if (!Number.isFinite(seconds)) return Number.isNaN(seconds) ? fallback : max;
  return Math.min(max, Math.max(min, Math.floor(seconds)));
}
