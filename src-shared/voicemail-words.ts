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

/** One account's mailbox, named as the account list names the account. */
export interface Mailbox {
  label: string;
  voicemail: Voicemail | null;
}

/** Sums counts that are all known; one unknown count makes the sum unknown. */
function sumOf(counts: readonly (number | null)[]): number | null {
  return counts.some((count) => count === null)
    ? null
    : counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
}

/**
 * Every account's mailbox as one: messages wait when any account's do, and a count is the sum
 * of the accounts' counts (unknown when one account said only whether messages wait). Null
 * before any account reported.
 */
export function totalVoicemail(mailboxes: readonly Mailbox[]): Voicemail | null {
  const reports = mailboxes.flatMap(({ voicemail }) => (voicemail ? [voicemail] : []));
  if (reports.length === 0) return null;
  return {
    waiting: reports.some((report) => report.waiting),
    newMessages: sumOf(reports.map((report) => report.newMessages)),
    oldMessages: sumOf(reports.map((report) => report.oldMessages)),
    urgentNew: sumOf(reports.map((report) => report.urgentNew)),
    urgentOld: sumOf(reports.map((report) => report.urgentOld)),
    at: reports
      .map((report) => report.at)
      .sort()
      .at(-1)!,
  };
}

/**
 * What the mailboxes hold, for the tray menu and the header's tooltip: with one account as
 * {@link voicemailLabel} says it, with several each account with news named ("Voicemail: 2 new
 * (Home), 1 new (Office)"). Null before any report.
 */
export function mailboxesLabel(mailboxes: readonly Mailbox[]): string | null {
  if (mailboxes.length === 1) return voicemailLabel(mailboxes[0]!.voicemail);
  const total = totalVoicemail(mailboxes);
  if (!total) return null;
  const news = mailboxes.flatMap(({ label, voicemail }) => {
    if (!voicemail || !voicemailWaiting(voicemail)) return [];
    const count = voicemail.newMessages;
    return [`${count === null ? 'new messages' : `${count} new`} (${label})`];
  });
  return news.length === 0 ? 'Voicemail: no new messages' : `Voicemail: ${news.join(', ')}`;
}
