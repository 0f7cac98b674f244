/**
 * What the window says when the computer moves to another network: the engine and the test
 * bridge run in the lab's client namespace behind the first router, Chromium beside them; the
 * client then moves to the second router (another public address). The header says "Network
 * changed, reconnecting…" while the engine heals, and the Network panel then tells when it
 * happened and how long reconnecting took. Screenshots go to test-results/screens and
 * docs/screens.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { createLab, PUBLIC, type Lab } from '../lab/support/netns-lab.js';
import {
  delay,
  LAB_PASSWORD,
  LAB_USER,
  PROVIDER_SIP_PORT,
  startCoturn,
  startSipp,
} from '../lab/support/peers.js';
import {
  labAppUnavailableReason,
  launchChromiumIn,
  publishScreen,
  startBridgeInClient,
  type LabBridge,
} from './support/lab-app.js';
import { fullPageScreenshot, SCREENS } from './support/browser.js';

const skip = announceSkip(
  'e2e: the window during a network change',
  labAppUnavailableReason(['sipp', 'turnserver']),
);

let lab: Lab | null = null;
let bridge: LabBridge | null = null;
let browser: Browser | null = null;
let page: Page;
let provider: Awaited<ReturnType<typeof startSipp>> | null = null;
/** What the registrar saw and the bridge said, for a failure's message. */
const evidence = () =>
  [
    ...(provider?.messages() ?? []).map((m) => `${m.direction}: ${m.startLine}`),
    bridge?.stderr().slice(-1500) ?? '',
  ].join('\n');
let scratch = '';

const indicator = () => page.getByRole('button', { name: /^Network:/ });

describe.skipIf(skip)('the window when the computer moves to another network', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'natter-e2e-move-'));
    lab = createLab({ nat: 'cone', secondRouter: true });
    await startCoturn(lab);
    provider = await startSipp(lab, 'provider-registrar.xml', { calls: 20 });
    bridge = await startBridgeInClient(
      lab,
      {
        account: {
          server: `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
          user: LAB_USER,
          displayName: 'Home office',
        },
        stunServers: [`${PUBLIC.stunA}:3478`, `${PUBLIC.stunB}:3478`],
      },
      { NATTER_PASSWORD: LAB_PASSWORD },
    );
    browser = await launchChromiumIn(lab.client, scratch);
    page = await browser.newPage({ viewport: { width: 420, height: 760 }, deviceScaleFactor: 1 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await bridge?.stop();
    lab?.destroy();
    lab = null;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('says "Reconnecting…" in the pill and "Network changed, reconnecting…" under it while it heals, then registered again', async () => {
    await page.goto(bridge!.url);
    await expect
      .poll(() => indicator().getAttribute('class'), { timeout: 15_000 })
      .toMatch(/\bgreen\b/);
    // The registrar's scenario lets the first registration go before the next one arrives.
    await delay(5000);
    // Pill, colour and notice read together at every change of the page, by the page itself:
    // healing takes a fraction of a second, and on a loaded machine it came between two reads
    // from here, even 50 ms apart.
    await indicator().evaluate((pill) => {
      // The unit tests' types have no DOM: the page's own globals, typed as far as used here.
      const view = pill.ownerDocument.defaultView as unknown as {
        networkMoments: string[];
        MutationObserver: new (record: () => void) => {
          observe(target: unknown, options: Record<string, boolean>): void;
        };
      };
      const moments: string[] = [];
      view.networkMoments = moments;
      const record = () => {
        // The header's pill, as found now (React may have put a new one in its place).
        const current = pill.ownerDocument.querySelector('[aria-label^="Network:"]') ?? pill;
        const notices = [...pill.ownerDocument.querySelectorAll('[role="status"]')].filter((n) =>
          n.textContent?.includes('Network changed, reconnecting…'),
        );
        const moment = `${current.getAttribute('aria-label')} | ${current.className} | notices ${notices.length}`;
        if (moments.at(-1) !== moment) moments.push(moment);
      };
      new view.MutationObserver(record).observe(pill.ownerDocument.body, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    });
    lab!.moveClientToSecondRouter();
    const moments = () =>
      page.evaluate(() => (globalThis as unknown as { networkMoments: string[] }).networkMoments);
    // The pill cuts long words short: the whole sentence stands under the header.
    const notice = page.getByRole('status').filter({ hasText: 'Network changed, reconnecting…' });
    const reconnecting = /^Network: Reconnecting… \| .*\bamber\b.* \| notices 1$/;
    await expect
      .poll(async () => (await moments()).some((moment) => reconnecting.test(moment)), {
        timeout: 10_000,
        message: 'the pill never read "Reconnecting…" in amber with its notice',
      })
      .toBe(true);
    await page.screenshot({ path: join(SCREENS, 'network-changed.png') });
    // Healing may beat the camera (it takes a fraction of a second here): the README's picture
    // is replaced only by one taken while the notice still stood.
    if ((await notice.count()) === 1) publishScreen('network-changed.png');
    let healed = false;
    for (const deadline = Date.now() + 8000; !healed && Date.now() < deadline; await delay(100)) {
      healed = /\bgreen\b/.test((await indicator().getAttribute('class')) ?? '');
    }
    expect(healed, `${await indicator().getAttribute('title')}\n${evidence()}`).toBe(true);
    expect(await notice.count()).toBe(0);
  });

  it('the Network panel tells when the network changed and how long reconnecting took', async () => {
    await page.getByRole('button', { name: 'Network', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Network status' });
    const detail = panel.locator('dt:text-is("Network change") + dd');
    await expect.poll(() => detail.textContent()).toMatch(/reconnected in \d+\.\d s/);
    expect(await detail.textContent()).toContain('192.168.60.2');
    const contact =
      (await panel.locator('dt:text-is("Address in calls") + dd').textContent()) ?? '';
    expect(contact).toContain(PUBLIC.secondRouter);
    // The whole panel, with the tab bar at its foot rather than painted across the middle.
    await fullPageScreenshot(page, join(SCREENS, 'network-change-panel.png'));
    publishScreen('network-change-panel.png');
  });
});
