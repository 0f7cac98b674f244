import { useState } from 'react';
import type { Store } from '../state/store.js';
import { saveSettings } from '../settings/save-settings.js';
import { DTMF_METHOD_WORDS } from '../settings/settings-model.js';
import { KEYPAD_CANNOT_SEND, keypadFixFor } from './keypad-words.js';

/**
 * On a call whose keypad can send nothing (RFC 2833 only, and the call took no events): the
 * reason, and the one change that sends this call's digits at once (Automatic falls back to SIP
 * INFO) where the call's account takes its way from, so a user stuck in a menu need not leave
 * the call for Settings.
 */
export function KeypadCannotSend({ store, accountId }: { store: Store; accountId?: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  const switchToAutomatic = async () => {
    const settings = store.getState().settings;
    if (!settings) return;
    const result = await saveSettings(store, keypadFixFor(settings, accountId));
    setProblem('error' in result ? result.error : null);
  };
  return (
    <div className="keypad-cannot-send" role="status">
      <p>{KEYPAD_CANNOT_SEND}</p>
      <button type="button" onClick={() => void switchToAutomatic()}>
        Switch to {DTMF_METHOD_WORDS.auto.choice} (by SIP INFO)
      </button>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
