/**
 * The name the screens show for a number: the address book's contact when one has it, else the
 * name the call carried (the caller's display name), else null for the number alone.
 */
import { useStore, type Store } from '../state/store.js';

export function useContactName(
  store: Store,
  number: string,
  presented: string | null,
): string | null {
  return useStore(store, (s) => s.contacts.nameFor(number, presented));
}
