/**
 * The phone's keyboard, as a softphone user expects it (MicroSIP, Zoiper): digits dial, Enter
 * calls or answers, Esc hangs up or declines, Ctrl+M mutes. Pure: a key and where it was pressed
 * in, an action out; the screens only carry the action out.
 */

/** What of a keyboard event decides the action. */
export interface PressedKey {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The element the key went to (`event.target`), for what it would do there by itself. */
  target: { tagName: string; isContentEditable?: boolean } | null;
}

/** Which screen the key was pressed on. */
export type KeyScreen =
  /** The dialer, no call in progress. */
  | 'dialer'
  /** An incoming call waiting to be answered. */
  | 'incoming'
  /** An outgoing call not answered yet (calling, ringing, early media). */
  | 'outgoing'
  /** A call in progress (connected or on hold). */
  | 'call'
  /** The few seconds that show how a call ended. */
  | 'ended';

export type KeyAction =
  | { kind: 'type'; digit: string }
  | { kind: 'erase' }
  | { kind: 'dial' }
  | { kind: 'answer' }
  | { kind: 'decline' }
  | { kind: 'hangup' }
  | { kind: 'toggle-mute' }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'dismiss' };

/** The keypad's keys (RFC 4733 events 0–11). */
const KEYPAD_KEY = /^[0-9*#]$/;
/** The dialer also takes the `+` of an international number. */
const DIAL_KEY = /^[0-9*#+]$/;

/** Fields and lists keep their own keys: typing there is not dialing. */
function isTextEntry(target: PressedKey['target']): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName.toUpperCase());
}

/** Enter and Space on a button press that button: the page must not act on them too. */
function isControl(target: PressedKey['target']): boolean {
  if (!target) return false;
  return ['BUTTON', 'A', 'SUMMARY'].includes(target.tagName.toUpperCase()) || isTextEntry(target);
}

/** The action a key stands for on a screen, or null to leave the key to the browser. */
export function keyAction(pressed: PressedKey, screen: KeyScreen): KeyAction | null {
  const { key } = pressed;
  // Ctrl+M only: Cmd+M minimises the window on macOS, and Alt combinations belong to menus.
  if (pressed.ctrlKey && !pressed.metaKey && !pressed.altKey && key.toLowerCase() === 'm') {
    return screen === 'call' ? { kind: 'toggle-mute' } : null;
  }
  if (pressed.ctrlKey || pressed.metaKey || pressed.altKey) return null;
  // Esc works from anywhere on a call screen, even from a focused button.
  if (key === 'Escape') {
    switch (screen) {
      case 'incoming':
        return { kind: 'decline' };
      case 'outgoing':
      case 'call':
        return { kind: 'hangup' };
      case 'ended':
        return { kind: 'dismiss' };
      default:
        return null;
    }
  }
  if (key === 'Enter') {
    if (isControl(pressed.target)) return null;
    if (screen === 'dialer') return { kind: 'dial' };
    if (screen === 'incoming') return { kind: 'answer' };
    return null;
  }
  if (isTextEntry(pressed.target)) return null;
  if (screen === 'dialer') {
    if (DIAL_KEY.test(key)) return { kind: 'type', digit: key };
    if (key === 'Backspace') return { kind: 'erase' };
    return null;
  }
  if (screen === 'call' && KEYPAD_KEY.test(key)) return { kind: 'dtmf', digit: key };
  return null;
}
