import type { Settings, SettingsUpdate } from '../../../src-shared/settings.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import { Switch } from '../ui/Switch.js';
import type { Store } from '../state/store.js';
import { saveSettings } from './save-settings.js';
import { DTMF_METHOD_WORDS, THEME_WORDS } from './settings-model.js';
import type { SettingsSectionProps } from './section-props.js';
import { VoicemailSettings } from '../voicemail/VoicemailSettings.js';
import { DoNotDisturbSettings } from './DoNotDisturbSettings.js';

type SwitchKey = 'registrarFailover' | 'closeToTray' | 'startAtLogin';

/** One on/off setting saved as soon as it is flipped, its confirmation beside it. */
function SettingSwitch({
  store,
  settings,
  setting,
  label,
  hint,
  saidOn,
  saidOff,
}: {
  store: Store;
  settings: Settings;
  setting: SwitchKey;
  label: string;
  hint: string;
  saidOn: string;
  saidOff: string;
}) {
  const [note, confirm] = useConfirmation();
  const change = async (on: boolean) => {
    const update: SettingsUpdate = { [setting]: on };
    const result = await saveSettings(store, update);
    if ('settings' in result) confirm(on ? saidOn : saidOff);
    else confirm(`Not saved: ${result.error}`, 'failed');
  };
  return (
    <div className="settings-switch-row">
      <Switch
        label={label}
        checked={settings[setting]}
        onChange={(on) => void change(on)}
        hint={hint}
      />
      <Confirmation note={note} />
    </div>
  );
}

/** How calls are taken: do not disturb, and which server takes them when ours goes silent. */
export function CallSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  return (
    <div className="settings-card" role="group" aria-labelledby={labelledBy}>
      <DoNotDisturbSettings store={store} settings={settings} />
      <SettingSwitch
        store={store}
        settings={settings}
        setting="registrarFailover"
        label="Move to another voip.ms server when mine stops answering"
        hint="Natter registers to the nearest voip.ms server that answers, so calls keep coming in. Your chosen server stays in your settings."
        saidOn="Saved: Natter moves to the nearest server that answers"
        saidOff="Saved: Natter stays on your chosen server"
      />
      <VoicemailSettings store={store} settings={settings} />
      {/* How keypad digits pressed during a call reach the far end: the sub-account's DTMF mode. */}
      <SettingChoice
        store={store}
        settings={settings}
        setting="dtmfMethod"
        label="Keypad digits during a call"
        hint="For menus and voicemail. Automatic sends them in the audio stream (RFC 2833) when the call takes that, else by SIP INFO. If your voip.ms sub-account's DTMF mode is SIP INFO or Inband, choose the same here; another account may set its own under Accounts."
        choices={DTMF_METHOD_CHOICES}
        said={(method) => DTMF_METHOD_WORDS[method].saved}
      />
    </div>
  );
}

type ChoiceKey = 'theme' | 'dtmfMethod';

/** One setting chosen from a list, saved as soon as it is chosen, its confirmation beside it. */
function SettingChoice<K extends ChoiceKey>({
  store,
  settings,
  setting,
  label,
  hint,
  choices,
  said,
}: {
  store: Store;
  settings: Settings;
  setting: K;
  label: string;
  hint?: string;
  /** Each value with the words the list shows for it, in the list's order. */
  choices: Record<Settings[K], string>;
  said: (value: Settings[K]) => string;
}) {
  const [note, confirm] = useConfirmation();
  const choose = async (value: Settings[K]) => {
    const update: SettingsUpdate = { [setting]: value };
    const result = await saveSettings(store, update);
    if ('settings' in result) confirm(said(value));
    else confirm(`Not saved: ${result.error}`, 'failed');
  };
  return (
    <div className="settings-choice">
      <Field label={label} {...(hint ? { hint } : {})}>
        {(control) => (
          <select
            {...control}
            value={settings[setting]}
            onChange={(event) => void choose(event.target.value as Settings[K])}
          >
            {(Object.keys(choices) as Settings[K][]).map((value) => (
              <option key={value} value={value}>
                {choices[value]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Confirmation note={note} />
    </div>
  );
}

const DTMF_METHOD_CHOICES = Object.fromEntries(
  Object.entries(DTMF_METHOD_WORDS).map(([method, words]) => [method, words.choice]),
) as Record<Settings['dtmfMethod'], string>;

/** The app itself: tray, start at login, colour theme. */
export function AppSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  return (
    <div className="settings-card" role="group" aria-labelledby={labelledBy}>
      <SettingSwitch
        store={store}
        settings={settings}
        setting="closeToTray"
        label="Keep running in the tray when the window is closed"
        hint="Calls still ring with the window closed. Quit from the tray menu to stop Natter."
        saidOn="Saved: closing the window keeps Natter in the tray"
        saidOff="Saved: closing the window quits Natter"
      />
      <SettingSwitch
        store={store}
        settings={settings}
        setting="startAtLogin"
        label="Start Natter when I log in"
        hint="It starts in the tray, without a window, ready for calls."
        saidOn="Saved: Natter starts when you log in"
        saidOff="Saved: Natter starts only when you open it"
      />
      <SettingChoice
        store={store}
        settings={settings}
        setting="theme"
        label="Theme"
        choices={THEME_WORDS}
        said={(theme) => `Saved: ${THEME_WORDS[theme].toLowerCase()}`}
      />
    </div>
  );
}
