import { Inviter, SessionState, type Session } from 'sip.js';

/** The dialog an incoming INVITE's Replaces header names, as far as RFC 3891 §3 asks. */
export interface ReplacedDialog {
  /** Not yet answered: an INVITE that has had a provisional response only. */
  early: boolean;
  /** This UA sent the INVITE that made the dialog (an outgoing call of ours). */
  initiatedHere: boolean;
}

/**
 * What becomes of an INVITE with Replaces (RFC 3891 §3):
 *
 * ```
 *   names no dialog of ours ─────────────────────────────► refuse 481
 *   names a confirmed dialog ── early-only ──────────────► refuse 486
 *                            └─ otherwise ───────────────► answer it, BYE the replaced dialog
 *   names an early dialog ───── that we initiated ───────► answer it, CANCEL the replaced INVITE
 *                            └─ that the far end did ────► refuse 481, the ringing call untouched
 * ```
 */
export type ReplacesVerdict =
  | { action: 'replace'; end: 'bye' | 'cancel' }
  | { action: 'refuse'; status: 481 | 486; why: string };

/** An INVITE whose Replaces names no dialog of ours. */
export const NO_SUCH_DIALOG: Extract<ReplacesVerdict, { action: 'refuse' }> = {
  action: 'refuse',
  status: 481,
  why: 'it names no call of ours',
};

export function replacesVerdict(
  dialog: ReplacedDialog | null,
  earlyOnly: boolean,
): ReplacesVerdict {
  if (!dialog) return NO_SUCH_DIALOG;
  if (!dialog.early) {
    return earlyOnly
      ? { action: 'refuse', status: 486, why: 'it may replace only a call not yet answered' }
      : { action: 'replace', end: 'bye' };
  }
  if (dialog.initiatedHere) return { action: 'replace', end: 'cancel' };
  return { action: 'refuse', status: 481, why: 'it names a call still ringing here' };
}

/**
 * The dialog sip.js matched to an INVITE's Replaces (its `replacee`, the session whose dialog
 * has that Call-ID and tags), or null when the session has ended or is ending.
 */
export function replacedDialogOf(replacee: Session): ReplacedDialog | null {
  switch (replacee.state) {
    case SessionState.Initial:
    case SessionState.Establishing:
      return { early: true, initiatedHere: replacee instanceof Inviter };
    case SessionState.Established:
      return { early: false, initiatedHere: replacee instanceof Inviter };
    default:
      return null;
  }
}
