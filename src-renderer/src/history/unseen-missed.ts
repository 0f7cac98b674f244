import { useEffect, useState } from 'react';
import { useStore, type Store } from '../state/store.js';
import { missedSince } from './history-model.js';

/** Where the page keeps when History was last on screen, across restarts. */
const SEEN_KEY = 'natter.historySeenAt';

function storedSeenAt(): number | null {
  try {
    const stored = Number(localStorage.getItem(SEEN_KEY));
    return Number.isFinite(stored) && stored > 0 ? stored : null;
  } catch {
    return null;
  }
}

function storeSeenAt(at: number): void {
  try {
    localStorage.setItem(SEEN_KEY, String(at));
  } catch {
    // A page without storage forgets at its next start; the count is still right until then.
  }
}

/**
 * The missed calls not yet seen on History, for the tab's count: while History is on screen
 * every call on it counts as seen. A first start counts from then, not from calls in the file
 * before there was a count.
 */
export function useUnseenMissed(store: Store, historyShown: boolean): number {
  const history = useStore(store, (s) => s.history);
  const [seenAt, setSeenAt] = useState(() => {
    const stored = storedSeenAt();
    if (stored !== null) return stored;
    const now = Date.now();
    storeSeenAt(now);
    return now;
  });
  useEffect(() => {
    if (!historyShown) return;
    const now = Date.now();
    setSeenAt(now);
    storeSeenAt(now);
  }, [historyShown, history]);
  return historyShown ? 0 : missedSince(history, seenAt);
}
