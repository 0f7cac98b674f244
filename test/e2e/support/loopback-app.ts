/**
 * The app on loopback for the Chromium suites: sipp as the provider, coturn as the STUN server,
 * the test bridge (the real engine) registered at sipp, and Debian's Chromium with one page the
 * size of the app's window; sipp callers that ring the app; and one close() for all of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import type { EngineHooks } from '../../../src-main/engine/natter-engine.js';
import type { SettingsUpdate } from '../../../src-shared/settings.js';
import type { RecordingDesktop } from '../../../src-main/app/recording/recording-desktop.js';
import { LAB_PASSWORD, LAB_USER, loopbackSippArgs } from '../../lab/support/peers.js';
import { startLoopbackCoturn } from '../../support/loopback-coturn.js';
import { startBridge, type Bridge } from './bridge-server.js';
import { FAKE_MICROPHONE_FLAGS, launchChromium, RENDERER } from './browser.js';

export interface LoopbackAppOptions {
  /**
   * Where the suite's random ports start (each within 1000 of it, the SIP one even): suites run
   * side by side, so each keeps to its own range. `stun` starts coturn there, as the STUN server
   * (`'any'`: on a port coturn's own launcher picks).
   */
  ports?: { sip?: number; stun?: number | 'any' };
  /** The provider: sipp on a port from `ports.sip` running `scenario` for `calls` calls. */
  provider?: { scenario: string; calls: number; sipp: string[] };
  /** The bridge's settings; by default the account at sipp and coturn as the STUN server. */
  settings?: (ports: { sipPort: number; stunPort: number }) => SettingsUpdate;
  hooks?: EngineHooks;
  /** Chromium's fake microphone: its built-in tone, or this WAV file; none when absent. */
  microphone?: true | string;
  /** Sound plays without a click first (the ringtone, the far end's audio). */
  autoplay?: boolean;
  /** The page may read and write the clipboard, as "Copy" buttons need. */
  clipboard?: boolean;
  /** The stand-in for the native folder dialog and file manager (recordings). */
  recordingDesktop?: RecordingDesktop;
}

export interface LoopbackApp {
  bridge: Bridge;
  browser: Browser;
  /** 420×760 at scale 1, as the app's window opens. */
  page: Page;
  /** The provider's port; 0 when the suite brings its own provider. */
  sipPort: number;
  /** coturn's port; 0 without coturn. */
  stunPort: number;
  /** A sipp on `port` placing one call to the engine's Contact with `scenario` and `extra`. */
  spawnCaller(scenario: string, port: number, extra: string[]): ChildProcess;
  /** Closes the browser and the bridge, and kills sipp, the callers and coturn. */
  close(): Promise<void>;
}

/** The lab account at `server` (host:port) with `stunServer` as its one STUN server. */
export function labAccount(server: string, stunServer: string): SettingsUpdate {
  return {
    account: { server, user: LAB_USER, displayName: 'Home office' },
    password: LAB_PASSWORD,
    stunServers: [stunServer],
  };
}

/** Chromium's flags for the fake microphone and autoplay, in the order the suites gave them. */
function chromiumArgs(options: Pick<LoopbackAppOptions, 'microphone' | 'autoplay'>) {
  const { microphone, autoplay } = options;
  return [
    ...(autoplay ? ['--autoplay-policy=no-user-gesture-required'] : []),
    ...(microphone ? FAKE_MICROPHONE_FLAGS : []),
    ...(typeof microphone === 'string' ? [`--use-file-for-fake-audio-capture=${microphone}`] : []),
  ];
}

/**
 * Starts everything in the order the suites rely on: sipp, coturn, the bridge, Chromium. When a
 * step fails, what had started is stopped before the error is thrown.
 */
export async function startLoopbackApp(options: LoopbackAppOptions): Promise<LoopbackApp> {
  const children: ChildProcess[] = [];
  const { ports = {} } = options;
  const sipPort = ports.sip === undefined ? 0 : ports.sip + Math.floor(Math.random() * 1000) * 2;
  let stunPort = typeof ports.stun === 'number' ? ports.stun + Math.floor(Math.random() * 1000) : 0;
  let bridge: Bridge | undefined;
  let browser: Browser | undefined;
  const sipp = (args: string[]): ChildProcess => {
    // In the run's temporary directory: a scenario's capture is named relative to it, and what
    // sipp writes of its own goes there too.
    const child = spawn('sipp', args, { stdio: 'ignore', cwd: tmpdir() });
    children.push(child);
    return child;
  };
  const close = async (): Promise<void> => {
    await browser?.close();
    await bridge?.close();
    for (const child of children) child.kill('SIGKILL');
  };
  try {
    const { provider } = options;
    if (provider) {
      sipp([...loopbackSippArgs(provider.scenario, sipPort, provider.calls), ...provider.sipp]);
    }
    if (ports.stun !== undefined) {
      const coturn = await startLoopbackCoturn({ port: stunPort || undefined });
      children.push(coturn.process);
      stunPort = coturn.port;
    }
    const settings =
      options.settings ?? (() => labAccount(`127.0.0.1:${sipPort}`, `127.0.0.1:${stunPort}`));
    const started = await startBridge({
      rendererDir: RENDERER,
      localAddress: '127.0.0.1',
      hooks: options.hooks,
      settings: settings({ sipPort, stunPort }),
      recordingDesktop: options.recordingDesktop,
    });
    bridge = started;
    browser = await launchChromium({ extraArgs: chromiumArgs(options) });
    const page = await browser.newPage({
      viewport: { width: 420, height: 760 },
      deviceScaleFactor: 1,
    });
    if (options.clipboard) {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: new URL(started.url).origin,
      });
    }
    return {
      bridge: started,
      browser,
      page,
      sipPort,
      stunPort,
      spawnCaller(scenario, port, extra) {
        const contactPort = /:(\d+);transport/.exec(
          started.service.engine.contactHeader ?? '',
        )?.[1];
        if (contactPort === undefined) throw new Error('the engine has no Contact port to call');
        return sipp([...loopbackSippArgs(scenario, port, 1), ...extra, `127.0.0.1:${contactPort}`]);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
