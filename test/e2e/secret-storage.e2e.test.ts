/**
 * A system without a keyring, in Debian's Chromium against the real engine: the set-up screen
 * and Settings say in plain words that the password is kept only until Natter quits; a password
 * given there registers but never reaches the settings file, and no message the page receives
 * (snapshots, settings, events) carries it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  startLoopbackSipp,
  type LoopbackSipp,
} from '../lab/support/peers.js';
import { startBridge, type Bridge } from './support/bridge-server.js';
import {
  launchChromium,
  loopbackAppUnavailableReason,
  RENDERER,
  SCREENS,
} from './support/browser.js';

const skip = announceSkip('e2e: passwords without a keyring', loopbackAppUnavailableReason());

const NOTICE =
  /no keyring Natter can use to encrypt passwords.*kept only until you quit, and you will type it again next time/;

let browser: Browser;
let provider: LoopbackSipp;
const bridges: Bridge[] = [];

/** A page whose every WebSocket frame from the bridge (main's side) is kept. */
async function watchedPage(url: string): Promise<{ page: Page; received: string[] }> {
  const page = await browser.newPage({ viewport: { width: 420, height: 760 } });
  const received: string[] = [];
  page.on('websocket', (socket) =>
    socket.on('framereceived', (frame) => received.push(String(frame.payload))),
  );
  await page.goto(url);
  return { page, received };
}

describe.skipIf(skip)('passwords where the system has no keyring', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    provider = await startLoopbackSipp('provider-options.xml', ['-m', '100', '-timeout', '60s']);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const bridge of bridges) await bridge.close();
    provider?.child.kill('SIGKILL');
  });

  it('the set-up screen says the password will not be saved', async () => {
    const bridge = await startBridge({
      rendererDir: RENDERER,
      localAddress: '127.0.0.1',
      secureStorage: false,
    });
    bridges.push(bridge);
    const { page } = await watchedPage(bridge.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Set up Natter' }).count()).toBe(1);
    const notice = page.getByRole('note').filter({ hasText: 'keyring' });
    await expect.poll(() => notice.textContent()).toMatch(NOTICE);
    await page.screenshot({ path: join(SCREENS, 'first-run-no-keyring.png'), fullPage: true });
    await page.close();
  });

  it('settings: the password registers for this session, is not written, and never reaches the page', async () => {
    const bridge = await startBridge({
      rendererDir: RENDERER,
      localAddress: '127.0.0.1',
      secureStorage: false,
      settings: {
        account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER },
        password: LAB_PASSWORD,
      },
    });
    bridges.push(bridge);
    const { page, received } = await watchedPage(
      `${bridge.url.split('?')[0]}?${new URL(bridge.url).searchParams}&tab=settings`,
    );
    const password = page.getByLabel('SIP password', { exact: true });
    await expect.poll(() => password.getAttribute('placeholder')).toBe('kept until you quit');
    const notices = page.getByRole('note').filter({ hasText: 'keyring' });
    // Under the SIP password and under the TURN relay's password.
    await expect.poll(() => notices.count()).toBe(2);
    expect(await notices.first().textContent()).toMatch(NOTICE);
    await page.getByRole('button', { name: 'Save and register' }).click();
    await expect
      .poll(() => page.locator('.settings-registration').textContent(), { timeout: 10_000 })
      .toBe('Registered: calls can come in and go out.');
    await page
      .locator('.settings-card', { has: password })
      .screenshot({ path: join(SCREENS, 'settings-no-keyring.png') });

    const written = readFileSync(bridge.settingsFile, 'utf8');
    expect(written).toContain(LAB_USER);
    expect(written).not.toContain(LAB_PASSWORD);
    expect(JSON.parse(written)).not.toHaveProperty('password');
    expect(received.length).toBeGreaterThan(3);
    expect(received.some((frame) => frame.includes('"hasPassword":true'))).toBe(true);
    for (const frame of received) expect(frame).not.toContain(LAB_PASSWORD);
    await page.close();
  }, 30_000);
});
