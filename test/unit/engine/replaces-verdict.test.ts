import { Invitation, Inviter, SessionState, type Session } from 'sip.js';
import { describe, expect, it } from 'vitest';
import { CallTransfers, type TransferHost } from '../../../src-main/engine/call-transfer.js';
import { replacedDialogOf, replacesVerdict } from '../../../src-main/engine/replaces-verdict.js';

/** A session of sip.js's own class in `state`, as `replacee` hands it over (nothing else used). */
function session(kind: typeof Inviter | typeof Invitation, state: SessionState): Session {
  const made = Object.create(kind.prototype as object) as Session;
  Object.defineProperty(made, 'state', { value: state });
  return made;
}

describe('replacesVerdict: what an INVITE with Replaces does (RFC 3891 §3)', () => {
  it('a confirmed dialog is replaced, its call ended with BYE; early-only refuses it 486', () => {
    const confirmed = { early: false, initiatedHere: true };
    expect(replacesVerdict(confirmed, false)).toEqual({ action: 'replace', end: 'bye' });
    expect(replacesVerdict({ ...confirmed, initiatedHere: false }, false)).toEqual({
      action: 'replace',
      end: 'bye',
    });
    expect(replacesVerdict(confirmed, true)).toMatchObject({ action: 'refuse', status: 486 });
  });

  it('an early dialog we initiated is replaced, our INVITE CANCELled (early-only or not)', () => {
    const ours = { early: true, initiatedHere: true };
    expect(replacesVerdict(ours, false)).toEqual({ action: 'replace', end: 'cancel' });
    expect(replacesVerdict(ours, true)).toEqual({ action: 'replace', end: 'cancel' });
  });

  it('an early dialog the far end initiated (a call ringing here) is refused 481', () => {
    const theirs = { early: true, initiatedHere: false };
    expect(replacesVerdict(theirs, false)).toMatchObject({ action: 'refuse', status: 481 });
    expect(replacesVerdict(theirs, true)).toMatchObject({ action: 'refuse', status: 481 });
  });

  it('no dialog: 481', () => {
    expect(replacesVerdict(null, false)).toMatchObject({ action: 'refuse', status: 481 });
  });
});

describe('replacedDialogOf: the dialog of the session sip.js matched', () => {
  it('our call ringing is early and ours; a call ringing here is early and theirs', () => {
    expect(replacedDialogOf(session(Inviter, SessionState.Establishing))).toEqual({
      early: true,
      initiatedHere: true,
    });
    expect(replacedDialogOf(session(Invitation, SessionState.Initial))).toEqual({
      early: true,
      initiatedHere: false,
    });
  });

  it('a connected call is confirmed, whoever placed it; an ending one is no dialog', () => {
    expect(replacedDialogOf(session(Invitation, SessionState.Established))).toEqual({
      early: false,
      initiatedHere: false,
    });
    expect(replacedDialogOf(session(Inviter, SessionState.Established))?.early).toBe(false);
    expect(replacedDialogOf(session(Inviter, SessionState.Terminating))).toBeNull();
    expect(replacedDialogOf(session(Invitation, SessionState.Terminated))).toBeNull();
  });
});

describe('CallTransfers.replacement: an incoming INVITE judged for its Replaces', () => {
  const ours = new Map<Session, string>();
  const host = { callIdOf: (s: Session) => ours.get(s) ?? null } as unknown as TransferHost;
  const transfers = new CallTransfers(host);
  const invite = (replaces: object | undefined, replacee?: Session) => ({
    replacee,
    request: { parseHeader: (name: string) => (name === 'replaces' ? replaces : undefined) },
  });
  const header = { call_id: 'c', replaces_to_tag: 't', replaces_from_tag: 'f' };

  it('no Replaces header: nothing to judge, the call rings as any', () => {
    expect(transfers.replacement(invite(undefined) as never)).toBeNull();
  });

  it('names the call it takes over, and how that call ends', () => {
    const ringing = session(Inviter, SessionState.Establishing);
    const talking = session(Invitation, SessionState.Established);
    ours.set(ringing, 'call-1').set(talking, 'call-2');
    expect(transfers.replacement(invite(header, ringing) as never)).toEqual({
      action: 'replace',
      end: 'cancel',
      callId: 'call-1',
    });
    expect(transfers.replacement(invite(header, talking) as never)).toEqual({
      action: 'replace',
      end: 'bye',
      callId: 'call-2',
    });
    expect(
      transfers.replacement(invite({ ...header, early_only: true }, talking) as never),
    ).toMatchObject({ action: 'refuse', status: 486 });
  });

  it('a session that is no call of ours, or none at all: 481', () => {
    const stranger = session(Invitation, SessionState.Established);
    expect(transfers.replacement(invite(header, stranger) as never)).toMatchObject({
      action: 'refuse',
      status: 481,
    });
    expect(transfers.replacement(invite(header) as never)).toMatchObject({
      action: 'refuse',
      status: 481,
    });
  });
});
