/**
 * Accessibility of every page in Debian's Chromium against the real engine (sipp the provider
 * and the callers, coturn the STUN server, on loopback), in the dark and the light theme and
 * with the theme following the system: the dialer, the history with calls in it, the network
 * page, the connection check before and after a run, the SIP trace, each section of the
 * settings and the settings with wrong entries, the first-run set-up screen, a call with its
 * details open and its keypad, the ended-call screen and an incoming call. On each, axe-core
 * finds no serious or critical violation (contrast, labels, names), a field marked invalid says
 * why in text, and the keyboard reaches every control of the dialer, the history, the settings
 * and the set-up screen with a visible focus ring.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import type { Settings } from '../../src-shared/settings.js';
import { startBridge, type Bridge } from './support/bridge-server.js';
import {
  DOCS_SCREENS,
  loopbackAppUnavailableReason,
  RENDERER,
  SCREENS,
  untilNetworkReady,
} from './support/browser.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';
import { expectNoSeriousA11yViolations, focusedControl, tabWalk } from './support/a11y.js';

const skip = announceSkip('e2e: accessibility in Chromium', loopbackAppUnavailableReason());

let app: LoopbackApp;
let browser: Browser;
let bridge: Bridge;
/** A second app with no account: it opens on the first-run set-up screen. */
let firstRun: Bridge;
let page: Page;
function dataTheme(target: Page = page): Promise<string | null> {
  return target.evaluate('document.documentElement.dataset.theme ?? null') as Promise<
    string | null
  >;
}

/** Relative luminance of the page's background, 0 (black) to 1 (white). */
async function backgroundLuminance(target: Page = page): Promise<number> {
  const colour = String(
    await target.evaluate('getComputedStyle(document.documentElement).backgroundColor'),
  );
  const [r = 0, g = 0, b = 0] = (colour.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Saves the theme as the Settings page does, and opens the app again in it. */
async function useTheme(theme: Settings['theme'], expected: 'light' | 'dark'): Promise<void> {
  await bridge.service.handlers.saveSettings({ theme });
  await page.goto(bridge.url);
  await expect.poll(() => dataTheme()).toBe(expected);
  await untilNetworkReady(page);
}

/** A screenshot for the README (docs/screens), or for a look only (test-results/screens). */
async function shot(name: string, where: 'docs' | 'results' = 'docs'): Promise<void> {
  const dir = where === 'docs' ? DOCS_SCREENS : SCREENS;
  if (where === 'docs') {
    await page.evaluate('window.scrollTo(0, 0)');
    // The pointer rests where the last click was; its hover would light up a stray key.
    await page.mouse.move(0, 0);
  }
  await page.screenshot({ path: join(dir, `${name}.png`), animations: 'disabled' });
}

async function openTab(name: 'Dialer' | 'History' | 'Network' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name }).click();
}

/** The Settings page's sections, as its jump list names them. */
const SETTINGS_SECTIONS = [
  'Account',
  'Accounts',
  'Encryption',
  'STUN & keepalive',
  'Relay',
  'Audio',
  'Codecs',
  'Calls',
  'Recording',
  'App',
];

/** A sipp caller on `port` that rings the app once with `scenario`. */
function callIn(scenario: string, port: number, extra: string[]): void {
  app.spawnCaller(scenario, port, [...extra, '-timeout', '60s']);
}

describe.skipIf(skip)('accessibility of every page, in each theme', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    app = await startLoopbackApp({
      ports: { sip: 36000, stun: 39000 },
      provider: {
        scenario: 'provider-comedia.xml',
        calls: 100,
        sipp: ['-rtp_echo', '-timeout', '900s'],
      },
      microphone: true,
      autoplay: true,
    });
    ({ bridge, browser, page } = app);
    firstRun = await startBridge({
      rendererDir: RENDERER,
      localAddress: '127.0.0.1',
      settings: { stunServers: [`127.0.0.1:${app.stunPort}`] },
    });
  }, 60_000);

  afterAll(async () => {
    await firstRun?.close();
    await app?.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`${theme}: the dialer, network, connection check, SIP trace and settings pages`, async () => {
      await useTheme(theme, theme);
      const luminance = await backgroundLuminance();
      if (theme === 'dark') expect(luminance).toBeLessThan(0.05);
      else expect(luminance).toBeGreaterThan(0.8);

      await page.getByLabel('Number to call').fill('+1 (514) 555-0100');
      await expect.poll(() => page.getByText('Will dial 15145550100').count()).toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} dialer`);
      await page.getByLabel('Number to call').fill('');

      await openTab('Network');
      await expect.poll(() => page.locator('.servers tbody tr').count()).toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} network`);
      await shot(`${theme}-network`, 'results');

      await page.getByRole('button', { name: 'Check my connection' }).click();
      await expect
        .poll(() => page.getByRole('region', { name: 'Connection check' }).count())
        .toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} connection check, before a run`);
      await page.getByRole('button', { name: 'Start check' }).click();
      await expect
        .poll(() => page.locator('.doctor-verdict').count(), { timeout: 60_000, interval: 500 })
        .toBe(1);
      // Open one step's evidence: its text sits on a panel of its own.
      await page.locator('.doctor-step summary', { hasText: 'Evidence' }).first().click();
      await expectNoSeriousA11yViolations(page, `${theme} connection check, its verdict`);
      await shot(`${theme}-doctor-verdict`, 'results');

      await openTab('Network');
      await page.getByRole('button', { name: 'SIP trace' }).click();
      await expect.poll(() => page.locator('.trace-entry').count()).toBeGreaterThan(0);
      // An opened message shows the NAT highlights, text on tinted marks.
      await page.locator('.trace-entry summary').first().click();
      await expectNoSeriousA11yViolations(page, `${theme} SIP trace`);
      await shot(`${theme}-sip-trace`, 'results');

      await openTab('Settings');
      await expectNoSeriousA11yViolations(page, `${theme} settings`);
      if (theme === 'light') await shot('light-settings');
      // Each section, reached from the jump list, with the focus on its heading and in view.
      const jump = page.getByRole('navigation', { name: 'Settings sections' });
      for (const section of SETTINGS_SECTIONS) {
        await jump.getByRole('link', { name: section, exact: true }).click();
        await expect.poll(async () => (await focusedControl(page))?.name).toBe(section);
        await expectNoSeriousA11yViolations(page, `${theme} settings, at ${section}`);
      }
      // Fields a user got wrong say so in words, beside the red border.
      await page.getByLabel('Custom server (host:port)').fill('no such server::');
      await page.getByRole('group', { name: 'Relay' }).getByLabel('Server (host:port)').fill('x y');
      await page.getByLabel('Sub-account user').fill('bad user!');
      await page.getByLabel('Keepalive interval (seconds)').fill('5');
      await expect.poll(() => page.locator('[aria-invalid="true"]').count()).toBe(4);
      await expectNoSeriousA11yViolations(page, `${theme} settings with wrong entries`);
      await page.getByLabel('Sub-account user').scrollIntoViewIfNeeded();
      await shot(`${theme}-settings-wrong-entries`, 'results');
    }, 150_000);

    it(`${theme}: a call with its details and keypad, its end, an incoming call, a missed one, and the history`, async () => {
      await openTab('Dialer');
      await page.getByLabel('Number to call').fill('4443');
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
      // The figures and sparklines wait behind Details: open it, so they are checked too.
      await page.locator('.call-details summary', { hasText: 'Details' }).click();
      await expect.poll(() => page.locator('.call-details').getAttribute('open')).toBe('');
      // A few seconds of quality samples, so the sparklines have lines to draw.
      await expect
        .poll(() => page.locator('.sparkline polyline').first().isVisible(), { timeout: 8000 })
        .toBe(true);
      await expect
        .poll(() => page.locator('.audio-delay').textContent(), { timeout: 8000 })
        .toMatch(/mic → network \d+ ms/);
      await expectNoSeriousA11yViolations(page, `${theme} call, with its details open`);
      if (theme === 'light') {
        // Long enough for the sparklines to show a few seconds of samples.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await shot('light-call');
      }
      await page.getByRole('button', { name: 'Mute' }).click();
      await page.getByRole('button', { name: 'Keypad' }).click();
      await expect.poll(() => page.getByLabel('Call keypad').count()).toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} call, muted, with its keypad`);
      await shot(`${theme}-call-keypad`, 'results');
      // Every control of the call is in reach of the keyboard, each with its ring.
      const call = await tabWalk(page);
      expect(call.unreached).toEqual([]);
      expect(call.withoutRing).toEqual([]);
      expect(call.reached).toEqual(
        expect.arrayContaining([
          'Unmute',
          'Hold',
          'Keypad',
          'Hang up',
          'Details',
          'Key 1',
          'Key #',
        ]),
      );

      await page.getByRole('button', { name: 'Hang up' }).click();
      const ended = page.getByRole('region', { name: 'Call ended' });
      await expect.poll(() => ended.count(), { timeout: 5000 }).toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} ended call`);
      // The screen stays a few seconds: the check above ran on it, not on the dialer after it.
      expect(await ended.count()).toBe(1);
      await shot(`${theme}-call-ended`, 'results');
      await page.getByRole('button', { name: 'Back to dialer' }).click();
      await expect.poll(() => page.getByRole('region', { name: 'Dialer' }).count()).toBe(1);

      const callerPort = app.sipPort + (theme === 'dark' ? 10 : 20);
      callIn('provider-invites-client.xml', callerPort, ['-rtp_echo']);
      const incoming = page.getByRole('region', { name: 'Incoming call' });
      await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} incoming call`);
      await shot(`${theme}-incoming`, 'results');
      await page.getByRole('button', { name: 'Answer' }).click();
      // The caller hangs up after 3 s; the ended screen says so, then the dialer returns.
      await expect.poll(() => ended.count(), { timeout: 10_000 }).toBe(1);
      await expect
        .poll(() => page.getByRole('region', { name: 'Dialer' }).count(), { timeout: 10_000 })
        .toBe(1);

      // A caller who gives up before anyone answers: a missed call for the history.
      callIn('provider-invites-then-cancels.xml', callerPort + 4, []);
      await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(0);
      await expect
        .poll(() => page.getByRole('region', { name: 'Dialer' }).count(), { timeout: 10_000 })
        .toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} dialer with recent calls`);
      await shot(`${theme}-dialer`);

      await openTab('History');
      await expect.poll(() => page.locator('.history-call').count()).toBe(theme === 'dark' ? 3 : 6);
      expect(await page.locator('.history-call.missed').count()).toBeGreaterThan(0);
      await expectNoSeriousA11yViolations(page, `${theme} history`);
      await shot(`${theme}-history`, theme === 'light' ? 'docs' : 'results');
      // The question before clearing is a page state of its own.
      await page.getByRole('button', { name: 'Clear history' }).click();
      await expect.poll(() => page.getByRole('alertdialog').count()).toBe(1);
      await expectNoSeriousA11yViolations(page, `${theme} history, asking before clearing`);
      await page.getByRole('button', { name: 'Keep' }).click();
    }, 90_000);

    it(`${theme}: Tab reaches every control of the dialer, the history and the settings, each with a visible ring`, async () => {
      await openTab('Dialer');
      // With a number typed, Call is enabled and in the tab order too.
      await page.getByLabel('Number to call').fill('4443');
      const dialer = await tabWalk(page);
      expect(dialer.unreached).toEqual([]);
      expect(dialer.withoutRing).toEqual([]);
      expect(dialer.reached).toEqual(
        expect.arrayContaining([
          'Number to call',
          ...['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'].map(
            (key) => `Key ${key}`,
          ),
          'Call',
          'Dialer',
          'History',
          'Network',
          'Settings',
        ]),
      );
      // Usable too: a key pressed from the keyboard types its digit.
      await page.getByLabel('Key 5').focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Space');
      expect(await page.getByLabel('Number to call').inputValue()).toBe('444355');
      await page.getByLabel('Number to call').fill('');

      await openTab('History');
      await expect.poll(() => page.locator('.history-call').count()).toBeGreaterThan(0);
      const history = await tabWalk(page);
      expect(history.unreached).toEqual([]);
      expect(history.withoutRing).toEqual([]);
      expect(history.reached).toEqual(
        expect.arrayContaining(['Clear history', 'Call back Missed Caller', 'History']),
      );

      await openTab('Settings');
      const settings = await tabWalk(page);
      expect(settings.unreached).toEqual([]);
      expect(settings.withoutRing).toEqual([]);
      expect(settings.reached).toEqual(
        expect.arrayContaining([
          ...SETTINGS_SECTIONS,
          'Sub-account user',
          'Microphone',
          'Save and register',
        ]),
      );
    });

    it(`${theme}: the first-run set-up screen, empty and with its errors, and Tab through it`, async () => {
      await firstRun.service.handlers.saveSettings({ theme });
      const setup = await browser.newPage({
        viewport: { width: 420, height: 760 },
        deviceScaleFactor: 1,
      });
      try {
        await setup.goto(firstRun.url);
        await expect
          .poll(() => setup.getByRole('heading', { name: 'Set up Natter' }).count())
          .toBe(1);
        await expect.poll(() => dataTheme(setup)).toBe(theme);
        // The round-trip measurement to the voip.ms servers ends (out of reach here) and says so.
        await expect
          .poll(() => setup.locator('.field-hint').first().textContent(), { timeout: 10_000 })
          .toMatch(/No server answered/);
        await expectNoSeriousA11yViolations(setup, `${theme} first run`);
        if (theme === 'light') {
          await setup.screenshot({ path: join(DOCS_SCREENS, 'light-first-run.png') });
        }

        const walk = await tabWalk(setup);
        expect(walk.unreached).toEqual([]);
        expect(walk.withoutRing).toEqual([]);
        expect(walk.reached).toEqual(
          expect.arrayContaining(['Server', 'Sub-account user', 'SIP password', 'Register']),
        );

        // Register with nothing filled in: each missing field says so under it.
        await setup.getByRole('button', { name: 'Register' }).click();
        await expect.poll(() => setup.locator('[aria-invalid="true"]').count()).toBe(2);
        await expectNoSeriousA11yViolations(setup, `${theme} first run with its errors`);
        await setup.screenshot({
          path: join(SCREENS, `${theme}-first-run-errors.png`),
          animations: 'disabled',
        });
      } finally {
        await setup.close();
      }
    }, 60_000);
  }

  it('system: the theme follows the system preference, live', async () => {
    await bridge.service.handlers.saveSettings({ theme: 'system' });
    const context = await browser.newContext({
      viewport: { width: 420, height: 760 },
      colorScheme: 'light',
    });
    try {
      const system = await context.newPage();
      await system.goto(bridge.url);
      await expect.poll(() => dataTheme(system)).toBe('light');
      expect(await backgroundLuminance(system)).toBeGreaterThan(0.8);
      await expectNoSeriousA11yViolations(system, 'system (light) dialer');
      await system.emulateMedia({ colorScheme: 'dark' });
      await expect.poll(() => dataTheme(system)).toBe('dark');
      expect(await backgroundLuminance(system)).toBeLessThan(0.05);
      await system.getByRole('button', { name: 'Settings', exact: true }).click();
      await expectNoSeriousA11yViolations(system, 'system (dark) settings');
    } finally {
      await context.close();
    }
  });
});
