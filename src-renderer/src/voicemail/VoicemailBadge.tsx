import { voicemailLabel, voicemailWaiting } from '../../../src-shared/voicemail-words.js';
import { useStore, type Store } from '../state/store.js';
import './voicemail.css';

/**
 * The header's mailbox: how many new voicemails the provider reports, shown only once it has
 * reported something. Pressing it dials the mailbox, as the dialer's Voicemail button does.
 */
export function VoicemailBadge({ store, onOpen }: { store: Store; onOpen: () => void }) {
  const voicemail = useStore(store, (s) => s.voicemail);
  const label = voicemailLabel(voicemail);
  if (!voicemail || !label) return null;
  const waiting = voicemailWaiting(voicemail);
  const count = voicemail.newMessages;
  return (
    <button
      type="button"
      className={waiting ? 'voicemail-badge waiting' : 'voicemail-badge'}
      aria-label={`${label}. Open the dialer`}
      title={label}
      onClick={onOpen}
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
