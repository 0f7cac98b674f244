import type { CallEndCode } from '../../src-shared/domain.js';

/**
 * The part of a sip.js session an incoming call's confirmation needs: its delegate, through
 * which the caller's ACK and BYE arrive.
 */
export interface ConfirmableSession {
  delegate?: {
    onAck?(ack: unknown): void;
    onBye?(bye: { accept(): Promise<void> }): void;
  };
}

/** How long the 200 is retransmitted without an ACK before the call is ended: 64·T1. */
export const ANSWER_CONFIRMATION_SECONDS = 32;

/**
 * Whether the caller confirmed our answer. An incoming call that we answered with 200 is a call
 * only once the caller's ACK arrives (RFC 3261 §13.3.1.4): the sender of a forged INVITE never
 * sends one. Until then the call sends none of our audio (the SDP that named where to send it
 * may be anybody's), counts as no call in progress for the next caller, cannot carry a
 * re-INVITE (so hold and resume stay local until the ACK), and a hang-up ends it at once while
 * its BYE waits for the ACK or the 200's last retransmission (RFC 3261 §15). When sip.js stops
 * retransmitting the 200 (64·T1) it sends the BYE itself and ends the session; {@link endedBecause}
 * then says why.
 */
export class AnswerConfirmation {
  private answered = false;
  private confirmed = false;
  private hungUpByCaller = false;

  /** Listens on `session` for the caller's ACK; `onConfirmed` runs once, when it arrives. */
  constructor(session: ConfirmableSession, onConfirmed: () => void) {
    const delegate = session.delegate;
    session.delegate = {
      ...delegate,
      onAck: (ack) => {
        delegate?.onAck?.(ack);
        if (this.confirmed) return;
        this.confirmed = true;
        if (this.answered) onConfirmed();
      },
      onBye: (bye) => {
        this.hungUpByCaller = true;
        if (delegate?.onBye) delegate.onBye(bye);
        else bye.accept().catch(() => undefined);
      },
    };
  }

  /** Our 200 went out. */
  markAnswered(): void {
    this.answered = true;
  }

  /** Answered, and the caller has not acknowledged it yet. */
  get awaitingAck(): boolean {
    return this.answered && !this.confirmed;
  }

  /** Whether our audio may go out: only once the caller confirmed the answer. */
  get maySendAudio(): boolean {
    return this.confirmed;
  }

  /**
   * Why the session ended by itself, when the ACK never came: the caller hung up first, or the
   * 200 went unacknowledged for 64·T1 and sip.js ended the call with a BYE. Null otherwise.
   */
  endedBecause(): [CallEndCode, string] | null {
    if (!this.awaitingAck) return null;
    if (this.hungUpByCaller) return ['hangup-remote', 'The other side hung up'];
    return [
      'failed',
      `The caller never confirmed the answer (no ACK in ${ANSWER_CONFIRMATION_SECONDS} s): the call was ended`,
    ];
  }
}
