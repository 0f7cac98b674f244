/**
 * The Electron shell, kept thin: one hardened window, the IPC wiring, the tray, notifications,
 * `tel:`/`sip:`/`callto:` links and the settings file. The phone itself is the engine.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  Notification,
  safeStorage,
  session,
  shell,
  Tray,
  MessageChannelMain,
  nativeImage,
} from 'electron';
import {
  EVENT_NAMES,
  INVOKE_NAMES,
  eventChannel,
  invokeChannel,
} from '../../src-shared/ipc-contract.js';
import { createAppService } from './app-service.js';
import { CallHistoryStore } from '../storage/call-history-store.js';
import { createIpcRouter } from './ipc-router.js';
import { SettingsStore } from '../storage/settings-store.js';
import { trayStatus, type TrayState } from './tray-status.js';
import { userDataDirectory } from '../storage/app-paths.js';

const HERE = dirname(fileURLToPath(import.meta.url));
// One settings folder whatever the build calls itself, shared with `natter doctor --apply`.
app.setPath('userData', userDataDirectory());
const RENDERER_URL = process.env.ELECTRON_RENDERER_URL;
const CSP = [
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

/** A `tel:`, `sip:` or `callto:` link as a number for the dialer (never dialled by itself). */
export function numberFromLink(link: string): string | null {
  const match = /^(?:tel|sip|callto):(?:\/\/)?([^@;?]+)/i.exec(link.trim());
  return match?.[1] ? decodeURIComponent(match[1]).replace(/[^0-9*#+A-Za-z]/g, '') : null;
}

if (!app.requestSingleInstanceLock()) app.quit();

let window: BrowserWindow | null = null;
let pendingNumber: string | null = null;

async function start(): Promise<void> {
  for (const scheme of ['tel', 'sip', 'callto']) app.setAsDefaultProtocolClient(scheme);
  const store = new SettingsStore(join(app.getPath('userData'), 'settings.json'), {
    isAvailable: () => safeStorage.isEncryptionAvailable(),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (cipher) => safeStorage.decryptString(cipher),
  });
  await store.load();
  const history = new CallHistoryStore(join(app.getPath('userData'), 'history.json'));
  await history.load();
  const service = createAppService(store, history);
  const route = createIpcRouter({
    handlers: service.handlers,
    isTrustedSender: (url) => url !== undefined && isAppUrl(url),
    onRefused: (reason) => console.warn(`ipc refused: ${reason}`),
  });
  for (const name of INVOKE_NAMES) {
    ipcMain.handle(invokeChannel(name), (event, payload: unknown) =>
      route(name, payload, event.senderFrame?.url),
    );
  }
  // The engine's events and the app's own (doctor steps) reach the window the same way.
  for (const name of EVENT_NAMES) {
    service.on(name, (payload) => window?.webContents.send(eventChannel(name), payload));
  }
  service.engine.on('call', (call) => {
    if (call.state === 'incoming' && Notification.isSupported()) {
      new Notification({
        title: 'Incoming call',
        body: call.remoteDisplayName ?? call.remote,
      }).show();
    }
  });
  const refreshTray = () => {
    void service.engine.invoke('snapshot', {}).then(({ registration, nat, calls }) => {
      const status = trayStatus(registration, nat, calls);
      tray?.setImage(trayIcon(status.state));
      tray?.setToolTip(status.tooltip);
    });
  };
  for (const name of ['call', 'registration', 'nat'] as const) service.engine.on(name, refreshTray);
  ipcMain.on('natter:ready', (event) => {
    if (!isAppUrl(event.senderFrame?.url ?? '')) return;
    // Each page load gets its own audio port, passed by the preload to the audio worklet, so
    // call audio never crosses the renderer's main thread or the invoke channels.
    const { port1, port2 } = new MessageChannelMain();
    service.audio.attach({
      post: (message) => port1.postMessage(message),
      onMessage: (listener) => port1.on('message', (message) => listener(message.data)),
      close: () => port1.close(),
    });
    port1.start();
    event.sender.postMessage('natter:audio-port', null, [port2]);
    if (pendingNumber) {
      event.sender.send('natter:event:dial', pendingNumber);
      pendingNumber = null;
    }
  });

  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = (details as { mediaTypes?: string[] }).mediaTypes ?? [];
    callback(
      (permission === 'media' && mediaTypes.every((type) => type === 'audio')) ||
        // "Copy" in the connection check and the SIP trace writes text; reading stays refused.
        permission === 'clipboard-sanitized-write',
    );
  });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });

  createWindow();
  createTray();
  await service.start().catch((error: unknown) => console.warn(`registration: ${String(error)}`));
  app.on('before-quit', () => void service.stop());
}

function isAppUrl(url: string): boolean {
  return RENDERER_URL ? url.startsWith(RENDERER_URL) : url.startsWith('file://');
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 420,
    height: 720,
    minWidth: 360,
    title: 'Natter',
    webPreferences: {
      preload: join(HERE, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // An incoming call must be able to ring before the user has clicked anything.
      autoplayPolicy: 'no-user-gesture-required',
    },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  if (RENDERER_URL) void window.loadURL(RENDERER_URL);
  else void window.loadFile(join(HERE, '../renderer/index.html'));
  window.on('closed', () => (window = null));
}

let tray: Tray | null = null;
function createTray(): void {
  tray = new Tray(trayIcon('offline'));
  tray.setToolTip('Natter — Starting');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show Natter', click: () => window?.show() },
      { label: 'Quit', role: 'quit' },
    ]),
  );
  tray.on('click', () => window?.show());
}

/** The icon for a tray state; the @2x file beside it serves high-density screens. */
function trayIcon(state: TrayState): Electron.NativeImage {
  return nativeImage.createFromPath(join(HERE, `../../../assets/tray/${state}.png`));
}

app.on('second-instance', (_event, argv) => {
  const link = argv.find((arg) => /^(tel|sip|callto):/i.test(arg));
  const number = link ? numberFromLink(link) : null;
  if (number) window?.webContents.send('natter:event:dial', number);
  window?.show();
});
app.on('open-url', (event, url) => {
  event.preventDefault();
  pendingNumber = numberFromLink(url);
});
app.whenReady().then(start, (error: unknown) => {
  console.error(error);
  app.quit();
});
app.on('window-all-closed', () => app.quit());
