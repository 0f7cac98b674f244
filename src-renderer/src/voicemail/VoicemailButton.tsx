import { voicemailWaiting } from '../../../src-shared/voicemail-words.js';
import { useStore, type Store } from '../state/store.js';
import './voicemail.css';

/** The dialer's Voicemail button: calls the mailbox number from Settings (voip.ms: *97). */
export function VoicemailButton({ store }: { store: Store }) {
  const registered = useStore(store, (s) => s.registration.state === 'registered');
  const number = useStore(store, (s) => s.settings?.voicemailNumber ?? null);
  const voicemail = useStore(store, (s) => s.voicemail);
  const count = voicemail?.newMessages ?? null;
  const waiting = voicemailWaiting(voicemail);
  const dial = () => {
    if (number) void store.act(() => store.bridge.invoke('call', { target: number }));
  };
  return (
    <button
      type="button"
      className="voicemail-button"
      disabled={!registered || !number}
      onClick={dial}
      aria-label={
        waiting && count !== null
          ? `Voicemail, ${count} new: call ${number ?? 'the mailbox'}`
          : `Voicemail: call ${number ?? 'the mailbox'}`
      }
    >
      <span aria-hidden="true">✉</span> Voicemail
      {waiting && count !== null && <span className="voicemail-count">{count}</span>}
    </button>
  );
}
