/**
 * The part of Electron the desktop shell uses, and nothing more. `main.ts` passes the real
 * modules; the shell suite passes fakes (test/unit/app/fake-electron.ts). Types only: nothing
 * here loads Electron, so the shell runs and is tested under plain Node.
 */
import type {
  App,
  BrowserWindow,
  BrowserWindowConstructorOptions,
  Dialog,
  IpcMain,
  Menu,
  MessageChannelMain,
  NativeImage,
  Net,
  Notification,
  NotificationConstructorOptions,
  PowerMonitor,
  SafeStorage,
  Session,
  Shell,
  Tray,
} from 'electron';

export interface ElectronPorts {
  app: Pick<
    App,
    | 'on'
    | 'quit'
    | 'whenReady'
    | 'requestSingleInstanceLock'
    | 'setAsDefaultProtocolClient'
    | 'setLoginItemSettings'
    | 'getLoginItemSettings'
    | 'setBadgeCount'
    | 'getPath'
    | 'setPath'
  >;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  /** Registration only: the shell routes every invoke through the IPC router. */
  ipcMain: Pick<IpcMain, 'handle' | 'on'>;
  MessageChannelMain: new () => MessageChannelMain;
  Tray: new (image: NativeImage) => Tray;
  Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  Notification: (new (options: NotificationConstructorOptions) => Notification) &
    Pick<typeof Notification, 'isSupported'>;
  powerMonitor: Pick<PowerMonitor, 'on'>;
  nativeImage: { createFromPath(path: string): NativeImage };
  session: { defaultSession: Pick<Session, 'setPermissionRequestHandler' | 'webRequest'> };
  safeStorage: Pick<
    SafeStorage,
    'isEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptString' | 'decryptString'
  >;
  shell: Pick<Shell, 'openExternal' | 'showItemInFolder'>;
  /** The folder dialog for call recordings. */
  dialog: Pick<Dialog, 'showOpenDialog'>;
  net: Pick<Net, 'isOnline'>;
}
