/**
 * RFC 3261 §17 timer values for an unreliable transport, in milliseconds.
 * Defaults in code; a caller may override any of them (tests shrink them).
 */
export interface SipTimers {
  /** RTT estimate: the first retransmission interval. */
  t1: number;
  /** Maximum retransmission interval for non-INVITE requests and INVITE responses. */
  t2: number;
}

export const DEFAULT_SIP_TIMERS: Required<SipTimers> = { t1: 500, t2: 4000 };

/** Timer B/F/H: a transaction gives up after 64·T1. */
export function transactionTimeout(timers: SipTimers): number {
  return 64 * timers.t1;
}
