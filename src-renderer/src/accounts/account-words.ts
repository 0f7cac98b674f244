/** How the screens name accounts and their registration. */
import { FIRST_ACCOUNT_ID, type AccountStatus } from '../../../src-shared/accounts.js';
import type { RegistrationState } from '../../../src-shared/domain.js';
import { displayNumberOf } from '../../../src-shared/number-display.js';

export const REGISTRATION_WORDS: Record<RegistrationState, string> = {
  unregistered: 'Not registered',
  registering: 'Registering…',
  registered: 'Registered',
  failed: 'Not registered',
};

/** The title of a button that calls `number`: what it calls, or why it cannot now. */
export function callButtonTitle(canCall: boolean, number: string): string {
  return canCall ? `Call ${displayNumberOf(number)}` : 'Not registered: calls cannot go out';
}

/**
 * The label of the account a call or History entry is on, for showing beside it: null while the
 * phone runs one account (nothing to tell apart), and for an account since removed.
 */
export function accountLabelOf(
  accounts: readonly AccountStatus[],
  accountId: string | undefined,
): string | null {
  if (accounts.length < 2) return null;
  return accounts.find((account) => account.id === (accountId ?? FIRST_ACCOUNT_ID))?.label ?? null;
}
