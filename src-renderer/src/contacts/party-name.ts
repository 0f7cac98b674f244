import { accountSettingOf, FIRST_ACCOUNT_ID } from '../../../src-shared/accounts.js';
import type { ContactIndex } from '../../../src-shared/contacts.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { Settings } from '../../../src-shared/settings.js';

export const VOICEMAIL_NAME = 'Voicemail';

export type NamedCall = Pick<CallInfo, 'direction' | 'remote' | 'remoteDisplayName' | 'accountId'>;

/**
 * The name the screens show for a call's other party: "Voicemail" for a call to its account's
 * voicemail number (`*97` says nothing to most people), the address book's contact when one has
 * the number, else the name the call carried (the caller's display name), else null for the
 * number alone.
 */
export function callPartyName(
  call: NamedCall,
  contacts: ContactIndex,
  settings: Settings | null,
): string | null {
  if (call.direction === 'outgoing' && settings) {
    const voicemail = accountSettingOf(
      settings,
      call.accountId ?? FIRST_ACCOUNT_ID,
      'voicemailNumber',
    );
    if (voicemail && call.remote === voicemail) return VOICEMAIL_NAME;
  }
  return contacts.nameFor(call.remote, call.remoteDisplayName);
}
