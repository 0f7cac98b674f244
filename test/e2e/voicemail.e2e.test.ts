/**
 * The voicemail indicator as a user meets it, in Chromium against the real engine: sipp as the
 * provider (test/lab/scenarios/provider-answers-by-number.xml, which answers the mailbox call),
 * and a sipp from the provider's address sending the NOTIFYs Asterisk sends unasked
 * (provider-notifies-mailbox.xml: 3 new, then 2 new and 8 old). The header's badge and the
 * tray's line follow the count; the dialer's Voicemail button calls *97, judged at the provider
 * by the INVITE's Request-URI; a number of one's own in Settings is what it calls next.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trayStatus } from '../../src-main/app/tray-status.js';
import { parseSippMessageLog } from '../lab/support/peers.js';
import { announceSkip } from '../support/lab-guard.js';
import {
  DOCS_SCREENS,
  loopbackAppUnavailableReason,
  SCREENS,
  untilNetworkReady,
} from './support/browser.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip('e2e: voicemail in Chromium', loopbackAppUnavailableReason());

let app: LoopbackApp;
let page: Page;
const providerLog = join(mkdtempSync(join(tmpdir(), 'natter-sipp-')), 'provider.log');

async function shot(name: string): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}

/** The Request-URIs of the INVITEs the provider received. */
const invitesAtProvider = () =>
  parseSippMessageLog(providerLog)
    .filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '))
    .map((m) => m.startLine.split(' ')[1] ?? '');

async function trayNow() {
  const snapshot = await app.bridge.service.engine.invoke('snapshot', {});
  return trayStatus(snapshot.registration, snapshot.nat, snapshot.calls, {
    mailboxes: app.bridge.service.fleet.mailboxes(),
  });
}

/** The number the settings file holds for the Voicemail button. */
const storedVoicemailNumber = (): unknown =>
  (
    JSON.parse(readFileSync(app.bridge.settingsFile, 'utf8')) as {
      settings: Record<string, unknown>;
    }
  ).settings.voicemailNumber;

const badge = () => page.locator('header .voicemail-badge');
const voicemailButton = () => page.getByRole('button', { name: /^Voicemail.*: call / });

describe.skipIf(skip)('voicemail in Chromium against the real engine', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    app = await startLoopbackApp({
      ports: { sip: 38000, stun: 39000 },
      provider: {
        scenario: 'provider-answers-by-number.xml',
        calls: 100,
        sipp: ['-rtp_echo', '-timeout', '120s', '-trace_msg', '-message_file', providerLog],
      },
      microphone: true,
      autoplay: true,
    });
    page = app.page;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows the count in the header and the tray, and the Voicemail button calls *97', async () => {
    await page.goto(app.bridge.url);
    await untilNetworkReady(page);
    // Before any report: no badge, and the button is there to call the mailbox.
    expect(await badge().count()).toBe(0);
    expect(await voicemailButton().getAttribute('aria-label')).toBe('Voicemail: call *97');
    expect((await trayNow()).voicemailLabel).toBeUndefined();

    const notifier = app.spawnCaller('provider-notifies-mailbox.xml', app.sipPort + 1, []);
    await expect.poll(() => badge().textContent(), { timeout: 10_000 }).toContain('3');
    await expect.poll(() => badge().textContent(), { timeout: 10_000 }).toContain('2');
    if (notifier.exitCode === null) await new Promise((resolve) => notifier.once('exit', resolve));
    // Both NOTIFYs were answered 200, or sipp would have failed its scenario.
    expect(notifier.exitCode).toBe(0);
    expect(await badge().getAttribute('aria-label')).toBe(
      'Voicemail: 2 new messages. Open the dialer',
    );
    expect(await voicemailButton().getAttribute('aria-label')).toBe('Voicemail, 2 new: call *97');
    const tray = await trayNow();
    expect(tray.voicemailLabel).toBe('Voicemail: 2 new messages');
    expect(tray.tooltip).toMatch(/ · Voicemail: 2 new messages$/);
    await shot('voicemail-dialer');

    await voicemailButton().click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    // Named for what it is, not by its star code.
    expect(await page.locator('.call .remote').textContent()).toBe('Voicemail');
    await shot('voicemail-call');
    expect(invitesAtProvider()).toEqual([
      expect.stringMatching(/^sip:\*97@127\.0\.0\.1(?:[:;>]|$)/),
    ]);
    await page.getByRole('button', { name: 'Hang up' }).click();
    expect(await page.locator('.call.ended .remote').textContent()).toBe('Voicemail');
    await page.getByRole('button', { name: 'Back to dialer' }).click();
  }, 50_000);

  it('calls the number set in Settings, refusing one that cannot be dialled', async () => {
    await expect
      .poll(() => page.getByRole('region', { name: 'Dialer' }).count(), { timeout: 15_000 })
      .toBe(1);
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'Settings', exact: true })
      .click();
    const field = page.getByLabel('Voicemail number');
    await field.scrollIntoViewIfNeeded();
    await field.fill('*98 x');
    await page.getByRole('button', { name: 'Save voicemail number' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toContain('digits');
    expect(storedVoicemailNumber()).toBe('*97');
    await field.fill('*98');
    await page.getByRole('button', { name: 'Save voicemail number' }).click();
    await expect
      .poll(() => page.getByText('Saved: the Voicemail button calls *98').count())
      .toBe(1);
    await shot('voicemail-settings');
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'Dialer', exact: true })
      .click();
    await voicemailButton().click();
    await expect.poll(() => invitesAtProvider().length, { timeout: 10_000 }).toBe(2);
    expect(invitesAtProvider()[1]).toMatch(/^sip:\*98@/);
    await page.getByRole('button', { name: 'Hang up' }).click();
  }, 40_000);
});
