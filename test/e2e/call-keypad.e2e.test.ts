/**
 * The call screen says how its keypad digits go, in Chromium against the real engine, with sipp
 * as a provider set up as Asterisk with its DTMF mode on SIP INFO
 * (test/lab/scenarios/provider-takes-info-dtmf.xml: a call to 4444 is answered without
 * telephone-event, two INFO digits are taken, then the provider hangs up). With the setting on
 * RFC 2833 only, the screen says no digit can go and offers the fix; taken, the digits go by INFO
 * and the screen says so.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import {
  DOCS_SCREENS,
  loopbackAppUnavailableReason,
  SCREENS,
  untilNetworkReady,
} from './support/browser.js';
import { labAccount, startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';
import { KEYPAD_CANNOT_SEND } from '../../src-renderer/src/call/keypad-words.js';

const skip = announceSkip('e2e: call keypad in Chromium', loopbackAppUnavailableReason());

let app: LoopbackApp;
let page: Page;

async function shot(name: string): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}

describe.skipIf(skip)('the call keypad says how its digits go', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    app = await startLoopbackApp({
      ports: { sip: 54000, stun: 56000 },
      // Its registration and the call are two of sipp's calls; room for a refresh besides.
      provider: { scenario: 'provider-takes-info-dtmf.xml', calls: 10, sipp: [] },
      settings: ({ sipPort, stunPort }) => ({
        ...labAccount(`127.0.0.1:${sipPort}`, `127.0.0.1:${stunPort}`),
        dtmfMethod: 'rfc4733',
      }),
      microphone: true,
      autoplay: true,
    });
    page = app.page;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('a call without RFC 2833 events: no digit listed as sent, the reason and the fix; then digits by SIP INFO', async () => {
    await page.goto(app.bridge.url);
    await untilNetworkReady(page);
    const heard: string[] = [];
    app.bridge.service.engine.on('dtmfReceived', ({ digit }) => heard.push(digit));
    await page.getByLabel('Number to call').fill('4444');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);

    // A digit typed on this call goes nowhere: the screen says why instead of "Sent: 5".
    await page.keyboard.press('5');
    const cannotSend = page.locator('.keypad-cannot-send');
    await expect.poll(() => cannotSend.getByText(KEYPAD_CANNOT_SEND).count()).toBe(1);
    expect(await page.locator('.dtmf-sent').count()).toBe(0);
    await page.getByRole('button', { name: 'Keypad', exact: true }).click();
    await shot('call-keypad-cannot-send');

    // The fix on the screen saves Automatic, and this same call's digits go by INFO at once.
    await cannotSend.getByRole('button', { name: /^Switch to Automatic/ }).click();
    await expect.poll(() => app.bridge.service.engine.engineOptions.dtmfMethod).toBe('auto');
    await expect.poll(() => cannotSend.count()).toBe(0);
    const keypad = page.getByRole('group', { name: 'Call keypad' });
    await keypad.getByRole('button', { name: 'Key 5' }).click();
    await keypad.getByRole('button', { name: 'Key #' }).click();
    await expect.poll(() => page.locator('.dtmf-sent').textContent()).toBe('Sent: 5#, by SIP INFO');
    await shot('call-keypad-sip-info');
    // The provider sends its own digit (Signal=9) and hangs up only after taking both INFOs.
    await expect.poll(() => heard.join(''), { timeout: 10_000 }).toBe('9');
    await expect
      .poll(() => page.getByRole('region', { name: 'Call ended' }).count(), { timeout: 10_000 })
      .toBe(1);
  }, 60_000);
});
