/**
 * Puts the theme chosen in settings on <html> as data-theme='light' or 'dark', which switches the
 * design tokens (tokens.css). 'system' follows the operating system's preference, live.
 */
import type { Settings } from '../../../src-shared/settings.js';

export type ThemeSetting = Settings['theme'];
export type Theme = 'light' | 'dark';

/** The part of the store the theme reads (kept structural so the module needs no React). */
export interface SettingsSource {
  getState(): { settings: Pick<Settings, 'theme'> | null };
  subscribe(listener: () => void): () => unknown;
}

/** What the theme needs from the page; main.tsx hands in the document's, tests their own. */
export interface ThemeEnvironment {
  root: { dataset: Record<string, string | undefined> };
  /** `matchMedia('(prefers-color-scheme: dark)')`. */
  systemDark: {
    readonly matches: boolean;
    addEventListener(type: 'change', listener: () => void): void;
    removeEventListener(type: 'change', listener: () => void): void;
  };
  /** Where the last choice is kept; reading it may throw (storage refused). */
  storage: () => {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
  } | null;
}

/** The last choice, so the next start paints in it before the settings arrive from main. */
const REMEMBERED_KEY = 'natter.theme';
const THEME_SETTINGS: readonly ThemeSetting[] = ['system', 'dark', 'light'];

export function resolveTheme(setting: ThemeSetting, systemPrefersDark: boolean): Theme {
  if (setting === 'system') return systemPrefersDark ? 'dark' : 'light';
  return setting;
}

function rememberedSetting(storage: ThemeEnvironment['storage']): ThemeSetting {
  try {
    const value = storage()?.getItem(REMEMBERED_KEY);
    return THEME_SETTINGS.find((setting) => setting === value) ?? 'system';
  } catch {
    return 'system';
  }
}

function remember(storage: ThemeEnvironment['storage'], setting: ThemeSetting): void {
  try {
    storage()?.setItem(REMEMBERED_KEY, setting);
  } catch {
    // Storage refused (private mode, quota): the next start paints the system's theme first.
  }
}

/**
 * Applies the theme now (the remembered choice, else the system's) and then whenever the
 * settings or the system preference change. Returns a function that stops following.
 */
export function followTheme(
  store: SettingsSource,
  { root, systemDark, storage }: ThemeEnvironment,
): () => void {
  let setting = rememberedSetting(storage);
  const apply = () => {
    const theme = resolveTheme(setting, systemDark.matches);
    if (root.dataset.theme !== theme) root.dataset.theme = theme;
  };
  apply();
  const onStore = () => {
    const chosen = store.getState().settings?.theme;
    if (!chosen || chosen === setting) return;
    setting = chosen;
    remember(storage, chosen);
    apply();
  };
  onStore();
  const unsubscribe = store.subscribe(onStore);
  systemDark.addEventListener('change', apply);
  return () => {
    unsubscribe();
    systemDark.removeEventListener('change', apply);
  };
}
