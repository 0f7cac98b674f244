import { useEffect, useState } from 'react';
import type { RecordingFolderInfo } from '../../../src-shared/ipc-contract.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Switch } from '../ui/Switch.js';
import { saveSettings } from '../settings/save-settings.js';
import type { SettingsSectionProps } from '../settings/section-props.js';
import './recording.css';

/** Where call recordings go (a native folder dialog), and the consent reminder. */
export function RecordingSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const [folder, setFolder] = useState<RecordingFolderInfo | null>(null);
  const [folderNote, confirmFolder] = useConfirmation();
  const [reminderNote, confirmReminder] = useConfirmation();
  useEffect(() => {
    void store.bridge.invoke('getRecordingFolder', {}).then(setFolder, () => setFolder(null));
  }, [store, settings.recordingFolder]);
  const choose = async () => {
    try {
      const { chosen, settings: saved } = await store.bridge.invoke('chooseRecordingFolder', {});
      store.setSettings(saved);
      if (chosen) confirmFolder(`Saved: recordings go to ${saved.recordingFolder ?? ''}`);
    } catch (error) {
      confirmFolder(
        `Not saved: ${error instanceof Error ? error.message : String(error)}`,
        'failed',
      );
    }
  };
  const useDefault = async () => {
    const result = await saveSettings(store, { recordingFolder: null });
    if ('settings' in result) confirmFolder('Saved: recordings go to the default folder');
    else confirmFolder(`Not saved: ${result.error}`, 'failed');
  };
  const remind = async (on: boolean) => {
    const result = await saveSettings(store, { recordingConsentReminder: on });
    if ('settings' in result) {
      confirmReminder(
        on ? 'Saved: the reminder shows before each recording' : 'Saved: no reminder',
      );
    } else confirmReminder(`Not saved: ${result.error}`, 'failed');
  };
  return (
    <div className="settings-card" role="group" aria-labelledby={labelledBy}>
      <div className="recording-folder">
        <p className="recording-folder-label">Save recordings in</p>
        <p className="recording-folder-path" role="note" aria-label="Recordings folder">
          {folder ? folder.path : '…'}
          {folder?.isDefault && <span className="muted"> (default)</span>}
        </p>
        <div className="panel-actions">
          <button type="button" onClick={() => void choose()}>
            Choose folder…
          </button>
          {settings.recordingFolder !== null && (
            <button type="button" onClick={() => void useDefault()}>
              Use the default folder
            </button>
          )}
        </div>
        <Confirmation note={folderNote} />
      </div>
      <div className="settings-switch-row">
        <Switch
          label="Remind me about consent before recording"
          checked={settings.recordingConsentReminder}
          onChange={(on) => void remind(on)}
          hint="Recording a call may require the other party's consent where you live."
        />
        <Confirmation note={reminderNote} />
      </div>
    </div>
  );
}
