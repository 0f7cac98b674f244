/**
 * An in-memory Electron for the shell suite: the parts of `electron` that main.ts and the
 * preload use, wired to each other as Electron wires them (a renderer's `ipcRenderer.send`
 * reaches `ipcMain.on`, `webContents.send` reaches `ipcRenderer.on`, ports travel with
 * `postMessage`), and recording what crossed so a test can compare both sides.
 */
import { EventEmitter } from 'node:events';
import type { SafeStorage } from 'electron';

/** An Electron event: preventable, and carrying the sender where IPC sets one. */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export interface Crossing {
  channel: string;
  payload: unknown;
  ports: readonly unknown[];
  /** How many listeners the receiving side had on the channel when it arrived. */
  listeners: number;
}

export class FakeMessagePortMain extends EventEmitter {
  started = false;
  closed = false;
  readonly posted: unknown[] = [];
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    this.closed = true;
  }
}

export function createFakeElectron(options: { singleInstance?: boolean } = {}) {
  /** Every message main sent toward a page, and every message a page sent toward main. */
  const toPage: Crossing[] = [];
  const toMain: Crossing[] = [];
  const rendererListeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const mainListeners = new Map<string, ((event: unknown) => void)[]>();
  const mainHandlers = new Map<string, (event: unknown, payload: unknown) => unknown>();

  class FakeWebContents extends EventEmitter {
    url = '';
    destroyed = false;
    openHandler: ((details: { url: string }) => { action: string }) | null = null;
    send(channel: string, payload?: unknown): void {
      this.deliver(channel, payload, []);
    }
    postMessage(channel: string, payload: unknown, ports: unknown[] = []): void {
      this.deliver(channel, payload, ports);
    }
    private deliver(channel: string, payload: unknown, ports: readonly unknown[]): void {
      const listeners = [...(rendererListeners.get(channel) ?? [])];
      toPage.push({ channel, payload, ports, listeners: listeners.length });
      for (const listener of listeners) listener({ ports, sender: null }, payload);
    }
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
      this.openHandler = handler;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    /** A navigation the page attempts; true when the shell let it through. */
    navigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
      const attempt = new FakeEvent();
      this.emit(event, attempt, url);
      return !attempt.defaultPrevented;
    }
  }

  class FakeBrowserWindow extends EventEmitter {
    static readonly instances: FakeBrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    visible = false;
    focused = false;
    minimized = false;
    destroyed = false;
    constructor(readonly options: { show?: boolean; webPreferences?: Record<string, unknown> }) {
      super();
      FakeBrowserWindow.instances.push(this);
      this.visible = options.show !== false;
    }
    async loadFile(path: string): Promise<void> {
      this.webContents.url = `file://${path}`;
      this.webContents.emit('did-start-loading');
      queueMicrotask(() => this.emit('ready-to-show'));
    }
    async loadURL(url: string): Promise<void> {
      this.webContents.url = url;
      this.webContents.emit('did-start-loading');
      queueMicrotask(() => this.emit('ready-to-show'));
    }
    show(): void {
      this.visible = true;
      this.emit('show');
    }
    hide(): void {
      this.visible = false;
      this.focused = false;
      this.emit('hide');
    }
    focus(): void {
      this.focused = true;
      this.emit('focus');
    }
    blur(): void {
      this.focused = false;
      this.emit('blur');
    }
    isVisible(): boolean {
      return this.visible;
    }
    isFocused(): boolean {
      return this.focused;
    }
    isMinimized(): boolean {
      return this.minimized;
    }
    restore(): void {
      this.minimized = false;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    /** The user (or a quit) closes the window; false when the shell kept it. */
    close(): boolean {
      const attempt = new FakeEvent();
      this.emit('close', attempt);
      if (attempt.defaultPrevented) return false;
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.visible = false;
      this.emit('closed');
      if (FakeBrowserWindow.instances.every((window) => window.destroyed)) {
        app.emit('window-all-closed');
      }
      return true;
    }
  }

  const paths = new Map<string, string>();
  const app = Object.assign(new EventEmitter(), {
    quitRequests: 0,
    /** True once a quit went through (nothing prevented it). */
    quitted: false,
    badgeCounts: [] as number[],
    loginItems: [] as unknown[],
    protocols: [] as string[],
    wasOpenedAtLogin: false,
    requestSingleInstanceLock: () => options.singleInstance ?? true,
    whenReady: () => Promise.resolve(),
    quit() {
      app.quitRequests++;
      const attempt = new FakeEvent();
      app.emit('before-quit', attempt);
      if (attempt.defaultPrevented) return;
      for (const window of FakeBrowserWindow.instances) {
        if (!window.destroyed && !window.close()) return;
      }
      app.quitted = true;
    },
    setAsDefaultProtocolClient: (scheme: string) => app.protocols.push(scheme) > 0,
    setLoginItemSettings: (settings: unknown) => void app.loginItems.push(settings),
    getLoginItemSettings: () => ({ openAtLogin: false, wasOpenedAtLogin: app.wasOpenedAtLogin }),
    setBadgeCount: (count: number) => app.badgeCounts.push(count) > 0,
    getPath: (name: string) => paths.get(name) ?? `/nonexistent/${name}`,
    setPath: (name: string, path: string) => void paths.set(name, path),
  });

  const ipcMain = {
    handle(channel: string, handler: (event: unknown, payload: unknown) => unknown) {
      mainHandlers.set(channel, handler);
    },
    on(channel: string, listener: (event: unknown) => void) {
      mainListeners.set(channel, [...(mainListeners.get(channel) ?? []), listener]);
    },
  };

  /** The page the preload runs in: the newest window's. */
  const page = () => {
    const window = FakeBrowserWindow.instances.at(-1);
    if (!window) throw new Error('no window to run the preload in');
    return window.webContents;
  };
  const ipcRenderer = {
    on(channel: string, listener: (event: unknown, payload: unknown) => void) {
      const set = rendererListeners.get(channel) ?? new Set();
      rendererListeners.set(channel, set);
      set.add(listener);
      return ipcRenderer;
    },
    off(channel: string, listener: (event: unknown, payload: unknown) => void) {
      rendererListeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
    send(channel: string, payload?: unknown) {
      const sender = page();
      const listeners = mainListeners.get(channel) ?? [];
      toMain.push({ channel, payload, ports: [], listeners: listeners.length });
      for (const listener of listeners) listener({ sender, senderFrame: { url: sender.url } });
    },
    async invoke(channel: string, payload?: unknown) {
      const sender = page();
      const handler = mainHandlers.get(channel);
      toMain.push({ channel, payload, ports: [], listeners: handler ? 1 : 0 });
      // Electron's own words when main has no handler.
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return handler({ sender, senderFrame: { url: sender.url } }, payload);
    },
  };

  const exposed = new Map<string, unknown>();
  const contextBridge = {
    exposeInMainWorld: (key: string, api: unknown) => void exposed.set(key, api),
  };

  const channels: { port1: FakeMessagePortMain; port2: FakeMessagePortMain }[] = [];
  class FakeMessageChannelMain {
    readonly port1 = new FakeMessagePortMain();
    readonly port2 = new FakeMessagePortMain();
    constructor() {
      channels.push(this);
    }
  }

  /** A menu item as the shell builds it; Electron's own fields the tests look at. */
  interface FakeMenuItem {
    label?: string;
    type?: string;
    checked?: boolean;
    click?: () => void;
  }

  class FakeTray extends EventEmitter {
    static readonly instances: FakeTray[] = [];
    tooltip = '';
    image: unknown;
    menu: { template: FakeMenuItem[] } | null = null;
    destroyed = false;
    constructor(image: unknown) {
      super();
      this.image = image;
      FakeTray.instances.push(this);
    }
    setToolTip(tooltip: string): void {
      this.tooltip = tooltip;
    }
    setImage(image: unknown): void {
      this.image = image;
    }
    setContextMenu(menu: { template: FakeMenuItem[] }): void {
      this.menu = menu;
    }
    destroy(): void {
      this.destroyed = true;
    }
    /** Clicks the context menu's item with this label. */
    choose(label: string): void {
      const item = this.menu?.template.find((candidate) => candidate.label === label);
      if (!item?.click) throw new Error(`no tray menu item "${label}"`);
      item.click();
    }
  }

  class FakeNotification extends EventEmitter {
    static readonly instances: FakeNotification[] = [];
    static isSupported = () => true;
    shown = false;
    closed = false;
    constructor(
      readonly options: { title?: string; body?: string; actions?: { text?: string }[] },
    ) {
      super();
      FakeNotification.instances.push(this);
    }
    show(): void {
      this.shown = true;
    }
    close(): void {
      this.closed = true;
    }
    /** The user presses one of the notification's buttons. */
    act(actionIndex: number): void {
      this.emit('action', { actionIndex, selectionIndex: -1 }, actionIndex, -1);
    }
  }

  const net = { online: true, isOnline: () => net.online };
  const session = {
    defaultSession: {
      permissionHandler: null as unknown,
      headersHandler: null as unknown,
      setPermissionRequestHandler(handler: unknown) {
        session.defaultSession.permissionHandler = handler;
      },
      webRequest: {
        onHeadersReceived(handler: unknown) {
          session.defaultSession.headersHandler = handler;
        },
      },
    },
  };
  const opened: string[] = [];

  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    ipcRenderer,
    contextBridge,
    MessageChannelMain: FakeMessageChannelMain,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: unknown[]) => ({ template }) },
    Notification: FakeNotification,
    powerMonitor: new EventEmitter(),
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    session,
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: (): ReturnType<SafeStorage['getSelectedStorageBackend']> =>
        'gnome_libsecret',
      encryptString: (plain: string) => Buffer.from(plain, 'utf8').reverse(),
      decryptString: (cipher: Buffer) => Buffer.from(cipher).reverse().toString('utf8'),
    },
    shell: {
      openExternal: async (url: string) => void opened.push(url),
      showItemInFolder: (path: string) => void opened.push(path),
    },
    dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] as string[] }) },
    net,
  };

  return {
    module,
    app,
    windows: FakeBrowserWindow.instances,
    trays: FakeTray.instances,
    notifications: FakeNotification.instances,
    channels,
    exposed,
    net,
    opened,
    toPage,
    toMain,
    /** The channels main listens on with `ipcMain.on`, and those it answers with `handle`. */
    mainListensOn: () => [...mainListeners.keys()],
    mainHandles: () => [...mainHandlers.keys()],
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
