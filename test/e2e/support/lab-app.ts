/**
 * The app inside a lab namespace, for end-to-end tests behind a real router: the test bridge
 * (bridge-main.js, the real engine) started in the lab's client namespace, and Debian's Chromium
 * in the same namespace so it reaches the bridge over that namespace's own loopback.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { SettingsUpdate } from '../../../src-shared/settings.js';
import type { Lab } from '../../lab/support/netns-lab.js';
import { REPO } from '../../lab/support/peers.js';
import { waitFor } from '../../lab/support/wait.js';
import { labUnavailableReason } from '../../support/lab-guard.js';
import {
  CHROMIUM,
  DOCS_SCREENS,
  FAKE_MICROPHONE_FLAGS,
  launchChromium,
  RENDERER,
  SCREENS,
} from './browser.js';

export const BRIDGE_MAIN = join(REPO, 'dist/test/e2e/support/bridge-main.js');

/** Why the app cannot run in the lab here (null when it can): Chromium, the lab, the build. */
export function labAppUnavailableReason(commands: string[]): string | null {
  if (!existsSync(CHROMIUM)) return 'needs Debian chromium';
  return (
    labUnavailableReason(commands) ??
    (!existsSync(join(RENDERER, 'index.html')) || !existsSync(BRIDGE_MAIN)
      ? 'needs the built renderer and bridge (npm run build)'
      : null)
  );
}

export interface LabBridge {
  /** The renderer's URL, with the bridge's WebSocket in its query. */
  url: string;
  child: ChildProcess;
  /** Everything the bridge wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM (the bridge un-REGISTERs), then waits up to 3 s for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts bridge-main.js in the lab's client namespace and resolves with the URL it prints, which
 * it does only after the account has registered through the router. Passwords travel in the
 * environment (`NATTER_PASSWORD`, `NATTER_TURN_PASSWORD`), never on the command line; the bridge
 * hands them to the settings store, which keeps them encrypted.
 */
export function startBridgeInClient(
  lab: Lab,
  settings: SettingsUpdate,
  env: Record<string, string>,
): Promise<LabBridge> {
  const child = lab.spawn(
    lab.client,
    process.execPath,
    [BRIDGE_MAIN, JSON.stringify(settings)],
    env,
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const bridge = (url: string): LabBridge => ({
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, 3000);
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bridge silent for 20 s: ${stderr}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve(bridge((JSON.parse(line) as { url: string }).url));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bridge exited (${code}) before serving: ${stderr}`));
    });
  });
}

/**
 * Playwright talks to Chromium over inherited pipes (--remote-debugging-pipe), which survive
 * `ip netns exec`; so a wrapper that enters the namespace is all it takes for the browser to see
 * the bridge on the namespace's own loopback. The wrapper is written into `scratch`.
 */
export function chromiumInNamespace(ns: string, scratch: string): string {
  const ip = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
  const wrapper = join(scratch, `chromium-in-${ns}`);
  writeFileSync(wrapper, `#!/bin/sh\nexec ${ip} netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** Debian's Chromium inside `ns`, with a fake microphone (a tone) granted without asking. */
export function launchChromiumIn(ns: string, scratch: string): Promise<Browser> {
  return launchChromium({
    executablePath: chromiumInNamespace(ns, scratch),
    extraArgs: FAKE_MICROPHONE_FLAGS,
  });
}

/** Copies a screenshot from test-results/screens to docs/screens. */
export function publishScreen(name: string): void {
  mkdirSync(DOCS_SCREENS, { recursive: true });
  copyFileSync(join(SCREENS, name), join(DOCS_SCREENS, name));
}
