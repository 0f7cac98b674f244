import { useState } from 'react';
import { dialTargetSchema } from '../../../src-shared/engine-contract.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../src-shared/settings.js';
import { saveSettings } from '../settings/save-settings.js';
import type { Store } from '../state/store.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import './voicemail.css';

/** The number the Voicemail button dials, checked as any number dialled is. */
export function VoicemailSettings({ store, settings }: { store: Store; settings: Settings }) {
  const [number, setNumber] = useState(settings.voicemailNumber);
  const [error, setError] = useState<string | null>(null);
  const [note, confirm] = useConfirmation();
  const save = async () => {
    const typed = number.trim();
    if (!dialTargetSchema.safeParse(typed).success) {
      setError('Use digits, * and # (up to 64), as you would dial them.');
      return;
    }
    setError(null);
    const result = await saveSettings(store, { voicemailNumber: typed });
    if ('settings' in result) confirm(`Saved: the Voicemail button calls ${typed}`);
    else confirm(`Not saved: ${result.error}`, 'failed');
  };
  return (
    <form
      className="settings-voicemail"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <Field
        label="Voicemail number"
        hint={`What the Voicemail button calls. voip.ms: ${DEFAULT_SETTINGS.voicemailNumber}.`}
        error={error}
      >
        {(control) => (
          <input
            {...control}
            inputMode="tel"
            autoComplete="off"
            value={number}
            onChange={(event) => setNumber(event.target.value)}
          />
        )}
      </Field>
      <div className="settings-submit">
        <button type="submit" disabled={number.trim() === settings.voicemailNumber}>
          Save voicemail number
        </button>
        <Confirmation note={note} />
      </div>
    </form>
  );
}
