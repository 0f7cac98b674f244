import { useState } from 'react';
import type { Settings } from '../../../src-shared/settings.js';
import type { Store } from '../state/store.js';

/**
 * How the phone takes calls: "Do not disturb" answers every incoming call with 486 Busy Here
 * (the caller hears busy, History keeps it as a missed call). Saved the moment it changes.
 */
export function CallSettings({ store, settings }: { store: Store; settings: Settings }) {
  // The box follows the click at once; a save that fails puts it back.
  const [doNotDisturb, setShown] = useState(settings.doNotDisturb);
  const setDoNotDisturb = async (on: boolean) => {
    setShown(on);
    const result = await store.act(() => store.bridge.invoke('saveSettings', { doNotDisturb: on }));
    if (result) store.setSettings(result);
    setShown(result ? result.doNotDisturb : settings.doNotDisturb);
  };
  return (
    <fieldset id="call-settings">
      <legend>Calls</legend>
      <label className="settings-check">
        <input
          type="checkbox"
          checked={doNotDisturb}
          aria-describedby="dnd-hint"
          onChange={(event) => void setDoNotDisturb(event.target.checked)}
        />
        Do not disturb
      </label>
      <p id="dnd-hint" className="settings-hint">
        Callers hear busy and the phone stays silent; History lists them as missed calls.
      </p>
    </fieldset>
  );
}
