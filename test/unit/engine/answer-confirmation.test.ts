import { describe, expect, it, vi } from 'vitest';
import {
  AnswerConfirmation,
  type ConfirmableSession,
} from '../../../src-main/engine/answer-confirmation.js';

function bye() {
  return { accept: vi.fn(() => Promise.resolve()) };
}

describe('an answered incoming call waits for its ACK', () => {
  it('sends no audio and awaits the ACK from the answer on; the ACK confirms it once', () => {
    const session: ConfirmableSession = {};
    const confirmed = vi.fn();
    const confirmation = new AnswerConfirmation(session, confirmed);
    // Ringing: nothing awaited yet, and no audio (the answer's media may start before the 200).
    expect(confirmation.awaitingAck).toBe(false);
    expect(confirmation.maySendAudio).toBe(false);
    confirmation.markAnswered();
    expect(confirmation.awaitingAck).toBe(true);
    expect(confirmation.maySendAudio).toBe(false);
    session.delegate?.onAck?.({});
    session.delegate?.onAck?.({});
    expect(confirmed).toHaveBeenCalledTimes(1);
    expect(confirmation.awaitingAck).toBe(false);
    expect(confirmation.maySendAudio).toBe(true);
    expect(confirmation.endedBecause()).toBeNull();
  });

  it('ended without an ACK: 64·T1 of retransmitted 200s, said in plain words', () => {
    const confirmation = new AnswerConfirmation({}, () => undefined);
    confirmation.markAnswered();
    const [code, message] = confirmation.endedBecause() ?? [];
    expect(code).toBe('failed');
    expect(message).toMatch(/never confirmed the answer \(no ACK in 32 s\)/);
  });

  it("the caller's BYE before any ACK is their hang-up, accepted", () => {
    const session: ConfirmableSession = {};
    const confirmation = new AnswerConfirmation(session, () => undefined);
    confirmation.markAnswered();
    const request = bye();
    session.delegate?.onBye?.(request);
    expect(request.accept).toHaveBeenCalledTimes(1);
    expect(confirmation.endedBecause()).toEqual(['hangup-remote', 'The other side hung up']);
  });

  it('keeps a delegate the session had, and never reports a call that was not answered', () => {
    const onAck = vi.fn();
    const onBye = vi.fn();
    const session: ConfirmableSession = { delegate: { onAck, onBye } };
    const confirmed = vi.fn();
    const confirmation = new AnswerConfirmation(session, confirmed);
    expect(confirmation.endedBecause()).toBeNull();
    const request = bye();
    session.delegate?.onBye?.(request);
    expect(onBye).toHaveBeenCalledWith(request);
    expect(request.accept).not.toHaveBeenCalled();
    // An ACK before our answer was marked (it cannot come sooner on the wire) confirms quietly.
    session.delegate?.onAck?.({});
    expect(onAck).toHaveBeenCalledTimes(1);
    confirmation.markAnswered();
    expect(confirmation.awaitingAck).toBe(false);
    expect(confirmed).not.toHaveBeenCalled();
  });
});
