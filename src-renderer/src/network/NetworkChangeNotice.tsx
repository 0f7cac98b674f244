import { useStore, type Store } from '../state/store.js';

/**
 * One line under the header while the engine heals a network change, on every page and during
 * a call: the header's pill has room for a few words only.
 */
export function NetworkChangeNotice({ store }: { store: Store }) {
  const reconnecting = useStore(store, (s) => s.nat?.networkChange?.state === 'reconnecting');
  if (!reconnecting) return null;
  return (
    <p className="network-change-notice" role="status">
      <strong>Network changed, reconnecting…</strong>
      <span>Signing in again from the new network; a call in progress moves over with it.</span>
    </p>
  );
}
