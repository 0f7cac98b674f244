import { randomBytes } from 'node:crypto';
import type { TransportAddress } from '../../src-shared/domain.js';
import {
  BINDING_ERROR,
  BINDING_SUCCESS,
  decodeStunMessage,
  encodeBindingRequest,
} from './stun-codec.js';
import { RFC5389_RETRANSMISSION, StunTransactions } from './stun-transaction.js';
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

type BindingAnswer = BindingOutcome;

const DEFAULTS: Required<StunClientOptions> = {
  rtoMs: RFC5389_RETRANSMISSION.rtoMs,
  maxAttempts: RFC5389_RETRANSMISSION.maxTransmissions,
  finalWaitFactor: RFC5389_RETRANSMISSION.finalWaitFactor,
};

/**
 * STUN Binding client on a shared socket (RFC 5389 §7), on the one transaction implementation
 * ({@link StunTransactions}): an answer counts only if its transaction ID matches one we sent
 * and it comes from the very address:port we sent that request to (a forged or stray answer
 * from elsewhere must not move our Contact).
 */
export class StunClient {
  private readonly transactions: StunTransactions<undefined, BindingAnswer>;
  private readonly detach: () => void;
  private readonly defaults: Required<StunClientOptions>;
  /** Datagrams that were not a valid answer to one of our transactions. */
  ignoredDatagrams = 0;

  constructor(endpoint: Pick<UdpEndpoint, 'on' | 'send'>, options: StunClientOptions = {}) {
    this.defaults = { ...DEFAULTS, ...options };
    this.transactions = new StunTransactions(endpoint);
    this.detach = endpoint.on('stun', (datagram, from) => this.receive(datagram, from));
  }

  /** Sends a Binding request and resolves with the mapping or why there is none; never throws. */
  async binding(server: TransportAddress, options: BindingOptions = {}): Promise<BindingOutcome> {
    const { rtoMs, maxAttempts, finalWaitFactor } = { ...this.defaults, ...options };
    const id = randomBytes(12);
    const outcome = await this.transactions.run(
      { id, datagram: encodeBindingRequest(id), to: server, meta: undefined },
      { rtoMs, maxTransmissions: maxAttempts, finalWaitFactor },
      options.signal,
    );
    if (outcome.ok) {
      const answer = outcome.answer;
      return answer.ok ? { ...answer, rttMs: outcome.rttMs } : answer;
    }
    switch (outcome.code) {
      case 'timeout':
        return failure('timeout', `no answer from ${server.address}:${server.port}`);
      case 'send-failed':
        return failure('send-failed', `cannot send to ${server.address}: ${outcome.detail}`);
      case 'aborted':
        return failure('aborted', 'STUN request aborted');
      case 'closed':
        return failure('closed', 'STUN client closed');
    }
  }

  /** Stops listening; pending transactions end as 'closed'. The socket stays open. */
  close(): void {
    this.detach();
    this.transactions.closeAll();
  }

  private receive(datagram: Buffer, from: TransportAddress): void {
    const message = decodeStunMessage(datagram);
    const transaction = message && this.transactions.find(message.transactionId, from);
    if (!message || !transaction) {
      this.ignoredDatagrams++;
      return;
    }
    if (message.type === BINDING_ERROR) {
      const code = message.errorCode ?? 0;
      transaction.answer({
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
    // The round trip is filled in from the transaction's latest send.
    transaction.answer(
      message.otherAddress
        ? { ok: true, mapped, rttMs: 0, otherAddress: message.otherAddress }
        : { ok: true, mapped, rttMs: 0 },
    );
  }
}

function failure(
  code: 'timeout' | 'send-failed' | 'aborted' | 'closed',
  message: string,
): BindingOutcome {
  return { ok: false, error: { code, message } };
}
