/**
 * Puts the theme chosen in settings on <html> as data-theme='light' or 'dark', which switches the
 * design tokens (tokens.css). 'system' follows the operating system's preference, live.
 */
import type { Settings } from '../../../src-shared/settings.js';
import type { Store } from '../state/store.js';

export type ThemeSetting = Settings['theme'];
export type Theme = 'light' | 'dark';

/** The last choice, so the next start paints in it before the settings arrive from main. */
const REMEMBERED_KEY = 'natter.theme';
const THEME_SETTINGS: readonly ThemeSetting[] = ['system', 'dark', 'light'];

export function resolveTheme(setting: ThemeSetting, systemPrefersDark: boolean): Theme {
  if (setting === 'system') return systemPrefersDark ? 'dark' : 'light';
  return setting;
}

function rememberedSetting(storage: Storage | null): ThemeSetting {
  try {
    const value = storage?.getItem(REMEMBERED_KEY);
    return THEME_SETTINGS.find((setting) => setting === value) ?? 'system';
  } catch {
    return 'system';
  }
}

function remember(storage: Storage | null, setting: ThemeSetting): void {
  try {
    storage?.setItem(REMEMBERED_KEY, setting);
  } catch {
    // Storage refused (private mode, quota): the next start paints the system's theme first.
  }
}

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/**
 * Applies the theme now (the remembered choice, else the system's) and then whenever the
 * settings or the system preference change. Returns a function that stops following.
 */
export function followTheme(
  store: Store,
  root: HTMLElement = document.documentElement,
  systemDark: MediaQueryList = window.matchMedia('(prefers-color-scheme: dark)'),
  storage: Storage | null = localStorageOrNull(),
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
