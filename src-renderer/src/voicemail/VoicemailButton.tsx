import { accountSettingOf } from '../../../src-shared/accounts.js';
import { voicemailWaiting } from '../../../src-shared/voicemail-words.js';
import { useAccountRegistered } from '../accounts/AccountChooser.js';
import { useStore, type Store } from '../state/store.js';
import { mailboxesOf } from './mailboxes.js';
import './voicemail.css';

/**
 * The dialer's Voicemail button: calls the mailbox of the account chosen to call from, from that
 * account (its own voicemail number, else the one in Settings; voip.ms: *97), with that
 * account's count of new messages.
 */
export function VoicemailButton({ store, accountId }: { store: Store; accountId: string }) {
  const registered = useAccountRegistered(store, accountId);
  const settings = useStore(store, (s) => s.settings);
  const accounts = useStore(store, (s) => s.accounts);
  const reported = useStore(store, (s) => s.voicemail);
  const index = Math.max(
    0,
    accounts.findIndex((account) => account.id === accountId),
  );
  const voicemail = mailboxesOf(accounts, reported)[index]?.voicemail ?? null;
  const number = settings ? accountSettingOf(settings, accountId, 'voicemailNumber') : null;
  const count = voicemail?.newMessages ?? null;
  const waiting = voicemailWaiting(voicemail);
  // With several accounts the label says whose mailbox this is.
  const whose = accounts.length > 1 ? ` from ${accounts[index]?.label ?? 'this account'}` : '';
  const dial = () => {
    if (number) {
      void store.act(() => store.bridge.invoke('call', { target: number, accountId }));
    }
  };
  return (
    <button
      type="button"
      className="voicemail-button"
      disabled={!registered || !number}
      onClick={dial}
      aria-label={
        waiting && count !== null
          ? `Voicemail, ${count} new: call ${number ?? 'the mailbox'}${whose}`
          : `Voicemail: call ${number ?? 'the mailbox'}${whose}`
      }
    >
      <span aria-hidden="true">✉</span> Voicemail
      {waiting && count !== null && <span className="voicemail-count">{count}</span>}
    </button>
  );
}
