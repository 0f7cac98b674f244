import { useEffect, useRef, type MouseEvent, type PointerEvent } from 'react';

/** How long a press must last to count as a hold, as phones' keypads take it. */
const HOLD_MS = 600;

/**
 * A button that does one thing when pressed and another when held (a phone's 0 held for +, ⌫
 * held to clear the number): the hold acts while the pointer is still down, and the click its
 * release brings is swallowed. Enter and Space are always the short press.
 */
export function useLongPress(onPress: () => void, onHold: (() => void) | undefined) {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const held = useRef(false);
  const cancel = () => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  };
  useEffect(() => cancel, []);
  if (!onHold) return { onClick: onPress };
  return {
    onPointerDown: (event: PointerEvent) => {
      if (event.button !== 0) return;
      held.current = false;
      cancel();
      timer.current = setTimeout(() => {
        timer.current = null;
        held.current = true;
        onHold();
      }, HOLD_MS);
    },
    onPointerUp: cancel,
    onPointerLeave: cancel,
    onPointerCancel: cancel,
    onClick: () => {
      if (held.current) {
        held.current = false;
        return;
      }
      onPress();
    },
    // A touch held down opens the context menu on some systems: not while it is a hold.
    onContextMenu: (event: MouseEvent) => {
      if (held.current || timer.current !== null) event.preventDefault();
    },
  };
}
