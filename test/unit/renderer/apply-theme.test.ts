import { describe, expect, it } from 'vitest';
import { followTheme, resolveTheme } from '../../../src-renderer/src/theme/apply-theme.js';
import type { Store } from '../../../src-renderer/src/state/store.js';
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
    } as unknown as MediaQueryList,
    change(nowDark: boolean) {
      dark = nowDark;
      for (const listener of listeners) listener();
    },
  };
}

function fakeStore(theme: Settings['theme'] | null) {
  const listeners = new Set<() => void>();
  let settings = theme ? ({ theme } as Settings) : null;
  return {
    store: {
      getState: () => ({ settings }),
      subscribe: (listener: () => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as Store,
    choose(next: Settings['theme']) {
      settings = { theme: next } as Settings;
      for (const listener of listeners) listener();
    },
  };
}

function memoryStorage(initial: Record<string, string> = {}): Storage {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
  } as unknown as Storage;
}

const fakeRoot = () => ({ dataset: {} as DOMStringMap }) as HTMLElement;

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
    const stop = followTheme(store, root, system.list, memoryStorage());
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
    followTheme(store, root, fakeSystem(false).list, storage);
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
    } as unknown as Storage;
    for (const storage of [memoryStorage({ 'natter.theme': 'purple' }), throwing]) {
      const root = fakeRoot();
      const { store, choose } = fakeStore(null);
      followTheme(store, root, fakeSystem(true).list, storage);
      expect(root.dataset.theme).toBe('dark');
      choose('light');
      expect(root.dataset.theme).toBe('light');
    }
  });
});
