import type { CallKeypad } from '../../../src-shared/domain.js';
import type { Settings, SettingsUpdate } from '../../../src-shared/settings.js';

/**
 * How the call screen names the way its keypad digits go, after the digits sent ("Sent: 123,
 * by SIP INFO"): in the words of voip.ms's DTMF mode, so a user whose menu does not react can
 * match it against the sub-account's setting. Null where no digit can go (see
 * {@link KEYPAD_CANNOT_SEND}) or the call's media is not agreed yet.
 */
export function keypadWayWords(keypad: CallKeypad | undefined): string | null {
  switch (keypad) {
    case 'rfc4733':
      return 'as RFC 2833 events';
    case 'sip-info':
      return 'by SIP INFO';
    case 'inband':
      return 'as tones in the audio';
    default:
      return null;
  }
}

/** Said on a call whose keypad can send nothing: the setting asks for events, the call took none. */
export const KEYPAD_CANNOT_SEND =
  'Keypad digits cannot reach the other side: this call took no RFC 2833 events, and your setting sends digits only that way.';

/**
 * The change that lets a call's digits go again: Automatic where the call's account takes its way
 * from (its own, for an account beside the first that has one; else Settings → Calls).
 */
export function keypadFixFor(
  settings: Pick<Settings, 'moreAccounts'>,
  accountId: string | undefined,
): SettingsUpdate {
  const own = settings.moreAccounts.find((more) => more.id === accountId && more.dtmfMethod);
  if (!own) return { dtmfMethod: 'auto' };
  return {
    moreAccounts: settings.moreAccounts.map((more) =>
      more.id === own.id ? { ...more, dtmfMethod: 'auto' } : more,
    ),
  };
}
