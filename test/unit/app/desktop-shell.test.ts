/**
 * The desktop app as Electron runs it, without the Electron binary: `electron` is mocked at the
 * module boundary (test/support/fake-electron.ts), and the suite loads the real main.ts and the
 * real preload.ts against it, with the real app service and engine behind them. What crosses
 * between the two is recorded by the fakes, so the contract checks compare what each side did,
 * not lists written here.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppService } from '../../../src-main/app/app-service.js';
import type * as AppServiceModule from '../../../src-main/app/app-service.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { NatterBridge } from '../../../src-shared/ipc-contract.js';
import { EMPTY_RTP_STATS } from '../../../src-main/engine/call-record.js';
import { callInfo } from '../../support/call-info.js';
import { officeAccount } from '../../support/more-account.js';
import { createFakeElectron, type FakeElectron } from '../../support/fake-electron.js';

const world = vi.hoisted(() => ({
  electron: null as { module: Record<string, unknown> } | null,
  service: null as AppService | null,
}));

vi.mock('electron', () => {
  const names = [
    'app',
    'BrowserWindow',
    'ipcMain',
    'ipcRenderer',
    'contextBridge',
    'MessageChannelMain',
    'Tray',
    'Menu',
    'Notification',
    'powerMonitor',
    'nativeImage',
    'session',
    'safeStorage',
    'shell',
    'dialog',
    'net',
  ];
  const module: Record<string, unknown> = {};
  // Each test brings a fresh fake world; the module reads from whichever is current.
  for (const name of names) {
    Object.defineProperty(module, name, {
      enumerable: true,
      get: () => world.electron?.module[name],
    });
  }
  return module;
});

// The real app service, kept at hand so a test can watch what the shell asks of it.
vi.mock('../../../src-main/app/app-service.js', async (importOriginal) => {
  const actual = await importOriginal<typeof AppServiceModule>();
  return {
    ...actual,
    createAppService: (...args: Parameters<typeof actual.createAppService>) => {
      world.service = actual.createAppService(...args);
      return world.service;
    },
  };
});

const savedArgv = process.argv;
/** Where each platform's settings folder is found (app-paths.ts): all point into a temp dir. */
const FOLDER_VARIABLES = ['XDG_CONFIG_HOME', 'APPDATA', 'HOME'] as const;
const savedFolders = FOLDER_VARIABLES.map((name) => [name, process.env[name]] as const);
const savedPlatform = process.platform;

interface Started {
  electron: FakeElectron;
  service: AppService;
  configHome: string;
  settingsFile: string;
}

/** Starts main.ts as Electron would, with a fresh settings folder (and settings, if given). */
async function startApp(
  options: { argv?: string[]; settings?: object; platform?: NodeJS.Platform } = {},
): Promise<Started> {
  const electron = createFakeElectron();
  world.electron = electron;
  world.service = null;
  const configHome = mkdtempSync(join(tmpdir(), 'natter-shell-'));
  for (const name of FOLDER_VARIABLES) process.env[name] = configHome;
  // macOS keeps it under ~/Library/Application Support, Windows in %APPDATA%, Linux in XDG's.
  const userData =
    options.platform === 'darwin'
      ? join(configHome, 'Library', 'Application Support', 'Natter')
      : join(configHome, 'Natter');
  const settingsFile = join(userData, 'settings.json');
  // The shell's own complaints (refused payloads in the contract check) are expected here.
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  if (options.settings) {
    mkdirSync(userData, { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ settings: options.settings }));
  }
  process.argv = ['/opt/Natter/natter', '/opt/Natter/resources/app', ...(options.argv ?? [])];
  if (options.platform) Object.defineProperty(process, 'platform', { value: options.platform });
  vi.resetModules();
  await import('../../../src-main/app/main.js');
  await vi.waitFor(() => {
    expect(electron.windows).toHaveLength(1);
    expect(electron.trays).toHaveLength(1);
  });
  const service = world.service as AppService | null;
  if (!service) throw new Error('main.ts did not create the app service');
  return { electron, service, configHome, settingsFile };
}

interface LoadedPage {
  bridge: NatterBridge;
  /** What the preload handed to the page with window.postMessage. */
  posted: { message: string; targetOrigin: string; transfer: readonly unknown[] }[];
  /** The page's scripts have run: DOMContentLoaded. */
  scriptsRan(): void;
}

/** Runs the real preload in the newest window, as Electron does before the page's scripts. */
async function loadPreload(): Promise<LoadedPage> {
  const posted: LoadedPage['posted'] = [];
  const document = Object.assign(new EventEmitter(), {
    readyState: 'loading',
    addEventListener(type: string, listener: () => void) {
      document.once(type, listener);
    },
  });
  vi.stubGlobal('document', document);
  vi.stubGlobal('postMessage', (message: string, targetOrigin: string, transfer: unknown[]) =>
    posted.push({ message, targetOrigin, transfer }),
  );
  await import('../../../src-main/app/preload.js');
  const bridge = (world.electron as FakeElectron | null)?.exposed.get('natter') as
    NatterBridge | undefined;
  if (!bridge) throw new Error('the preload exposed no bridge');
  return {
    bridge,
    posted,
    scriptsRan: () => {
      document.readyState = 'interactive';
      document.emit('DOMContentLoaded');
    },
  };
}

/** A page that has loaded and said it is ready. */
async function readyPage(): Promise<LoadedPage> {
  const page = await loadPreload();
  page.scriptsRan();
  await vi.waitFor(() => expect(page.posted).toHaveLength(1));
  return page;
}

function call(patch: Partial<CallInfo>): CallInfo {
  return callInfo({
    id: 'call-1',
    remoteDisplayName: 'Alice',
    startedAt: new Date().toISOString(),
    ...patch,
  });
}

/** What the engine emits for a call as it changes; the shell hears it as the page does. */
function engineEmits(service: AppService, event: 'call', payload: CallInfo): void {
  (service.engine as unknown as { events: EventEmitter }).events.emit(event, payload);
}

function dialsReceived(electron: FakeElectron): unknown[] {
  return electron.toPage.filter((m) => m.channel === 'natter:event:dial').map((m) => m.payload);
}

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  // Quit each app the way a user would, so its engine and watchers stop.
  const electron = world.electron as FakeElectron | null;
  if (electron && !electron.app.quitted) {
    electron.app.quit();
    await vi.waitFor(() => expect(electron.app.quitted).toBe(true));
  }
  world.electron = null;
  process.argv = savedArgv;
  for (const [name, value] of savedFolders) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  Object.defineProperty(process, 'platform', { value: savedPlatform });
});

// Each test loads main.ts afresh (the engine, sip.js and every schema): seconds on a loaded machine.
vi.setConfig({ testTimeout: 30_000 });

describe('main and the preload speak the same channels', () => {
  it('every channel main listens on is sent by the preload, every message main sends is heard', async () => {
    const { electron } = await startApp({ argv: ['tel:15145550100'] });
    // Load and let the page's scripts run; whatever the preload does then, it does by itself.
    const page = await loadPreload();
    page.scriptsRan();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const heard: string[] = [];
    page.bridge.on('dial', ({ number }) => heard.push(number));

    // Messages main waits for (ipcMain.on) must come from the preload by itself, unprompted.
    const listened = electron.mainListensOn();
    expect(listened.length).toBeGreaterThan(0);
    const sentByPreload = new Set(electron.toMain.map((message) => message.channel));
    for (const channel of listened) {
      expect(sentByPreload, `main waits for "${channel}"; the preload never sends it`).toContain(
        channel,
      );
    }
    // Every command main answers (ipcMain.handle) is reachable through the preload's bridge: a
    // payload no schema accepts comes back refused by main's router, not lost on the way.
    const handled = electron.mainHandles();
    expect(handled.length).toBeGreaterThan(10);
    for (const channel of handled) {
      const command = channel.replace(/^natter:invoke:/, '') as 'snapshot';
      await expect(
        page.bridge.invoke(command, null as unknown as Record<string, never>),
        `${channel} through the preload`,
      ).rejects.toMatchObject({ code: 'bad-payload' });
    }
    // Every message main sent toward the page found a listener in the preload.
    expect(electron.toPage.length).toBeGreaterThan(1);
    for (const message of electron.toPage) {
      expect(message.listeners, `main sent "${message.channel}"; nothing listens`).toBeGreaterThan(
        0,
      );
    }
    expect(heard).toEqual(['15145550100']);
  });

  it('hands the call-audio port to the page once the page is ready, not before', async () => {
    const { electron, service } = await startApp();
    const attach = vi.spyOn(service.audio, 'attach');
    const page = await loadPreload();
    // The page's scripts have not run: nothing for them yet.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(electron.channels).toHaveLength(0);
    expect(page.posted).toEqual([]);

    page.scriptsRan();
    await vi.waitFor(() => expect(page.posted).toHaveLength(1));
    expect(electron.toMain.map((message) => message.channel)).toContain('natter:ready');
    const [channel] = electron.channels;
    expect(page.posted[0]).toEqual({
      message: 'natter:audio-port',
      targetOrigin: '*',
      transfer: [channel?.port2],
    });
    // Main keeps the other end for the call audio, started and owned by the audio router.
    expect(channel?.port1.started).toBe(true);
    expect(attach).toHaveBeenCalledTimes(1);
    service.audio.onCall({ ...call({ state: 'connected' }) });
    service.audio.hooks().onCallAudio('call-1', new Int16Array(160));
    expect(channel?.port1.posted).toHaveLength(1);
  });

  it('ignores a ready message from a page that is not the app', async () => {
    const { electron } = await startApp();
    const page = await loadPreload();
    const window = electron.windows[0];
    if (window) window.webContents.url = 'https://attacker.example/';
    page.scriptsRan();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(electron.channels).toHaveLength(0);
    expect(page.posted).toEqual([]);
  });
});

describe('tel:, sip: and callto: links', () => {
  it('a link the app was started with fills the dialer once the page is ready, and dials nothing', async () => {
    const { electron, service } = await startApp({ argv: ['tel:+1-514-555-0100'] });
    const invoke = vi.spyOn(service.engine, 'invoke');
    const page = await readyPage();
    // The dialer subscribes after React has rendered, later than the hand-over: it still gets it.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const heard: string[] = [];
    page.bridge.on('dial', ({ number }) => heard.push(number));
    expect(heard).toEqual(['+15145550100']);
    expect(dialsReceived(electron)).toEqual([{ number: '+15145550100' }]);
    expect(electron.toMain.map((message) => message.channel)).not.toContain('natter:invoke:call');
    expect(invoke.mock.calls.map(([command]) => command)).not.toContain('call');
  });

  it('a link macOS opens at start (open-url) waits for the page', async () => {
    const { electron } = await startApp();
    const opened = { preventDefault: vi.fn() };
    electron.app.emit('open-url', opened, 'callto://15145550100');
    expect(opened.preventDefault).toHaveBeenCalled();
    expect(dialsReceived(electron)).toEqual([]);
    const page = await readyPage();
    const heard: string[] = [];
    page.bridge.on('dial', ({ number }) => heard.push(number));
    expect(heard).toEqual(['15145550100']);
  });

  it('a link given to a second instance fills the running one’s dialer and shows its window', async () => {
    const { electron, service } = await startApp();
    const invoke = vi.spyOn(service.engine, 'invoke');
    const page = await readyPage();
    const heard: string[] = [];
    page.bridge.on('dial', ({ number }) => heard.push(number));
    const window = electron.windows[0];
    window?.close();
    expect(window?.isVisible()).toBe(false);

    electron.app.emit('second-instance', {}, ['/opt/Natter/natter', 'sip:4443@montreal.voip.ms']);
    electron.app.emit('second-instance', {}, ['/opt/Natter/natter', 'not a link']);
    expect(heard).toEqual(['4443']);
    expect(window?.isVisible()).toBe(true);
    expect(window?.isFocused()).toBe(true);
    expect(invoke.mock.calls.map(([command]) => command)).not.toContain('call');
  });

  it('registers the app for all three schemes', async () => {
    const { electron } = await startApp();
    expect(electron.app.protocols).toEqual(['tel', 'sip', 'callto']);
  });
});

describe('the window', () => {
  it('is hardened: isolated, sandboxed, no Node, web security on, no navigation or new windows', async () => {
    const { electron } = await startApp();
    const window = electron.windows[0];
    expect(window?.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(String(window?.options.webPreferences?.preload)).toMatch(/preload[/\\]preload\.cjs$/);
    const contents = window?.webContents;
    expect(contents?.url).toMatch(/^file:\/\/.*renderer[/\\]index\.html$/);
    expect(contents?.navigate('will-navigate', 'https://attacker.example/')).toBe(false);
    expect(contents?.openHandler?.({ url: 'https://voip.ms/m/login.php' })).toEqual({
      action: 'deny',
    });
    expect(contents?.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(electron.opened).toEqual(['https://voip.ms/m/login.php']);
  });

  it('allows the microphone only, and puts the CSP on every response', async () => {
    const { electron } = await startApp();
    const session = electron.module.session.defaultSession;
    const ask = (permission: string, mediaTypes: string[] = []) => {
      let granted: boolean | undefined;
      (session.permissionHandler as (...args: unknown[]) => void)(
        null,
        permission,
        (answer: boolean) => (granted = answer),
        { mediaTypes },
      );
      return granted;
    };
    expect(ask('media', ['audio'])).toBe(true);
    expect(ask('media', ['audio', 'video'])).toBe(false);
    expect(ask('geolocation')).toBe(false);
    let headers: Record<string, string[]> = {};
    (session.headersHandler as (...args: unknown[]) => void)(
      { responseHeaders: {} },
      (response: { responseHeaders: Record<string, string[]> }) =>
        (headers = response.responseHeaders),
    );
    expect(headers['Content-Security-Policy']?.[0]).toMatch(/^default-src 'none'/);
  });
});

describe('life in the tray', () => {
  it('closing the window keeps Natter running in the tray, with a notice the first time only', async () => {
    const { electron, settingsFile } = await startApp();
    const window = electron.windows[0];
    await vi.waitFor(() => expect(window?.isVisible()).toBe(true));
    expect(window?.close()).toBe(false);
    expect(window?.isVisible()).toBe(false);
    expect(electron.app.quitted).toBe(false);
    await vi.waitFor(() =>
      expect(JSON.parse(readFileSync(settingsFile, 'utf8')).settings.closeToTrayNoticeShown).toBe(
        true,
      ),
    );
    window?.show();
    expect(window?.close()).toBe(false);
    const notices = electron.notifications.filter((n) => n.options.title?.includes('running'));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.shown).toBe(true);

    electron.trays[0]?.emit('click');
    expect(window?.isVisible()).toBe(true);
  });

  it('with close-to-tray off, closing the window quits (after unregistering)', async () => {
    const { electron, service } = await startApp({ settings: { closeToTray: false } });
    const stop = vi.spyOn(service, 'stop');
    expect(electron.windows[0]?.close()).toBe(true);
    await vi.waitFor(() => expect(electron.app.quitted).toBe(true));
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('Quit from the tray menu waits for the account to unregister before the app exits', async () => {
    const { electron, service } = await startApp();
    let unregistered: () => void = () => undefined;
    const stop = vi
      .spyOn(service, 'stop')
      .mockImplementation(() => new Promise<void>((resolve) => (unregistered = resolve)));
    electron.trays[0]?.choose('Quit Natter');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stop).toHaveBeenCalledTimes(1);
    expect(electron.app.quitted).toBe(false);
    unregistered();
    await vi.waitFor(() => expect(electron.app.quitted).toBe(true));
    expect(electron.trays[0]?.destroyed).toBe(true);
  });

  it('Quit does not hang on a registrar that never answers', async () => {
    const { electron, service } = await startApp();
    vi.spyOn(service, 'stop').mockImplementation(() => new Promise<void>(() => undefined));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    electron.trays[0]?.choose('Quit Natter');
    await vi.advanceTimersByTimeAsync(2_900);
    expect(electron.app.quitted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(electron.app.quitted).toBe(true);
  });

  it('start at login writes the autostart entry on Linux, started hidden, and follows the setting', async () => {
    const { electron, configHome } = await startApp({ settings: { startAtLogin: true } });
    const entry = join(configHome, 'autostart', 'natter.desktop');
    await vi.waitFor(() => expect(existsSync(entry)).toBe(true));
    expect(readFileSync(entry, 'utf8')).toMatch(/^Exec=".+" --hidden$/m);
    const page = await readyPage();
    await page.bridge.invoke('saveSettings', { startAtLogin: false });
    await vi.waitFor(() => expect(existsSync(entry)).toBe(false));
    expect(electron.app.loginItems).toEqual([]);
  });

  it('start at login on Windows is a login item that starts in the tray', async () => {
    const { electron } = await startApp({ settings: { startAtLogin: true }, platform: 'win32' });
    expect(electron.app.loginItems).toEqual([{ openAtLogin: true, args: ['--hidden'] }]);
  });

  it('a start with --hidden loads the window but leaves it in the tray', async () => {
    const { electron } = await startApp({ argv: ['--hidden'] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(electron.windows[0]?.webContents.url).toMatch(/^file:/);
    expect(electron.windows[0]?.isVisible()).toBe(false);
    electron.trays[0]?.choose('Show Natter');
    expect(electron.windows[0]?.isVisible()).toBe(true);
  });
});

describe('the tray and do not disturb', () => {
  it('says do not disturb while it is on, and stops saying it once the page turns it off', async () => {
    const { electron } = await startApp({ settings: { doNotDisturb: true } });
    const tooltip = () => electron.trays[0]?.tooltip;
    await vi.waitFor(() => expect(tooltip()).toMatch(/ · Do not disturb$/));
    const page = await readyPage();
    await page.bridge.invoke('saveSettings', { doNotDisturb: false });
    await vi.waitFor(() => expect(tooltip()).not.toMatch(/Do not disturb/));
  });
  it('its menu switch turns do not disturb on for every account and off again, and the page hears it', async () => {
    const office = officeAccount({
      doNotDisturbAction: 'forward',
      doNotDisturbForwardTo: '15145550199',
    });
    const { electron, settingsFile } = await startApp({ settings: { moreAccounts: [office] } });
    const page = await readyPage();
    const heard: boolean[] = [];
    page.bridge.on('settings', (settings) => heard.push(settings.doNotDisturb));
    const tray = () => electron.trays[0];
    const label = 'Do not disturb on every account';
    const menuSwitch = () => tray()?.menu?.template.find((item) => item.label === label);
    const saved = () =>
      JSON.parse(readFileSync(settingsFile, 'utf8')).settings as {
        doNotDisturb: boolean;
        moreAccounts: (typeof office)[];
      };
    await vi.waitFor(() =>
      expect(menuSwitch()).toMatchObject({ type: 'checkbox', checked: false }),
    );

    tray()?.choose(label);
    await vi.waitFor(() => expect(menuSwitch()?.checked).toBe(true));
    expect(saved().doNotDisturb).toBe(true);
    // Each account keeps what its callers get meanwhile: Office still forwards.
    expect(saved().moreAccounts[0]).toMatchObject({
      doNotDisturb: true,
      doNotDisturbAction: 'forward',
      doNotDisturbForwardTo: '15145550199',
    });
    expect(tray()?.tooltip).toMatch(/ · Do not disturb$/);
    await vi.waitFor(() => expect(heard).toEqual([true]));

    tray()?.choose(label);
    await vi.waitFor(() => expect(menuSwitch()?.checked).toBe(false));
    expect(saved().doNotDisturb).toBe(false);
    expect(saved().moreAccounts[0]?.doNotDisturb).toBe(false);
    expect(tray()?.tooltip).not.toMatch(/Do not disturb/);
    await vi.waitFor(() => expect(heard).toEqual([true, false]));
  });

  it('with only some accounts on, the switch is not ticked and turns every one on', async () => {
    const { electron, settingsFile } = await startApp({
      settings: {
        doNotDisturb: true,
        moreAccounts: [officeAccount()],
      },
    });
    const tray = () => electron.trays[0];
    const label = 'Do not disturb on every account';
    const menuSwitch = () => tray()?.menu?.template.find((item) => item.label === label);
    await vi.waitFor(() => expect(tray()?.tooltip).toMatch(/Do not disturb \(/));
    expect(menuSwitch()?.checked).toBe(false);
    tray()?.choose(label);
    await vi.waitFor(() => expect(menuSwitch()?.checked).toBe(true));
    const saved = JSON.parse(readFileSync(settingsFile, 'utf8')).settings as {
      moreAccounts: { doNotDisturb: boolean }[];
    };
    expect(saved.moreAccounts[0]?.doNotDisturb).toBe(true);
  });
});

describe('the tray during a call', () => {
  it('names the caller as the address book does, and looks again only when that changes', async () => {
    const { electron, service } = await startApp();
    await service.handlers.saveContact({
      contact: {
        name: 'Alice Martin',
        numbers: [{ number: '15145550100', label: 'mobile' }],
        favourite: false,
      },
    });
    // The engine's snapshot holds the calls it reported, as the real one does.
    let reported: CallInfo[] = [];
    const original = service.engine.invoke.bind(service.engine);
    const invoke = vi
      .spyOn(service.engine, 'invoke')
      .mockImplementation(async (command, request) => {
        const answer = await original(command, request);
        return command === 'snapshot' ? { ...answer, calls: reported } : answer;
      }) as unknown as { mock: { calls: [string, unknown][] } };
    const snapshots = () => invoke.mock.calls.filter(([command]) => command === 'snapshot').length;
    const report = (patch: Partial<CallInfo>) => {
      const now = call(patch);
      reported = now.state === 'ended' ? [] : [now];
      engineEmits(service, 'call', now);
    };
    const tooltip = () => electron.trays[0]?.tooltip;

    report({});
    await vi.waitFor(() => expect(tooltip()).toBe('Natter — Incoming call from Alice Martin'));
    const answeredAt = new Date().toISOString();
    report({ state: 'connected', answeredAt });
    await vi.waitFor(() => expect(tooltip()).toBe('Natter — In call with Alice Martin'));
    const looked = snapshots();
    // A second of a call's statistics, forty times: nothing the tray shows changed.
    for (let second = 1; second <= 40; second++) {
      report({
        state: 'connected',
        answeredAt,
        codec: 'PCMU',
        stats: { ...EMPTY_RTP_STATS, packetsSent: second * 50, packetsReceived: second * 50 },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(snapshots()).toBe(looked);
    report({ state: 'on-hold', answeredAt });
    await vi.waitFor(() => expect(tooltip()).toBe('Natter — On hold with Alice Martin'));
    report({ state: 'ended', answeredAt, endedAt: new Date().toISOString() });
    await vi.waitFor(() => expect(tooltip()).not.toMatch(/Alice/));
    expect(snapshots()).toBe(looked + 2);
  });
});

describe('call notifications', () => {
  it('an incoming call’s notification raises the window; on macOS it answers and declines', async () => {
    const { electron, service } = await startApp({ platform: 'darwin' });
    const window = electron.windows[0];
    window?.hide();
    const invoke = vi.spyOn(service.engine, 'invoke');
    engineEmits(service, 'call', call({}));
    const ringing = electron.notifications.find((n) => n.options.title === 'Incoming call');
    expect(ringing?.shown).toBe(true);
    expect(ringing?.options.body).toContain('Alice');
    expect(ringing?.options.actions?.map((action) => action.text)).toEqual(['Answer', 'Decline']);
    ringing?.emit('click');
    expect(window?.isVisible()).toBe(true);
    expect(window?.isFocused()).toBe(true);

    ringing?.act(0);
    ringing?.act(1);
    // Answering goes through the accounts' queue (other accounts' calls are held first).
    await vi.waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('answer', { callId: 'call-1', holdOthers: true }),
    );
    expect(invoke).toHaveBeenCalledWith('reject', { callId: 'call-1' });
  });

  it('offers no buttons where notifications cannot carry them (Linux)', async () => {
    const { electron, service } = await startApp();
    engineEmits(service, 'call', call({}));
    const ringing = electron.notifications.find((n) => n.options.title === 'Incoming call');
    expect(ringing?.shown).toBe(true);
    expect(ringing?.options.actions).toBeUndefined();
  });

  it('a missed call leaves a notification and a badge until the window is looked at', async () => {
    const { electron, service } = await startApp();
    const window = electron.windows[0];
    window?.hide();
    engineEmits(service, 'call', call({}));
    const missed = call({
      state: 'ended',
      endedAt: new Date().toISOString(),
      end: { code: 'cancelled', message: 'Missed call: the caller hung up' },
    });
    engineEmits(service, 'call', missed);
    engineEmits(service, 'call', missed);
    const ringing = electron.notifications.find((n) => n.options.title === 'Incoming call');
    expect(ringing?.closed).toBe(true);
    const note = electron.notifications.find((n) => n.options.title === 'Missed call');
    expect(note?.shown).toBe(true);
    expect(electron.app.badgeCounts.at(-1)).toBe(1);
    expect(electron.trays[0]?.tooltip).toMatch(/1 missed call$/);

    // Declined by the user is not missed.
    engineEmits(service, 'call', call({ id: 'call-2' }));
    engineEmits(
      service,
      'call',
      call({ id: 'call-2', state: 'ended', end: { code: 'rejected', message: 'You declined' } }),
    );
    expect(electron.app.badgeCounts.at(-1)).toBe(1);
    // Nor is one the user hung up while it rang: History calls both declined, and so does the badge.
    engineEmits(service, 'call', call({ id: 'call-3' }));
    engineEmits(
      service,
      'call',
      call({ id: 'call-3', state: 'ended', end: { code: 'hangup-local', message: 'You hung up' } }),
    );
    expect(electron.app.badgeCounts.at(-1)).toBe(1);

    window?.show();
    window?.focus();
    expect(electron.app.badgeCounts.at(-1)).toBe(0);
    expect(electron.trays[0]?.tooltip).not.toMatch(/missed/);
    expect(note?.closed).toBe(true);
  });

  it('a click on the missed-call notification, or on the tray’s line for it, opens History on the missed calls', async () => {
    const { electron, service } = await startApp();
    const page = await readyPage();
    const opened: string[] = [];
    page.bridge.on('openHistory', ({ shown }) => opened.push(shown));
    const window = electron.windows[0];
    const trayLabels = () => electron.trays[0]?.menu?.template.map((item) => item.label) ?? [];
    const missCall = (id: string) => {
      engineEmits(service, 'call', call({ id }));
      engineEmits(
        service,
        'call',
        call({ id, state: 'ended', end: { code: 'cancelled', message: 'Missed call' } }),
      );
    };
    window?.hide();
    missCall('call-1');
    missCall('call-2');
    expect(trayLabels()).toContain('2 missed calls');
    electron.notifications.find((n) => n.options.title === 'Missed call')?.emit('click');
    expect(window?.isVisible()).toBe(true);
    expect(opened).toEqual(['missed']);
    // Seen: the tray's line goes with the badge.
    expect(electron.app.badgeCounts.at(-1)).toBe(0);
    expect(trayLabels().some((label) => label?.includes('missed'))).toBe(false);

    window?.hide();
    missCall('call-3');
    electron.trays[0]?.choose('1 missed call');
    expect(window?.isVisible()).toBe(true);
    expect(opened).toEqual(['missed', 'missed']);
    const sent = electron.toPage.filter((m) => m.channel === 'natter:event:openHistory');
    expect(sent.map((m) => m.payload)).toEqual([{ shown: 'missed' }, { shown: 'missed' }]);
  });

  it('a missed call clicked before the page is ready opens History once the page is', async () => {
    const { electron, service } = await startApp();
    electron.windows[0]?.hide();
    engineEmits(service, 'call', call({}));
    engineEmits(
      service,
      'call',
      call({ state: 'ended', end: { code: 'cancelled', message: 'Missed call' } }),
    );
    electron.notifications.find((n) => n.options.title === 'Missed call')?.emit('click');
    expect(electron.toPage.some((m) => m.channel === 'natter:event:openHistory')).toBe(false);
    const page = await readyPage();
    // History subscribes after React has rendered, later than the hand-over: it still hears it.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const opened: string[] = [];
    page.bridge.on('openHistory', ({ shown }) => opened.push(shown));
    expect(opened).toEqual(['missed']);
  });

  it('a call refused under do not disturb, which never rang, still leaves a missed-call notice', async () => {
    const { electron, service } = await startApp();
    electron.windows[0]?.hide();
    // The engine's one event for a caller it answered 486 by itself (test/lab/call-waiting).
    engineEmits(
      service,
      'call',
      call({
        id: 'refused',
        state: 'ended',
        endedAt: new Date().toISOString(),
        end: { code: 'busy', message: 'Refused while Do not disturb was on', sipStatus: 486 },
      }),
    );
    expect(electron.notifications.some((n) => n.options.title === 'Incoming call')).toBe(false);
    const note = electron.notifications.find((n) => n.options.title === 'Missed call');
    expect(note?.shown).toBe(true);
    expect(electron.app.badgeCounts.at(-1)).toBe(1);
  });
});

describe('after sleep and network changes', () => {
  it('re-registers at once on resume and unlock, one reconnect at a time', async () => {
    const { electron, service } = await startApp();
    let done: () => void = () => undefined;
    const reconnect = vi
      .spyOn(service, 'reconnect')
      .mockImplementation(() => new Promise<void>((resolve) => (done = resolve)));
    const power = electron.module.powerMonitor;
    power.emit('resume');
    power.emit('unlock-screen');
    expect(reconnect).toHaveBeenCalledTimes(1);
    done();
    await new Promise((resolve) => setTimeout(resolve, 0));
    power.emit('unlock-screen');
    expect(reconnect).toHaveBeenCalledTimes(2);
  });

  it('re-registers when the machine comes back online', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { electron, service } = await startApp();
    const reconnect = vi.spyOn(service, 'reconnect').mockResolvedValue();
    electron.net.online = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(reconnect).not.toHaveBeenCalled();
    electron.net.online = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(reconnect).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(reconnect).toHaveBeenCalledTimes(1);
  });
});

describe('a second start', () => {
  it('quits at once and leaves the running instance to take the link', async () => {
    const electron = createFakeElectron({ singleInstance: false });
    world.electron = electron;
    vi.resetModules();
    await import('../../../src-main/app/main.js');
    expect(electron.app.quitRequests).toBe(1);
    expect(electron.windows).toHaveLength(0);
  });
});
