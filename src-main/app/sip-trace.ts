/**
 * The last SIP messages of the app's engine, both directions, for the SIP trace view and support
 * tickets. Messages are redacted as they are recorded, so no digest response or password is ever
 * held here, let alone shown or copied.
 */
import type { TransportAddress } from '../../src-shared/domain.js';
import { SIP_TRACE_LIMIT, type SipTraceEntry } from '../../src-shared/ipc-contract.js';
import { redactSipMessage } from '../sip/sip-redaction.js';

export { redactSipMessage };

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
