/**
 * Where the app keeps its files, computed without Electron so the CLI's `doctor --apply` writes
 * the very settings file the desktop app reads. Same folders as Electron's `appData`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_FOLDER = 'Natter';

export function appDataDirectory(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (platform === 'win32') return env.APPDATA ?? join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME ?? join(home, '.config');
}

export function userDataDirectory(): string {
  return join(appDataDirectory(), APP_FOLDER);
}

export const settingsFileIn = (directory: string): string => join(directory, 'settings.json');

export const historyFileIn = (directory: string): string => join(directory, 'history.json');

/**
 * Where call recordings go unless the user chose a folder: `Natter recordings` in the user's
 * Music folder (`XDG_MUSIC_DIR` where the desktop names one).
 */
export function defaultRecordingsDirectory(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  const music =
    platform === 'linux' && env.XDG_MUSIC_DIR?.startsWith('/')
      ? env.XDG_MUSIC_DIR
      : join(home, 'Music');
  return join(music, 'Natter recordings');
}
