import type { TransportAddress } from '../../src-shared/domain.js';
import type { SipMessageView } from './sip-message-view.js';

/** The response a registrar's view of our address came from. */
export interface ViaReceivedResponse {
  method: string;
  statusCode: number;
}

export interface ClientTransactionHooks {
  /**
   * Observes the top Via of responses: the registrar's view of our address (RFC 3581). Only a
   * response to one of our own client transactions (same branch, method and CSeq) that comes
   * from the address the request was sent to is believed: anyone can send a datagram carrying
   * `received`/`rport`, and a Contact moved by a stranger sends our incoming calls to them.
   */
  onViaReceived?: (seen: TransportAddress, response: ViaReceivedResponse) => void;
  /** A client transaction of ours ended: its final response came, or it timed out. */
  onClientTransactionEnd?: (method: string) => void;
}

/** A request we sent whose final response has not arrived yet. */
interface ClientTransaction {
  cseq: number;
  destination: TransportAddress;
  deadline: ReturnType<typeof setTimeout>;
}

/**
 * The requests we sent that await a final response, as every transport (datagram or stream)
 * keeps them: to believe a response's Via `received`/`rport` only when it answers one of ours,
 * and to tell when a REGISTER is no longer in flight.
 */
export class ClientTransactionBook {
  /** Keyed by `branch` + method; ends on a final response or after the transaction timeout. */
  private readonly transactions = new Map<string, ClientTransaction>();

  constructor(
    private readonly timeoutMs: number,
    private readonly hooks: ClientTransactionHooks,
  ) {}

  /** A request of ours went out toward `destination`. */
  track(view: SipMessageView, destination: TransportAddress): void {
    if (view.kind !== 'request' || view.method === 'ACK') return;
    const key = transactionKey(view.branch, view.method);
    if (this.transactions.has(key)) return;
    const deadline = setTimeout(() => {
      this.transactions.delete(key);
      this.hooks.onClientTransactionEnd?.(view.method);
    }, this.timeoutMs);
    deadline.unref?.();
    this.transactions.set(key, { cseq: view.cseq, destination, deadline });
  }

  /** True while a request of `method` we sent awaits its final response. */
  has(method: string): boolean {
    for (const key of this.transactions.keys()) {
      if (key.endsWith(` ${method}`)) return true;
    }
    return false;
  }

  /**
   * A response came from `from`: if it answers one of ours, its Via tells the registrar's view,
   * and a final one ends the transaction.
   */
  observeResponse(view: SipMessageView, from: TransportAddress): void {
    const key = transactionKey(view.branch, view.method);
    const ours = this.match(key, view, from);
    if (ours && (view.via.received !== undefined || view.via.rport !== undefined)) {
      this.hooks.onViaReceived?.(
        {
          address: view.via.received ?? view.via.host,
          port: view.via.rport ?? view.via.port ?? 5060,
        },
        { method: view.method, statusCode: view.statusCode },
      );
    }
    // A final response ends the transaction only now, so that whoever learns the address above
    // still sees it in flight; sip.js handles the response after this returns: tell once it has.
    if (ours && view.statusCode >= 200) {
      clearTimeout(ours.deadline);
      this.transactions.delete(key);
      setTimeout(() => this.hooks.onClientTransactionEnd?.(view.method), 0);
    }
  }

  clear(): void {
    for (const transaction of this.transactions.values()) clearTimeout(transaction.deadline);
    this.transactions.clear();
  }

  /** The transaction `view` answers, if it is one of ours and came from where we sent it. */
  private match(
    key: string,
    view: SipMessageView,
    from: TransportAddress,
  ): ClientTransaction | null {
    const transaction = this.transactions.get(key);
    if (!transaction || transaction.cseq !== view.cseq) return null;
    const { destination } = transaction;
    if (from.address !== destination.address || from.port !== destination.port) return null;
    return transaction;
  }
}

function transactionKey(branch: string, method: string): string {
  return `${branch} ${method}`;
}
