/**
 * RFC 5389 client transactions over UDP, one implementation for the STUN Binding client, the
 * binding-lifetime probe and TURN: a request goes out, again after RTO, 2·RTO, 4·RTO… up to Rc
 * transmissions, then waits Rm·RTO for a last answer (§7.2.1); an optional deadline cuts the
 * schedule short. An answer counts only when its transaction ID is one of ours and it comes
 * from the very address the request went to (a forged or stray answer must not be believed).
 */
import type { TransportAddress } from '../../src-shared/domain.js';
import { systemClock, type MediaClock } from '../media/media-clock.js';
import type { UdpEndpoint } from './udp-endpoint.js';

export interface StunRetransmission {
  /** Initial retransmission timeout (RTO), 500 ms by default. */
  rtoMs?: number;
  /** Transmissions in all (Rc), 7 by default. */
  maxTransmissions?: number;
  /** After the last transmission, wait this many RTOs (Rm, 16 by default). */
  finalWaitFactor?: number;
  /** The clock's time after which the transaction gives up, whatever the schedule. */
  deadlineAt?: number;
}

export const RFC5389_RETRANSMISSION: Required<Omit<StunRetransmission, 'deadlineAt'>> = {
  rtoMs: 500,
  maxTransmissions: 7,
  finalWaitFactor: 16,
};

export type StunTransactionFailureCode = 'timeout' | 'send-failed' | 'aborted' | 'closed';

export type StunTransactionOutcome<Answer> =
  | { ok: true; answer: Answer; rttMs: number }
  | { ok: false; code: StunTransactionFailureCode; detail: string };

export interface StunRequest<Meta> {
  /** The 96-bit transaction ID the datagram carries. */
  id: Buffer;
  datagram: Buffer;
  to: TransportAddress;
  /** What the receiving side needs to judge an answer (the method, a key…). */
  meta: Meta;
}

/** A transaction still waiting, as {@link StunTransactions.find} hands it to the receiver. */
export interface PendingStunTransaction<Meta, Answer> {
  readonly meta: Meta;
  readonly to: TransportAddress;
  /** Ends the transaction with its answer; the round trip is measured from the latest send. */
  answer(answer: Answer): void;
}

interface Entry<Meta, Answer> extends PendingStunTransaction<Meta, Answer> {
  settle(outcome: StunTransactionOutcome<Answer>): void;
  lastSentAt: number;
}

/** The transactions open on one socket. Receiving stays with the caller, which decodes. */
export class StunTransactions<Meta = undefined, Answer = unknown> {
  private readonly open = new Map<string, Entry<Meta, Answer>>();

  constructor(
    private readonly socket: Pick<UdpEndpoint, 'send'>,
    /** `performance.now()` and Node timers unless a test drives time by hand. */
    private readonly clock: MediaClock = systemClock,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Sends the request on its schedule; resolves with the answer or why none came. Never throws. */
  run(
    request: StunRequest<Meta>,
    schedule: StunRetransmission = {},
    signal?: AbortSignal,
  ): Promise<StunTransactionOutcome<Answer>> {
    const { rtoMs, maxTransmissions, finalWaitFactor } = { ...RFC5389_RETRANSMISSION, ...schedule };
    const deadlineAt = schedule.deadlineAt ?? Infinity;
    const key = request.id.toString('hex');
    return new Promise((resolve) => {
      let cancelTimer: (() => void) | undefined;
      const onAbort = () => entry.settle({ ok: false, code: 'aborted', detail: 'aborted' });
      const entry: Entry<Meta, Answer> = {
        meta: request.meta,
        to: request.to,
        lastSentAt: this.clock.now(),
        settle: (outcome) => {
          if (this.open.get(key) !== entry) return;
          this.open.delete(key);
          cancelTimer?.();
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
        answer: (answer) =>
          entry.settle({
            ok: true,
            answer,
            // Karn's rule: after a retransmission the answer may be to any copy; the latest
            // send gives a lower bound, never an inflated round trip.
            rttMs: Math.max(0, this.clock.now() - entry.lastSentAt),
          }),
      };
      this.open.set(key, entry);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      let transmissions = 0;
      let interval = rtoMs;
      const transmit = () => {
        transmissions++;
        entry.lastSentAt = this.clock.now();
        this.socket.send(request.datagram, request.to).catch((error: unknown) => {
          entry.settle({
            ok: false,
            code: 'send-failed',
            detail: error instanceof Error ? error.message : String(error),
          });
        });
        const remaining = deadlineAt - this.clock.now();
        if (transmissions < maxTransmissions && interval < remaining) {
          cancelTimer = this.clock.setTimer(transmit, interval);
          interval *= 2;
        } else {
          const wait = transmissions < maxTransmissions ? interval : rtoMs * finalWaitFactor;
          cancelTimer = this.clock.setTimer(
            () => entry.settle({ ok: false, code: 'timeout', detail: 'no answer' }),
            Math.max(0, Math.min(wait, remaining)),
          );
        }
      };
      transmit();
    });
  }

  /**
   * The transaction an answer belongs to: its ID is ours and it came from where the request
   * went. Null for anything else, which the caller drops (and may count).
   */
  find(
    transactionId: Buffer | string,
    from: TransportAddress,
  ): PendingStunTransaction<Meta, Answer> | null {
    const key = typeof transactionId === 'string' ? transactionId : transactionId.toString('hex');
    const entry = this.open.get(key);
    if (!entry || entry.to.address !== from.address || entry.to.port !== from.port) return null;
    return entry;
  }

  /** Ends every open transaction as `closed`. */
  closeAll(detail = 'closed'): void {
    for (const entry of [...this.open.values()])
      entry.settle({ ok: false, code: 'closed', detail });
  }
}
