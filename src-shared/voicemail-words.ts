import type { Voicemail } from './domain.js';

/** What the mailbox holds, in the words the tray menu and the header use; null before a report. */
export function voicemailLabel(voicemail: Voicemail | null): string | null {
  if (!voicemail) return null;
  const { newMessages, waiting } = voicemail;
  if (newMessages === null)
    return waiting ? 'Voicemail: new messages' : 'Voicemail: no new messages';
  if (newMessages === 0) return 'Voicemail: no new messages';
  return `Voicemail: ${newMessages} new message${newMessages === 1 ? '' : 's'}`;
}

/** Whether the mailbox has anything new to show a badge for. */
export function voicemailWaiting(voicemail: Voicemail | null): boolean {
  if (!voicemail) return false;
  return voicemail.newMessages === null ? voicemail.waiting : voicemail.newMessages > 0;
}
