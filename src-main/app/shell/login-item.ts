/**
 * Start at login, in the tray. Windows and macOS keep login items themselves
 * (`app.setLoginItemSettings`); on Linux Electron has none, so the desktop's XDG autostart
 * folder gets a `.desktop` entry. Started that way, the window stays hidden until asked for.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ElectronPorts } from './electron-ports.js';

/** The argument a login start carries, so the app knows to open in the tray. */
export const HIDDEN_ARG = '--hidden';

export interface LoginItemHost {
  app: Pick<ElectronPorts['app'], 'setLoginItemSettings' | 'getLoginItemSettings'>;
  platform: NodeJS.Platform;
  /** The program a login start runs (Electron's `process.execPath`, or the AppImage). */
  executable: string;
  /** `$XDG_CONFIG_HOME/autostart` on Linux. */
  autostartDir: string;
}

export function autostartEntry(executable: string): string {
  const quoted = `"${executable.replace(/(["`$\\])/g, '\\$1')}"`;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Natter',
    'Comment=Softphone for voip.ms',
    `Exec=${quoted} ${HIDDEN_ARG}`,
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export async function applyStartAtLogin(host: LoginItemHost, enabled: boolean): Promise<void> {
  if (host.platform === 'linux') {
    const file = join(host.autostartDir, 'natter.desktop');
    if (enabled) {
      await mkdir(host.autostartDir, { recursive: true });
      await writeFile(file, autostartEntry(host.executable));
    } else {
      await rm(file, { force: true });
    }
    return;
  }
  // `args` reach the program on Windows; macOS reports a login start as `wasOpenedAtLogin`.
  host.app.setLoginItemSettings({ openAtLogin: enabled, args: enabled ? [HIDDEN_ARG] : [] });
}

/** Whether this start came from the login item, so the window should wait in the tray. */
export function startedAtLogin(host: LoginItemHost, argv: readonly string[]): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  return host.platform === 'darwin' && host.app.getLoginItemSettings().wasOpenedAtLogin;
}
