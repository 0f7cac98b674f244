import type { Voicemail } from '../../../src-shared/domain.js';
import { voicemailWaiting } from '../../../src-shared/voicemail-words.js';
import './voicemail.css';

/** One account's mailbox in the account list ("2 new voicemails"); nothing before a report. */
export function AccountVoicemail({
  voicemail,
  number,
}: {
  voicemail: Voicemail | null | undefined;
  /** What its Voicemail button dials. */
  number: string;
}) {
  if (!voicemail) return null;
  const count = voicemail.newMessages;
  const words = !voicemailWaiting(voicemail)
    ? 'No new voicemail'
    : count === null
      ? 'New voicemail'
      : `${count} new voicemail${count === 1 ? '' : 's'}`;
  return (
    <span
      className={voicemailWaiting(voicemail) ? 'account-voicemail waiting' : 'account-voicemail'}
    >
      <span aria-hidden="true">✉ </span>
      {words} · mailbox {number}
    </span>
  );
}
