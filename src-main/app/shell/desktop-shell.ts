/**
 * The desktop app's main process, as ordinary code: it takes Electron through
 * {@link ElectronPorts}, so the shell suite runs all of it under Node with fakes, and `main.ts`
 * only hands in the real modules.
 *
 * The page handshake, in order:
 *
 * ```
 *  preload                          main
 *    │ natter:ready (scripts ran)     │
 *    ├──────────────────────────────► │ new MessageChannelMain: port1 to the audio router
 *    │ natter:audio-port [port2]      │
 *    │ ◄──────────────────────────────┤
 *    │ natter:event:dial {number}     │ only when a tel:/sip:/callto: link is waiting
 *    │ ◄──────────────────────────────┤
 * ```
 *
 * A link that arrives while the page loads waits for `natter:ready`, and the page's bridge holds
 * it until the dialer listens (src-shared/preload-bridge.ts).
 */
import { join } from 'node:path';
import type { BrowserWindow, IpcMainEvent, Tray, WebContents } from 'electron';
import {
  appEventSchemas,
  EVENT_NAMES,
  INVOKE_NAMES,
  type BridgeEventPayload,
} from '../../../src-shared/ipc-contract.js';
import {
  AUDIO_PORT_CHANNEL,
  READY_CHANNEL,
  eventChannel,
  invokeChannel,
} from '../../../src-shared/ipc-channels.js';
import type { Settings } from '../../../src-shared/settings.js';
import { createAppService, type AppService } from '../app-service.js';
import { userDataDirectory } from '../../storage/app-paths.js';
import { CallHistoryStore } from '../../storage/call-history-store.js';
import { ContactsStore } from '../../storage/contacts-store.js';
import { createIpcRouter } from '../ipc-router.js';
import { SettingsStore } from '../../storage/settings-store.js';
import { trayDoNotDisturb, type TrayState, type TrayStatus } from '../tray-status.js';
import { TrayFeed } from '../tray-feed.js';
import { CallNotifier } from './call-notifier.js';
import type { ElectronPorts } from './electron-ports.js';
import { applyStartAtLogin, startedAtLogin, type LoginItemHost } from './login-item.js';
import { createMainWindow, hardenSession, isAppUrl } from './main-window.js';
import { watchNetwork, type NetworkWatch } from './network-watch.js';
import { LINK_SCHEMES, numberFromArgv, numberFromLink } from './protocol-links.js';
import { safeStorageCipher } from './secret-cipher.js';
import { electronRecordingDesktop } from './recording-desktop-electron.js';

export interface DesktopShellOptions {
  /** The folder of the built main bundle (dist/app/main): preload, page and assets are beside. */
  mainDir: string;
  /** `ELECTRON_RENDERER_URL` under `electron-vite dev`. */
  rendererUrl: string | undefined;
  argv: readonly string[];
  platform: NodeJS.Platform;
  /** The program a login start runs. */
  executable: string;
  /** `$XDG_CONFIG_HOME/autostart` (Linux login items). */
  autostartDir: string;
  /** How long Quit waits for the account to unregister before the app exits anyway. */
  stopDeadlineMs?: number;
  log?: (message: string) => void;
}

const STOP_DEADLINE_MS = 3_000;
/** "1 missed call", "2 missed calls": the tray's tooltip and its menu say it alike. */
const missedCallsWords = (count: number) => `${count} missed call${count === 1 ? '' : 's'}`;
/** Where a click on a missed call leads: History, on the calls to return. */
const MISSED_CALLS: BridgeEventPayload<'openHistory'> = { shown: 'missed' };

export interface DesktopShell {
  /** Resolves once the window, tray and IPC are up (the account registers on its own). */
  ready: Promise<void>;
}

export function startDesktopShell(
  electron: ElectronPorts,
  options: DesktopShellOptions,
): DesktopShell {
  const { app } = electron;
  const log = options.log ?? ((message: string) => console.warn(message));
  // One settings folder whatever the build calls itself, shared with `natter doctor --apply`.
  app.setPath('userData', userDataDirectory());
  if (!app.requestSingleInstanceLock()) {
    // The running instance gets our argv (its `second-instance`) and shows itself.
    app.quit();
    return { ready: Promise.resolve() };
  }

  const loginHost: LoginItemHost = {
    app,
    platform: options.platform,
    executable: options.executable,
    autostartDir: options.autostartDir,
  };
  let window: BrowserWindow | null = null;
  let tray: Tray | null = null;
  let service: AppService | null = null;
  let store: SettingsStore | null = null;
  let networkWatch: NetworkWatch | null = null;
  /** The page that said it is ready; links go to it directly. */
  let readyPage: WebContents | null = null;
  /** A link's number waiting for the page to be ready. */
  let pendingNumber: string | null = numberFromArgv(options.argv);
  /** A click on a missed call waiting for the page to be ready to open History. */
  let pendingMissedCalls = false;
  let quitting = false;
  let stopped = false;
  let trayTooltip = 'Natter — Starting';
  let contacts: ContactsStore | null = null;
  const notifier = new CallNotifier({
    Notification: electron.Notification,
    supportsActions: options.platform === 'darwin' || options.platform === 'win32',
    showWindow: () => showWindow(),
    showMissedCalls: () => showMissedCalls(),
    isWindowInView: () => Boolean(window?.isVisible() && window.isFocused()),
    // As the banner's "Answer and hold": a call being talked on is held first (a no-op without one).
    answer: async (callId) => requireService().handlers.answer({ callId, holdOthers: true }),
    decline: async (callId) => requireService().handlers.reject({ callId }),
    accountLabel: (call) => service?.fleet.labelOf(call.accountId) ?? null,
    onMissedChange: (count) => {
      app.setBadgeCount(count);
      updateTrayTooltip();
      setTrayMenu();
    },
    log,
    nameFor: (number, presented) => contacts?.nameFor(number, presented) ?? presented,
  });

  function requireService(): AppService {
    if (!service) throw new Error('Natter is still starting');
    return service;
  }

  /** Sends to the page that said it is ready; false when there is none yet. */
  function toReadyPage(channel: string, payload: unknown): boolean {
    if (!readyPage || readyPage.isDestroyed()) return false;
    readyPage.send(channel, payload);
    return true;
  }

  /** A link's number for the dialer: to the page now if it is ready, else when it is. */
  function offerNumber(number: string | null): void {
    const payload = appEventSchemas.dial.safeParse({ number });
    if (!payload.success) return;
    if (!toReadyPage(eventChannel('dial'), payload.data)) pendingNumber = payload.data.number;
  }

  /** The window, on History's missed calls: now if the page is ready, else once it is. */
  function showMissedCalls(): void {
    showWindow();
    pendingMissedCalls = !toReadyPage(eventChannel('openHistory'), MISSED_CALLS);
  }

  function showWindow(): void {
    if (!service) return;
    if (!window || window.isDestroyed()) openWindow(false);
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  function openWindow(hidden: boolean): void {
    window = createMainWindow(electron, {
      preloadPath: join(options.mainDir, '../preload/preload.cjs'),
      rendererUrl: options.rendererUrl,
      rendererFile: join(options.mainDir, '../renderer/index.html'),
      hidden,
    });
    const opened = window;
    // A reload or a new page must say it is ready again before it gets anything.
    opened.webContents.on('did-start-loading', () => {
      if (readyPage === opened.webContents) readyPage = null;
    });
    opened.on('close', (event) => {
      if (quitting || !store?.settings.closeToTray) return;
      event.preventDefault();
      opened.hide();
      void closeToTrayNotice();
    });
    // Looking at the window is seeing the missed calls.
    opened.on('focus', () => notifier.seen());
    opened.on('show', () => notifier.seen());
    opened.on('closed', () => {
      if (window === opened) window = null;
      readyPage = null;
    });
  }

  async function closeToTrayNotice(): Promise<void> {
    if (!store || store.settings.closeToTrayNoticeShown) return;
    if (!electron.Notification.isSupported()) return;
    new electron.Notification({
      title: 'Natter is still running',
      body: 'Calls still reach you. Quit from the Natter icon in the tray.',
    }).show();
    await store
      .update({ closeToTrayNoticeShown: true })
      .catch((error: unknown) => log(`settings: ${String(error)}`));
  }

  function onReady(event: IpcMainEvent): void {
    if (!service || !isAppUrl(event.senderFrame?.url, options.rendererUrl)) return;
    // Each page load gets its own audio port, passed by the preload to the audio worklet, so
    // call audio never crosses the renderer's main thread or the invoke channels.
    const { port1, port2 } = new electron.MessageChannelMain();
    service.audio.attach({
      post: (message) => port1.postMessage(message),
      onMessage: (listener) => port1.on('message', (message) => listener(message.data)),
      close: () => port1.close(),
    });
    port1.start();
    event.sender.postMessage(AUDIO_PORT_CHANNEL, null, [port2]);
    readyPage = event.sender;
    if (pendingNumber) {
      const number = pendingNumber;
      pendingNumber = null;
      offerNumber(number);
    }
    if (pendingMissedCalls) {
      pendingMissedCalls = false;
      toReadyPage(eventChannel('openHistory'), MISSED_CALLS);
    }
  }

  function trayIcon(state: TrayState) {
    // The @2x file beside each icon serves high-density screens.
    return electron.nativeImage.createFromPath(
      join(options.mainDir, `../../../assets/tray/${state}.png`),
    );
  }

  function updateTrayTooltip(): void {
    const missed = notifier.missedCount;
    const suffix = missed === 0 ? '' : ` · ${missedCallsWords(missed)}`;
    tray?.setToolTip(`${trayTooltip}${suffix}`);
  }

  function createTray(): void {
    tray = new electron.Tray(trayIcon('offline'));
    updateTrayTooltip();
    setTrayMenu();
    tray.on('click', () => showWindow());
  }

  /** What the tray's menu shows besides its fixed lines, as the last look at the phone found it. */
  let trayMenuState: Pick<TrayStatus, 'doNotDisturb'> & { voicemail: string | null } = {
    voicemail: null,
    doNotDisturb: trayDoNotDisturb([]),
  };
  /** The tray's menu; rebuilt when the voicemail line, do not disturb or the missed calls change. */
  function setTrayMenu(): void {
    const missed = notifier.missedCount;
    const { voicemail, doNotDisturb } = trayMenuState;
    tray?.setContextMenu(
      electron.Menu.buildFromTemplate([
        { label: 'Show Natter', click: () => showWindow() },
        ...(missed > 0
          ? [
              {
                label: missedCallsWords(missed),
                click: () => showMissedCalls(),
              },
            ]
          : []),
        ...(voicemail ? [{ label: voicemail, click: () => showWindow() }] : []),
        { type: 'separator' },
        {
          label: doNotDisturb.label,
          type: 'checkbox',
          checked: doNotDisturb.checked,
          click: () => switchDoNotDisturb(!doNotDisturb.checked),
        },
        { type: 'separator' },
        // before-quit unregisters first, whichever way the quit came.
        { label: 'Quit Natter', click: () => app.quit() },
      ]),
    );
  }

  /** The tray's switch; the menu shows the outcome once the accounts report it (or, failed, as before). */
  function switchDoNotDisturb(on: boolean): void {
    if (!service) return;
    void service.setDoNotDisturbEverywhere(on).catch((error: unknown) => {
      log(`do not disturb: ${String(error)}`);
      // Electron ticked the item itself on the click: the menu goes back to what is so.
      setTrayMenu();
    });
  }

  function showTrayStatus(status: TrayStatus): void {
    trayTooltip = status.tooltip;
    tray?.setImage(trayIcon(status.state));
    const menuState = {
      voicemail: status.voicemailLabel ?? null,
      doNotDisturb: status.doNotDisturb,
    };
    if (JSON.stringify(menuState) !== JSON.stringify(trayMenuState)) {
      trayMenuState = menuState;
      setTrayMenu();
    }
    updateTrayTooltip();
  }

  function applyLoginItem(enabled: boolean): void {
    void applyStartAtLogin(loginHost, enabled).catch((error: unknown) =>
      log(`start at login: ${String(error)}`),
    );
  }

  async function start(): Promise<void> {
    const userData = app.getPath('userData');
    store = new SettingsStore(
      join(userData, 'settings.json'),
      safeStorageCipher(electron.safeStorage, options.platform),
    );
    await store.load();
    const history = new CallHistoryStore(join(userData, 'history.json'));
    await history.load();
    contacts = new ContactsStore(join(userData, 'contacts.json'), { log });
    await contacts.load();
    const recordingDesktop = electronRecordingDesktop(electron.dialog, electron.shell, () =>
      window && !window.isDestroyed() ? window : null,
    );
    const started = createAppService({
      store,
      history,
      contacts,
      desktop: recordingDesktop,
    });
    service = started;

    const route = createIpcRouter({
      handlers: started.handlers,
      isTrustedSender: (url) => isAppUrl(url, options.rendererUrl),
      onRefused: (reason) => log(`ipc refused: ${reason}`),
    });
    for (const name of INVOKE_NAMES) {
      electron.ipcMain.handle(invokeChannel(name), (event, payload: unknown) =>
        route(name, payload, event.senderFrame?.url),
      );
    }
    electron.ipcMain.on(READY_CHANNEL, onReady);
    // The engine's events and the app's own (doctor steps) reach the window the same way, from
    // its first load on: the page subscribes before it asks for its snapshot, so nothing between
    // the two is lost.
    for (const name of EVENT_NAMES) {
      started.on(name, (payload) => {
        if (window && !window.isDestroyed()) window.webContents.send(eventChannel(name), payload);
      });
    }
    started.on('call', (call) => notifier.onCall(call));
    const trayFeed = new TrayFeed({
      snapshot: () => started.fleet.snapshot(),
      accounts: () => started.fleet.statuses(),
      mailboxes: () => started.fleet.mailboxes(),
      nameFor: (number, presented) => contacts?.nameFor(number, presented) ?? presented,
      show: showTrayStatus,
      log,
    });
    started.on('call', (call) => trayFeed.onCall(call));
    for (const name of ['registration', 'nat', 'voicemail', 'accounts'] as const)
      started.on(name, () => trayFeed.refresh());

    applyLoginItem(store.settings.startAtLogin);
    let loginItem = store.settings.startAtLogin;
    started.onSettingsSaved((settings: Settings) => {
      if (settings.startAtLogin === loginItem) return;
      loginItem = settings.startAtLogin;
      applyLoginItem(loginItem);
    });

    hardenSession(electron.session.defaultSession);
    openWindow(startedAtLogin(loginHost, options.argv));
    createTray();
    // The first look: without an account no registration event ever comes to take one.
    trayFeed.refresh();
    networkWatch = watchNetwork({
      powerMonitor: electron.powerMonitor,
      isOnline: () => electron.net.isOnline(),
      reconnect: () => started.reconnect(),
      log,
    });
    // Registration runs on; the window shows its progress.
    void started.start().catch((error: unknown) => log(`registration: ${String(error)}`));
  }

  let stopping: Promise<void> | null = null;
  /** Quit, however it came (tray menu, Cmd+Q, logout): unregister first, within a deadline. */
  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = stopWithin(options.stopDeadlineMs ?? STOP_DEADLINE_MS).finally(() => {
      stopped = true;
      networkWatch?.stop();
      tray?.destroy();
      app.quit();
    });
  });
  async function stopWithin(deadlineMs: number): Promise<void> {
    if (!service) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log(`quit: the account did not unregister within ${deadlineMs} ms`);
        resolve();
      }, deadlineMs);
    });
    try {
      await Promise.race([
        service.stop().catch((error: unknown) => log(`quit: ${String(error)}`)),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  app.on('second-instance', (_event, argv) => {
    offerNumber(numberFromArgv(argv));
    showWindow();
  });
  // macOS hands links over as an event, at start as well as later: register before ready.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    offerNumber(numberFromLink(url));
    showWindow();
  });
  app.on('activate', () => showWindow());
  // With close-to-tray the window only hides; a window really closed means quit.
  app.on('window-all-closed', () => app.quit());

  const ready = app.whenReady().then(async () => {
    for (const scheme of LINK_SCHEMES) app.setAsDefaultProtocolClient(scheme);
    await start();
  });
  ready.catch((error: unknown) => {
    log(`start: ${String(error)}`);
    app.quit();
  });
  return { ready };
}
