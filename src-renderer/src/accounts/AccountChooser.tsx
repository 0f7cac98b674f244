import { useState } from 'react';
import { FIRST_ACCOUNT_ID } from '../../../src-shared/accounts.js';
import type { Store } from '../state/store.js';
import { useStore } from '../state/store.js';
import { REGISTRATION_WORDS } from './account-words.js';
import './accounts.css';

/** The account a call goes out on; shown only when there are two or more. */
export function AccountChooser({
  store,
  accountId,
  onChange,
}: {
  store: Store;
  accountId: string;
  onChange: (accountId: string) => void;
}) {
  const accounts = useStore(store, (s) => s.accounts);
  if (accounts.length < 2) return null;
  return (
    <label className="account-chooser">
      <span>Call from</span>
      <select value={accountId} onChange={(event) => onChange(event.target.value)}>
        {accounts.map((account) => (
          <option key={account.id} value={account.id}>
            {account.label}
            {account.registration.state === 'registered'
              ? ''
              : ` (${REGISTRATION_WORDS[account.registration.state].toLowerCase()})`}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The account a call is placed on again (call back, call again): the one the earlier call was
 * on while it is still there; undefined (the first account) once it was removed.
 */
export function accountStillListed(
  accounts: readonly { id: string }[],
  accountId: string | undefined,
): string | undefined {
  return accounts.some((account) => account.id === accountId) ? accountId : undefined;
}

/** Whether the chosen account (the first when none was chosen) can place a call now. */
export function useAccountRegistered(store: Store, accountId: string): boolean {
  return useStore(store, (s) => {
    const chosen = s.accounts.find((account) => account.id === accountId);
    if (chosen) return chosen.registration.state === 'registered';
    return accountId === FIRST_ACCOUNT_ID && s.registration.state === 'registered';
  });
}

/**
 * The account the dialer calls from, kept while the user moves between pages (as a desk phone
 * keeps its line key); an account removed in Settings falls back to the first.
 */
export function useChosenAccount(store: Store): [string, (accountId: string) => void] {
  const [chosen, choose] = useState(FIRST_ACCOUNT_ID);
  const known = useStore(store, (s) => s.accounts.some((account) => account.id === chosen));
  return [known ? chosen : FIRST_ACCOUNT_ID, choose];
}
