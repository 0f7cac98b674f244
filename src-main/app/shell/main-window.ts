/**
 * The one window, hardened: context isolation, the sandbox, no Node in the page, web security
 * on; no navigation away from the app and no new windows (https links open in the browser); a
 * `default-src 'none'` CSP on everything the session loads; the microphone the only permission.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import type { ElectronPorts } from './electron-ports.js';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface MainWindowOptions {
  preloadPath: string;
  /** The dev server's address under `electron-vite dev`; otherwise the built page is loaded. */
  rendererUrl: string | undefined;
  rendererFile: string;
  /** Started at login: the window loads (it must, to ring) but stays in the tray. */
  hidden: boolean;
}

export function windowOptions(options: MainWindowOptions): BrowserWindowConstructorOptions {
  return {
    width: 420,
    height: 720,
    minWidth: 360,
    title: 'Natter',
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // An incoming call must be able to ring before the user has clicked anything.
      autoplayPolicy: 'no-user-gesture-required',
    },
  };
}

/** True only for the app's own page: the built files, or the dev server in development. */
export function isAppUrl(url: string | undefined, rendererUrl: string | undefined): boolean {
  if (!url) return false;
  return rendererUrl ? url.startsWith(rendererUrl) : url.startsWith('file://');
}

export function createMainWindow(
  electron: Pick<ElectronPorts, 'BrowserWindow' | 'shell'>,
  options: MainWindowOptions,
): BrowserWindow {
  const window = new electron.BrowserWindow(windowOptions(options));
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void electron.shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-redirect', (event) => event.preventDefault());
  window.once('ready-to-show', () => {
    if (!options.hidden) window.show();
  });
  if (options.rendererUrl) void window.loadURL(options.rendererUrl);
  else void window.loadFile(options.rendererFile);
  return window;
}

/** The session's rules: only the microphone (and writing to the clipboard), and the CSP. */
export function hardenSession(session: ElectronPorts['session']['defaultSession']): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = (details as { mediaTypes?: string[] }).mediaTypes ?? [];
    callback(
      (permission === 'media' && mediaTypes.every((type) => type === 'audio')) ||
        // "Copy" in the connection check and the SIP trace writes text; reading stays refused.
        permission === 'clipboard-sanitized-write',
    );
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}
