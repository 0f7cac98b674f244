import { randomBytes } from 'node:crypto';
import type { TransportAddress } from '../../src-shared/domain.js';
import {
  BINDING_ERROR,
  BINDING_SUCCESS,
  decodeStunMessage,
  encodeBindingRequest,
} from './stun-codec.js';
import type { UdpEndpoint } from './udp-endpoint.js';

export interface StunClientOptions {
  /** Initial retransmission timeout (RFC 5389 §7.2.1 RTO), 500 ms by default. */
  rtoMs?: number;
  /** Transmissions in all (Rc), 7 by default. */
  maxAttempts?: number;
  /** After the last transmission, wait Rm·RTO (Rm = 16) for an answer. */
  finalWaitFactor?: number;
}

export interface BindingOptions extends StunClientOptions {
  signal?: AbortSignal;
}

export type BindingOutcome =
  | { ok: true; mapped: TransportAddress; rttMs: number; otherAddress?: TransportAddress }
  | {
      ok: false;
      error: {
        code: 'timeout' | 'error-response' | 'send-failed' | 'aborted' | 'closed';
        message: string;
        stunErrorCode?: number;
      };
    };

interface Transaction {
  server: TransportAddress;
  sentAt: number[];
  resolve: (outcome: BindingOutcome) => void;
}

const DEFAULTS: Required<StunClientOptions> = { rtoMs: 500, maxAttempts: 7, finalWaitFactor: 16 };

/**
 * STUN Binding client on a shared socket (RFC 5389 §7). It owns the transaction logic the `stun`
 * package gets wrong for us: an answer counts only if its transaction ID matches one we sent
 * and it comes from the very address:port we sent that request to (a forged or stray answer
 * from elsewhere must not move our Contact).
 */
export class StunClient {
  private readonly transactions = new Map<string, Transaction>();
  private readonly detach: () => void;
  private readonly defaults: Required<StunClientOptions>;
  /** Datagrams that were not a valid answer to one of our transactions. */
  ignoredDatagrams = 0;

  constructor(
    private readonly endpoint: Pick<UdpEndpoint, 'on' | 'send'>,
    options: StunClientOptions = {},
  ) {
    this.defaults = { ...DEFAULTS, ...options };
    this.detach = endpoint.on('stun', (datagram, from) => this.receive(datagram, from));
  }

  /** Sends a Binding request and resolves with the mapping or why there is none; never throws. */
  binding(server: TransportAddress, options: BindingOptions = {}): Promise<BindingOutcome> {
    const { rtoMs, maxAttempts, finalWaitFactor } = { ...this.defaults, ...options };
    const transactionId = randomBytes(12);
    const key = transactionId.toString('hex');
    const request = encodeBindingRequest(transactionId);
    return new Promise<BindingOutcome>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: BindingOutcome) => {
        if (!this.transactions.has(key)) return;
        this.transactions.delete(key);
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () =>
        finish({ ok: false, error: { code: 'aborted', message: 'STUN request aborted' } });
      const transaction: Transaction = { server, sentAt: [], resolve: finish };
      this.transactions.set(key, transaction);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });

      let attempt = 0;
      let interval = rtoMs;
      const transmit = () => {
        attempt++;
        transaction.sentAt.push(performance.now());
        this.endpoint.send(request, server).catch((error: unknown) => {
          finish({
            ok: false,
            error: {
              code: 'send-failed',
              message: `cannot send to ${server.address}: ${String(error)}`,
            },
          });
        });
        if (attempt < maxAttempts) {
          timer = setTimeout(transmit, interval);
          interval *= 2;
        } else {
          timer = setTimeout(
            () =>
              finish({
                ok: false,
                error: {
                  code: 'timeout',
                  message: `no answer from ${server.address}:${server.port}`,
                },
              }),
            rtoMs * finalWaitFactor,
          );
        }
      };
      transmit();
    });
  }

  /** Stops listening; pending transactions end as 'closed'. The socket stays open. */
  close(): void {
    this.detach();
    for (const transaction of [...this.transactions.values()]) {
      transaction.resolve({ ok: false, error: { code: 'closed', message: 'STUN client closed' } });
    }
  }

  private receive(datagram: Buffer, from: TransportAddress): void {
    const message = decodeStunMessage(datagram);
    const transaction = message && this.transactions.get(message.transactionId.toString('hex'));
    if (
      !message ||
      !transaction ||
      transaction.server.address !== from.address ||
      transaction.server.port !== from.port
    ) {
      this.ignoredDatagrams++;
      return;
    }
    if (message.type === BINDING_ERROR) {
      const code = message.errorCode ?? 0;
      transaction.resolve({
        ok: false,
        error: {
          code: 'error-response',
          message: `STUN error ${code}${message.errorReason ? ` ${message.errorReason}` : ''}`,
          stunErrorCode: code,
        },
      });
      return;
    }
    const mapped = message.xorMappedAddress ?? message.mappedAddress;
    if (message.type !== BINDING_SUCCESS || !mapped) {
      this.ignoredDatagrams++;
      return;
    }
    // Karn's rule: after a retransmission the answer may belong to any copy; the latest send
    // gives a lower bound, never an inflated RTT.
    const sentAt = transaction.sentAt[transaction.sentAt.length - 1] ?? performance.now();
    const rttMs = Math.max(0, performance.now() - sentAt);
    transaction.resolve(
      message.otherAddress
        ? { ok: true, mapped, rttMs, otherAddress: message.otherAddress }
        : { ok: true, mapped, rttMs },
    );
  }
}
