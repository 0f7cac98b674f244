import { useStore, type Store } from '../state/store.js';
import { callPartyName, type NamedCall } from './party-name.js';

/** The name the screens show for a call's other party (./party-name.ts), as the store has it now. */
export function useCallPartyName(store: Store, call: NamedCall): string | null {
  return useStore(store, (s) => callPartyName(call, s.contacts, s.settings));
}
