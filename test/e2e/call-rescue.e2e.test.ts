/**
 * The call screen when the engine rescues one-way audio, for real: the app's engine and Chromium
 * in the lab's client namespace behind a router that maps media toward the provider
 * symmetrically (STUN sees a cone, so the call goes out unrelayed and its audio is one-way);
 * with a TURN relay configured, the engine moves the call onto it and the screen says so. The
 * screenshot goes to test-results/screens and docs/screens.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { symmetricMediaToProvider } from '../lab/support/media-mapping.js';
import { createLab, PUBLIC, type Lab } from '../lab/support/netns-lab.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  PROVIDER_SIP_PORT,
  startCoturn,
  startSipp,
} from '../lab/support/peers.js';
import { startTurnServer, TURN_PASSWORD, TURN_USER } from '../lab/support/turn-server.js';
import {
  labAppUnavailableReason,
  launchChromiumIn,
  publishScreen,
  startBridgeInClient,
  type LabBridge,
} from './support/lab-app.js';
import { SCREENS } from './support/browser.js';

const skip = announceSkip(
  'e2e: one-way audio rescue on the call screen',
  labAppUnavailableReason(['sipp', 'turnserver', 'conntrack']),
);

let lab: Lab | null = null;
let bridge: LabBridge | null = null;
let browser: Browser | null = null;
let page: Page;
let scratch = '';

describe.skipIf(skip)('the call screen tells of a rescue of one-way audio', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'natter-e2e-rescue-'));
    lab = createLab({ nat: 'cone' });
    symmetricMediaToProvider(lab);
    await startCoturn(lab);
    const turn = await startTurnServer(lab);
    await startSipp(lab, 'provider-rescue.xml');
    bridge = await startBridgeInClient(
      lab,
      {
        account: {
          server: `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
          user: LAB_USER,
          displayName: 'Home office',
        },
        stunServers: [`${PUBLIC.stunA}:3478`],
        turnServer: turn.server,
        turnUser: TURN_USER,
      },
      { NATTER_PASSWORD: LAB_PASSWORD, NATTER_TURN_PASSWORD: TURN_PASSWORD },
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

  it('says the audio was one-way, that the call moved to the relay, and that audio is back', async () => {
    await page.goto(bridge!.url);
    await page.getByLabel('Number to call').fill('4443', { timeout: 15_000 });
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    const note = page.locator('.rescue-note');
    await expect
      .poll(() => note.getAttribute('data-recovered').catch(() => null), { timeout: 20_000 })
      .toBe('true');
    expect(await note.textContent()).toBe(
      'Audio was one-way; switched to the relay — audio is back.',
    );
    expect(await note.getAttribute('role')).toBe('status');
    // The bare "no audio" alarm gave way to the rescue's words.
    expect(await page.locator('.warning.one-way').count()).toBe(0);
    await page.screenshot({ path: join(SCREENS, 'call-rescued.png'), animations: 'disabled' });
    publishScreen('call-rescued.png');
    await page.getByRole('button', { name: /Hang up/ }).click();
  }, 40_000);
});
