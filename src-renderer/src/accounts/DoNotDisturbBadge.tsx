import { refusingAccountsWords } from '../../../src-shared/do-not-disturb.js';
import { FIRST_ACCOUNT_ID } from '../../../src-shared/accounts.js';
import { useStore, type Store } from '../state/store.js';
import './accounts.css';

/**
 * The header's mark that calls are refused: a phone on do not disturb must not look like one
 * waiting for calls. Shown while any account has it on; pressing it opens the settings where it
 * is turned off (Calls for the first account, Accounts for the others).
 */
export function DoNotDisturbBadge({
  store,
  onOpenSettings,
}: {
  store: Store;
  onOpenSettings: (section: string) => void;
}) {
  const accounts = useStore(store, (s) => s.accounts);
  const words = refusingAccountsWords(accounts);
  if (!words) return null;
  const firstRefuses = accounts.some((a) => a.id === FIRST_ACCOUNT_ID && a.doNotDisturb);
  const section = firstRefuses ? 'calls-settings' : 'accounts-settings';
  return (
    <button
      type="button"
      className="header-badge dnd-badge"
      aria-label={`${words} is on. Open its settings`}
      title={`${words}: incoming calls do not ring`}
      onClick={() => onOpenSettings(section)}
    >
      <span aria-hidden="true">⊘</span> DND
    </button>
  );
}
