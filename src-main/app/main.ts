/**
 * The Electron entry point: it hands the real Electron modules to the desktop shell
 * (`shell/desktop-shell.ts`), where everything the main process does is written and tested.
 */
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  MessageChannelMain,
  nativeImage,
  net,
  Notification,
  powerMonitor,
  safeStorage,
  session,
  shell,
  Tray,
} from 'electron';
import { tuneV8ForCalls } from '../engine/v8-tuning.js';
import { startDesktopShell } from './shell/desktop-shell.js';

// Main carries the calls' packets; the setting must be in place before the engine first runs.
tuneV8ForCalls();
startDesktopShell(
  {
    app,
    BrowserWindow,
    dialog,
    ipcMain,
    Menu,
    MessageChannelMain,
    nativeImage,
    net,
    Notification,
    powerMonitor,
    safeStorage,
    session,
    shell,
    Tray,
  },
  {
    mainDir: dirname(fileURLToPath(import.meta.url)),
    rendererUrl: process.env.ELECTRON_RENDERER_URL,
    argv: process.argv,
    platform: process.platform,
    // An AppImage runs from a temporary mount; its own file is what a login start must run.
    executable: process.env.APPIMAGE ?? process.execPath,
    autostartDir: join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'autostart'),
  },
);
