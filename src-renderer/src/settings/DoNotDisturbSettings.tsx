import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import {
  DoNotDisturbChoice,
  doNotDisturbSaid,
  type DoNotDisturbValue,
} from '../accounts/DoNotDisturbChoice.js';
import { firstAccountLabel } from '../../../src-shared/accounts.js';
import type { SettingsSectionProps } from './section-props.js';
import { saveSettings } from './save-settings.js';

/** The first account's do not disturb, saved as soon as it changes, confirmed beside it. */
export function DoNotDisturbSettings({
  store,
  settings,
}: Pick<SettingsSectionProps, 'store' | 'settings'>) {
  const [note, confirm] = useConfirmation();
  const change = async (next: DoNotDisturbValue) => {
    const result = await saveSettings(store, next);
    if ('settings' in result) confirm(doNotDisturbSaid(next, null));
    else confirm(`Not saved: ${result.error}`, 'failed');
  };
  return (
    <div className="settings-switch-row">
      <DoNotDisturbChoice
        setting={settings}
        accountLabel={firstAccountLabel(settings.account)}
        onChange={(next) => void change(next)}
        hint="While this is on, nothing rings here. You can still call out."
      />
      <Confirmation note={note} />
    </div>
  );
}
