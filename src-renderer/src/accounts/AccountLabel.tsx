import type { Store } from '../state/store.js';
import { useStore } from '../state/store.js';
import { accountLabelOf } from './account-words.js';

/** "on Office": which account a call is on, shown once the phone runs more than one. */
export function AccountLabel({
  store,
  accountId,
}: {
  store: Store;
  accountId: string | undefined;
}) {
  const label = useStore(store, (s) => accountLabelOf(s.accounts, accountId));
  if (!label) return null;
  return <p className="account-label">on {label}</p>;
}
