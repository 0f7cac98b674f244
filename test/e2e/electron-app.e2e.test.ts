/**
 * The packaged shell in real Electron, through Playwright's Electron driver. It runs where the
 * Electron binary is installed (a developer's desktop). Build machines cannot download that
 * binary, so there it prints one loud line and skips; NATTER_ELECTRON_REQUIRED=1 makes the
 * missing binary a failure instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../lab/support/peers.js';

function electronBinary(): string | null {
  try {
    const packageDir = join(createRequire(import.meta.url).resolve('electron/package.json'), '..');
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  if (process.env.NATTER_ELECTRON_REQUIRED === '1') {
    throw new Error(
      'electron suite: NATTER_ELECTRON_REQUIRED=1 but the Electron binary is missing',
    );
  }
  console.warn(
    'SKIP (expected on build machines) electron suite: the Electron binary is not installed here; run it on a desktop',
  );
}

describe.skipIf(!binary)('the desktop app in Electron', () => {
  let app: ElectronApplication;
  afterAll(async () => {
    await app?.close();
  });

  it('opens one hardened window with the contract bridge and nothing of Node', async () => {
    app = await _electron.launch({
      executablePath: binary ?? undefined,
      // Started as a tel: link starts it: the number must reach the dialer, through the preload's
      // ready handshake, without being dialled.
      args: [join(REPO, 'dist/app/main/main.js'), 'tel:4443'],
      env: { ...process.env, ELECTRON_DISABLE_SECURITY_WARNINGS: '0' },
    });
    const window = await app.firstWindow();
    expect(await window.title()).toBe('Natter');
    const exposed = await window.evaluate(() => ({
      bridge: typeof (window as unknown as { natter?: unknown }).natter,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      methods: Object.keys((window as unknown as { natter?: object }).natter ?? {}).sort(),
    }));
    // Context isolation and no Node integration: the page sees the bridge's two methods only.
    expect(exposed).toEqual({
      bridge: 'object',
      require: 'undefined',
      process: 'undefined',
      methods: ['invoke', 'on'],
    });
    await expect.poll(() => window.inputValue('#number'), { timeout: 10_000 }).toBe('4443');
    expect(await window.locator('section.call').count()).toBe(0);
    await window.screenshot({ path: join(REPO, 'test-results/screens/electron.png') });
  });
});
