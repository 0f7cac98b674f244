import type { AccountStatus } from '../../../src-shared/accounts.js';
import type { Voicemail } from '../../../src-shared/domain.js';
import { voicemailWaiting, type Mailbox } from '../../../src-shared/voicemail-words.js';

/**
 * Each account's mailbox from the account list; before the list arrives, the one count the
 * snapshot gave.
 */
export function mailboxesOf(
  accounts: readonly AccountStatus[],
  snapshotVoicemail: Voicemail | null,
): Mailbox[] {
  if (accounts.length === 0) return [{ label: '', voicemail: snapshotVoicemail }];
  return accounts.map(({ label, voicemail }) => ({ label, voicemail: voicemail ?? null }));
}

/**
 * The account whose mailbox the header's badge leads to: the one already chosen when it has new
 * messages (the user may be about to call it), else the first in the list that has some; null
 * when none has, so the dialer keeps its choice.
 */
export function accountWithNews(
  accounts: readonly AccountStatus[],
  chosenAccountId: string | null,
): string | null {
  const withNews = accounts.filter(({ voicemail }) => voicemailWaiting(voicemail ?? null));
  if (withNews.some(({ id }) => id === chosenAccountId)) return chosenAccountId;
  return withNews[0]?.id ?? null;
}
