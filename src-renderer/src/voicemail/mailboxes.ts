import type { AccountStatus } from '../../../src-shared/accounts.js';
import type { Voicemail } from '../../../src-shared/domain.js';
import type { Mailbox } from '../../../src-shared/voicemail-words.js';

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
