import { describe, expect, it } from 'vitest';
import {
  followTheme,
  resolveTheme,
  type SettingsSource,
} from '../../../src-renderer/src/theme/apply-theme.js';
import type { Settings } from '../../../src-shared/settings.js';

function fakeSystem(dark: boolean) {
  const listeners = new Set<() => void>();
  return {
    list: {
      get matches() {
        return dark;
      },
      addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
      removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
    },
    change(nowDark: boolean) {
      dark = nowDark;
      for (const listener of listeners) listener();
    },
  };
}

function fakeStore(theme: Settings['theme'] | null) {
  const listeners = new Set<() => void>();
  let settings: Pick<Settings, 'theme'> | null = theme ? { theme } : null;
  return {
    store: {
      getState: () => ({ settings }),
      subscribe: (listener: () => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } satisfies SettingsSource,
    choose(next: Settings['theme']) {
      settings = { theme: next };
      for (const listener of listeners) listener();
    },
  };
}

function memoryStorage(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
  };
}

const fakeRoot = () => ({ dataset: {} as Record<string, string | undefined> });

describe('the theme on <html>', () => {
  it('resolves system to the preference, and a chosen theme to itself', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('follows the system before the settings arrive, then the setting, and the system live', () => {
    const system = fakeSystem(false);
    const { store, choose } = fakeStore(null);
    const root = fakeRoot();
    const storage = memoryStorage();
    const stop = followTheme(store, { root, systemDark: system.list, storage: () => storage });
    expect(root.dataset.theme).toBe('light');
    choose('system');
    system.change(true);
    expect(root.dataset.theme).toBe('dark');
    choose('light');
    expect(root.dataset.theme).toBe('light');
    // A chosen theme ignores the system.
    system.change(false);
    system.change(true);
    expect(root.dataset.theme).toBe('light');
    stop();
    choose('dark');
    expect(root.dataset.theme).toBe('light');
  });

  it('paints the remembered choice first, and remembers the new one', () => {
    const storage = memoryStorage({ 'natter.theme': 'dark' });
    const root = fakeRoot();
    const { store, choose } = fakeStore(null);
    followTheme(store, { root, systemDark: fakeSystem(false).list, storage: () => storage });
    expect(root.dataset.theme).toBe('dark');
    choose('light');
    expect(storage.getItem('natter.theme')).toBe('light');
  });

  it('treats a remembered value it does not know, or storage that throws, as system', () => {
    const throwing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    for (const storage of [memoryStorage({ 'natter.theme': 'purple' }), throwing]) {
      const root = fakeRoot();
      const { store, choose } = fakeStore(null);
      followTheme(store, { root, systemDark: fakeSystem(true).list, storage: () => storage });
      expect(root.dataset.theme).toBe('dark');
      choose('light');
      expect(root.dataset.theme).toBe('light');
    }
  });
});
