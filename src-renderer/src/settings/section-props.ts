import type { Settings } from '../../../src-shared/settings.js';
import type { Store } from '../state/store.js';

/** What every section of the Settings page is given: the store, the settings, its heading's id. */
export interface SettingsSectionProps {
  store: Store;
  settings: Settings;
  /** The id of the section's heading, which names the section's group for screen readers. */
  labelledBy: string;
}
