import { describe, expect, it } from 'vitest';
import { keyAction, type PressedKey } from '../../../src-renderer/src/call/call-keys.js';

describe('the phone keyboard', () => {
  const body = { tagName: 'BODY' };
  const press = (key: string, target: PressedKey['target'] = body, ctrlKey = false) => ({
    key,
    ctrlKey,
    metaKey: false,
    altKey: false,
    target,
  });

  it('types digits into the dialer from anywhere on the page, but not from another field', () => {
    expect(keyAction(press('7'), 'dialer')).toEqual({ kind: 'type', digit: '7' });
    expect(keyAction(press('#', { tagName: 'BUTTON' }), 'dialer')).toEqual({
      kind: 'type',
      digit: '#',
    });
    expect(keyAction(press('+'), 'dialer')).toEqual({ kind: 'type', digit: '+' });
    expect(keyAction(press('7', { tagName: 'INPUT' }), 'dialer')).toBeNull();
    expect(keyAction(press('7', { tagName: 'DIV', isContentEditable: true }), 'dialer')).toBeNull();
    expect(keyAction(press('a'), 'dialer')).toBeNull();
    expect(keyAction(press('Backspace'), 'dialer')).toEqual({ kind: 'erase' });
    expect(keyAction(press('Backspace', { tagName: 'INPUT' }), 'dialer')).toBeNull();
  });

  it('calls with Enter, and answers an incoming call with it, unless a button has the focus', () => {
    expect(keyAction(press('Enter'), 'dialer')).toEqual({ kind: 'dial' });
    expect(keyAction(press('Enter'), 'incoming')).toEqual({ kind: 'answer' });
    // Enter on a focused button presses that button (Decline, a recent call), nothing more.
    expect(keyAction(press('Enter', { tagName: 'BUTTON' }), 'incoming')).toBeNull();
    expect(keyAction(press('Enter', { tagName: 'button' }), 'dialer')).toBeNull();
    // In the number field the form's own submit dials: no second call.
    expect(keyAction(press('Enter', { tagName: 'INPUT' }), 'dialer')).toBeNull();
    expect(keyAction(press('Enter'), 'call')).toBeNull();
  });

  it('hangs up, cancels, declines or dismisses with Esc, wherever the focus is', () => {
    const onButton = { tagName: 'BUTTON' };
    expect(keyAction(press('Escape', onButton), 'call')).toEqual({ kind: 'hangup' });
    expect(keyAction(press('Escape'), 'outgoing')).toEqual({ kind: 'hangup' });
    expect(keyAction(press('Escape', onButton), 'incoming')).toEqual({ kind: 'decline' });
    expect(keyAction(press('Escape'), 'ended')).toEqual({ kind: 'dismiss' });
    expect(keyAction(press('Escape'), 'dialer')).toBeNull();
  });

  it('mutes with Ctrl+M during a call only; Cmd+M and Alt+M are left to the system', () => {
    expect(keyAction(press('m', body, true), 'call')).toEqual({ kind: 'toggle-mute' });
    expect(keyAction(press('M', { tagName: 'BUTTON' }, true), 'call')).toEqual({
      kind: 'toggle-mute',
    });
    expect(keyAction(press('m', body, true), 'outgoing')).toBeNull();
    expect(keyAction(press('m', body, true), 'dialer')).toBeNull();
    expect(keyAction({ ...press('m'), metaKey: true }, 'call')).toBeNull();
    expect(keyAction({ ...press('m'), altKey: true }, 'call')).toBeNull();
    expect(keyAction(press('m'), 'call')).toBeNull();
  });

  it('sends keypad tones for digits during a call, not before it is answered', () => {
    expect(keyAction(press('5'), 'call')).toEqual({ kind: 'dtmf', digit: '5' });
    expect(keyAction(press('*'), 'call')).toEqual({ kind: 'dtmf', digit: '*' });
    expect(keyAction(press('+'), 'call')).toBeNull();
    expect(keyAction(press('5', { tagName: 'SELECT' }), 'call')).toBeNull();
    expect(keyAction(press('5'), 'outgoing')).toBeNull();
    expect(keyAction(press('5', body, true), 'call')).toBeNull();
  });
});
