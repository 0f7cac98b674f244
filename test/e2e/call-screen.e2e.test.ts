/**
 * The call screen as a softphone user expects it, in Chromium against the real engine, with sipp
 * as the provider (test/lab/scenarios/provider-answers-by-number.xml: a number ending in 486, 404 or
 * 603 is refused with that status; any other number is answered and echoed) and coturn as the STUN
 * server on loopback: the end of a call with its reason, the phone keyboard, the digits sent, the
 * quality word and the Details behind it.
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
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';
import { ENDED_SCREEN_MS } from '../../src-renderer/src/call/ended-call.js';

const skip = announceSkip('e2e: call screen in Chromium', loopbackAppUnavailableReason());

let app: LoopbackApp;
let page: Page;

/** A screenshot for test-results/screens, and for docs/screens when it documents a screen. */
async function shot(name: string, publish = false): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  if (publish) copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}

async function engineCall() {
  const { calls } = await app.bridge.service.engine.invoke('snapshot', {});
  return calls.find((call) => call.state !== 'ended') ?? null;
}

const dialer = () => page.getByRole('region', { name: 'Dialer' });
const endedScreen = () => page.getByRole('region', { name: 'Call ended' });

describe.skipIf(skip)('the call screen in Chromium against the real engine', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    app = await startLoopbackApp({
      ports: { sip: 42000, stun: 46000 },
      provider: {
        scenario: 'provider-answers-by-number.xml',
        calls: 100,
        sipp: ['-rtp_echo', '-timeout', '180s'],
      },
      microphone: true,
      autoplay: true,
    });
    page = app.page;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('a refused call shows its reason in plain words for a few seconds, then the dialer returns', async () => {
    await page.goto(app.bridge.url);
    await untilNetworkReady(page);
    const refusals = [
      { dial: '15145550486', shown: '(514) 555-0486', words: 'Busy', screen: 'call-ended-busy' },
      {
        dial: '15145550404',
        shown: '(514) 555-0404',
        words: 'Number not found',
        screen: 'call-ended-not-found',
      },
    ];
    for (const { dial, shown, words, screen } of refusals) {
      await page.getByLabel('Number to call').fill(dial);
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await expect.poll(() => endedScreen().count(), { timeout: 5000 }).toBe(1);
      const shownAt = Date.now();
      expect(await endedScreen().getByRole('status').textContent()).toBe(words);
      // Named as a person reads the number, not as it was dialled.
      expect(await endedScreen().locator('.remote').textContent()).toBe(shown);
      await shot(screen, true);
      // Still there a moment later: long enough to read, not a flash.
      await page.waitForTimeout(ENDED_SCREEN_MS / 2);
      expect(await endedScreen().count()).toBe(1);
      expect(await dialer().count()).toBe(0);
      await expect.poll(() => dialer().count(), { timeout: ENDED_SCREEN_MS + 3000 }).toBe(1);
      const shownMs = Date.now() - shownAt;
      expect(shownMs).toBeGreaterThan(ENDED_SCREEN_MS - 1500);
      expect(shownMs).toBeLessThan(ENDED_SCREEN_MS + 2500);
    }
    // "Back to dialer" goes back at once.
    await page.getByLabel('Number to call').fill('15145550603');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => endedScreen().count(), { timeout: 5000 }).toBe(1);
    expect(await endedScreen().getByRole('status').textContent()).toBe('Declined');
    await page.getByRole('button', { name: 'Back to dialer' }).click();
    expect(await dialer().count()).toBe(1);
    // The dialer came back with the number field focused, ready for the next number.
    expect(await page.locator('#number:focus').count()).toBe(1);

    // "Call again" dials the same number once more; Back to dialer keeps the focus, so a stray
    // Enter goes back rather than calls.
    const placed = new Set<string>();
    const off = app.bridge.service.engine.on('call', (call) => {
      if (call.direction === 'outgoing' && call.remote.includes('15145550486')) placed.add(call.id);
    });
    await page.getByLabel('Number to call').fill('15145550486');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => endedScreen().count(), { timeout: 5000 }).toBe(1);
    expect(await page.locator(':focus').textContent()).toBe('Back to dialer');
    expect(placed.size).toBe(1);
    await endedScreen().getByRole('button', { name: 'Call again' }).click();
    await expect.poll(() => placed.size, { timeout: 5000 }).toBe(2);
    await expect
      .poll(() => endedScreen().getByRole('status').textContent(), { timeout: 5000 })
      .toBe('Busy');
    off();
    await page.keyboard.press('Escape');
    await expect.poll(() => dialer().count()).toBe(1);
  }, 60_000);

  it('is driven from the keyboard: digits, Enter calls, Ctrl+M mutes, keypad tones are sent, heard and shown, Esc hangs up', async () => {
    // Take the focus away from the number field: digits typed anywhere on the page still land in it.
    await page.getByRole('heading', { name: 'Recent' }).click();
    expect(await page.locator('#number:focus').count()).toBe(0);
    await page.keyboard.type('4443');
    expect(await page.getByLabel('Number to call').inputValue()).toBe('4443');
    await page.getByRole('heading', { name: 'Recent' }).click();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);

    await page.keyboard.press('Control+m');
    await expect.poll(async () => (await engineCall())?.muted).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Unmute' }).count()).toBe(1);
    await page.keyboard.press('Control+m');
    await expect.poll(async () => (await engineCall())?.muted).toBe(false);

    // Digits during a call are RFC 4733 tones; sipp echoes them, so the engine hears them back.
    const digitsBack: string[] = [];
    const off = app.bridge.service.engine.on('dtmfReceived', ({ digit }) => digitsBack.push(digit));
    // Each key sounds on the call's speaker as it is pressed: the page notes every change of the
    // key sounding, and its clearing comes only from the audio clock having played the tones.
    await page.locator('html').evaluate((root) => {
      // The unit tests' types have no DOM: the page's own globals, typed as far as used here.
      const view = root.ownerDocument.defaultView as unknown as {
        keypadTonesSeen: (string | null)[];
        MutationObserver: new (record: () => void) => {
          observe(target: unknown, options: Record<string, string[]>): void;
        };
      };
      const seen: (string | null)[] = [];
      view.keypadTonesSeen = seen;
      new view.MutationObserver(() => seen.push(root.getAttribute('data-keypad-tone'))).observe(
        root,
        { attributeFilter: ['data-keypad-tone'] },
      );
    });
    const keypadTonesSeen = () =>
      page.evaluate(
        () => (globalThis as unknown as { keypadTonesSeen: (string | null)[] }).keypadTonesSeen,
      );
    for (const key of ['1', '2', '3', '4', '#']) await page.keyboard.press(key);
    await expect
      .poll(() => page.locator('.dtmf-sent').textContent())
      .toBe('Sent: 1234#, as RFC 2833 events');
    await expect.poll(() => digitsBack.join(''), { timeout: 5000 }).toBe('1234#');
    off();
    await expect.poll(async () => (await keypadTonesSeen()).at(-1), { timeout: 2000 }).toBeNull();
    expect((await keypadTonesSeen()).filter((key) => key !== null)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '#',
    ]);

    // The quality word leads once media has flowed a couple of seconds; loopback is Good.
    const word = page.locator('.quality-word');
    await expect.poll(() => word.textContent(), { timeout: 8000 }).toBe('Good quality');
    // The figures wait behind Details, collapsed.
    const details = page.locator('details.call-details');
    expect(await details.getAttribute('open')).toBeNull();
    expect(await page.getByRole('definition').first().isVisible()).toBe(false);
    expect(await page.getByRole('img', { name: /^Jitter over/ }).isVisible()).toBe(false);
    await shot('call-quality', true);
    // Details opens from the keyboard: Tab reaches it, Enter opens it.
    const summaryFocused = () => details.locator('summary:focus').count();
    for (let i = 0; i < 12 && (await summaryFocused()) === 0; i++) await page.keyboard.press('Tab');
    expect(await summaryFocused()).toBe(1);
    await page.keyboard.press('Enter');
    expect(await details.getAttribute('open')).not.toBeNull();
    const received = page
      .locator('.quality div')
      .filter({ has: page.locator('dt', { hasText: /^Received$/ }) })
      .locator('dd');
    expect(await received.isVisible()).toBe(true);
    expect(Number(await received.textContent())).toBeGreaterThan(50);
    expect(await page.getByRole('img', { name: /^Jitter over/ }).isVisible()).toBe(true);
    await page.waitForTimeout(1500);
    await shot('call-details', true);

    // Esc hangs up, from wherever the focus is (here: the Details summary).
    await page.keyboard.press('Escape');
    await expect.poll(() => endedScreen().count(), { timeout: 5000 }).toBe(1);
    expect(await endedScreen().getByRole('status').textContent()).toBe('You hung up');
    expect(await endedScreen().textContent()).toMatch(/Call lasted 0:\d\d/);
    expect(await engineCall()).toBeNull();
    // And Esc on the ended screen goes back to the dialer at once.
    await page.keyboard.press('Escape');
    expect(await dialer().count()).toBe(1);
  }, 60_000);

  it('an incoming call is answered with Enter and declined with Esc; the far end hanging up is said', async () => {
    const callMe = (port: number) =>
      app.spawnCaller('provider-invites-client.xml', port, ['-rtp_echo', '-timeout', '30s']);
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    callMe(app.sipPort + 10);
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 5000 }).toBe(1);
    // The caller hangs up after 3 s.
    await expect.poll(() => endedScreen().count(), { timeout: 10_000 }).toBe(1);
    expect(await endedScreen().getByRole('status').textContent()).toBe('They hung up');
    await page.keyboard.press('Escape');

    callMe(app.sipPort + 20);
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => endedScreen().count(), { timeout: 5000 }).toBe(1);
    expect(await endedScreen().getByRole('status').textContent()).toBe('You declined');
    expect(await engineCall()).toBeNull();
  }, 40_000);
});
