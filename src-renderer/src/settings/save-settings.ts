import type { Settings, SettingsUpdate } from '../../../src-shared/settings.js';
import type { Store } from '../state/store.js';

/**
 * Saves one change and hands the stored settings to the store; a refusal comes back as words
 * for the control that asked, which says it beside itself rather than at the top of the page.
 */
export async function saveSettings(
  store: Store,
  change: SettingsUpdate,
): Promise<{ settings: Settings } | { error: string }> {
  try {
    const settings = await store.bridge.invoke('saveSettings', change);
    store.setSettings(settings);
    return { settings };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
