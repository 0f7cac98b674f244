import {
  mailboxesLabel,
  totalVoicemail,
  voicemailWaiting,
} from '../../../src-shared/voicemail-words.js';
import { useStore, type Store } from '../state/store.js';
import { accountWithNews, mailboxesOf } from './mailboxes.js';
import './voicemail.css';

/**
 * The header's mailbox: how many new voicemails the provider reports, every account's together,
 * shown only once one has reported something; its tooltip says which account has what. Pressing
 * it opens the dialer on the account with new messages, whose mailbox its Voicemail button calls.
 */
export function VoicemailBadge({
  store,
  chosenAccountId,
  onOpen,
}: {
  store: Store;
  /** The account the dialer calls from now. */
  chosenAccountId: string;
  /** Opens the dialer, on `accountId` when one has new messages. */
  onOpen: (accountId: string | null) => void;
}) {
  const accounts = useStore(store, (s) => s.accounts);
  const reported = useStore(store, (s) => s.voicemail);
  const mailboxes = mailboxesOf(accounts, reported);
  const voicemail = totalVoicemail(mailboxes);
  const label = mailboxesLabel(mailboxes);
  if (!voicemail || !label) return null;
  const waiting = voicemailWaiting(voicemail);
  const count = voicemail.newMessages;
  return (
    <button
      type="button"
      className={waiting ? 'header-badge voicemail-badge waiting' : 'header-badge voicemail-badge'}
      aria-label={`${label}. Open the dialer`}
      title={label}
      onClick={() => onOpen(accountWithNews(accounts, chosenAccountId))}
    >
      <span className="voicemail-icon" aria-hidden="true">
        ✉
      </span>
      {waiting && (
        <span className="voicemail-count" aria-hidden="true">
          {count === null ? '•' : count > 99 ? '99+' : count}
        </span>
      )}
    </button>
  );
}
