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
      <DtmfMethodSetting store={store} settings={settings} />
    </div>
  );
}

/** How keypad digits pressed during a call reach the far end: a voip.ms sub-account's DTMF mode. */
function DtmfMethodSetting({ store, settings }: { store: Store; settings: Settings }) {
  const [note, confirm] = useConfirmation();
  const choose = async (dtmfMethod: Settings['dtmfMethod']) => {
    const result = await saveSettings(store, { dtmfMethod });
    if ('settings' in result) confirm(DTMF_METHOD_WORDS[dtmfMethod].saved);
    else confirm(`Not saved: ${result.error}`, 'failed');
  };
  return (
    <div className="settings-choice">
      <Field
        label="Keypad digits during a call"
        hint="For menus and voicemail. Automatic sends them in the audio stream (RFC 2833) when the call takes that, else by SIP INFO. If your voip.ms sub-account's DTMF mode is SIP INFO or Inband, choose the same here."
      >
        {(control) => (
          <select
            {...control}
            value={settings.dtmfMethod}
            onChange={(event) => void choose(event.target.value as Settings['dtmfMethod'])}
          >
            {(Object.keys(DTMF_METHOD_WORDS) as Settings['dtmfMethod'][]).map((method) => (
              <option key={method} value={method}>
                {DTMF_METHOD_WORDS[method].choice}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Confirmation note={note} />
    </div>
  );
}

/** The app itself: tray, start at login, colour theme. */
export function AppSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const [themeNote, confirmTheme] = useConfirmation();
  const chooseTheme = async (theme: Settings['theme']) => {
    const result = await saveSettings(store, { theme });
    if ('settings' in result) confirmTheme(`Saved: ${THEME_WORDS[theme].toLowerCase()}`);
    else confirmTheme(`Not saved: ${result.error}`, 'failed');
  };
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
      <div className="settings-choice">
        <Field label="Theme">
          {(control) => (
            <select
              {...control}
              value={settings.theme}
              onChange={(event) => void chooseTheme(event.target.value as Settings['theme'])}
            >
              {(Object.keys(THEME_WORDS) as Settings['theme'][]).map((theme) => (
                <option key={theme} value={theme}>
                  {THEME_WORDS[theme]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Confirmation note={themeNote} />
      </div>
    </div>
  );
}
