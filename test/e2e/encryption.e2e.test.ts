/**
 * Encryption as a user meets it, in Debian's Chromium against the real engine (sipp the provider
 * on loopback, echoing the audio; coturn the STUN server): Settings → Encryption saves the
 * transport, the media encryption and a CA file, refuses a file that holds no certificate, and
 * keeps them across a reload; a plain call over UDP with SRTP "when offered" says in plain lines
 * what is not encrypted, and with encryption off says nothing. The encrypted calls themselves,
 * over TLS to Kamailio and with SRTP to baresip, are encryption-lab.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip, hasCommand } from '../support/lab-guard.js';
import { expectNoSeriousA11yViolations } from './support/a11y.js';
import {
  DOCS_SCREENS,
  loopbackAppUnavailableReason,
  SCREENS,
  untilNetworkReady,
  openSettingsSection,
} from './support/browser.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip(
  'e2e: encryption settings and the call lock',
  loopbackAppUnavailableReason() ?? (hasCommand('openssl') ? null : 'needs openssl'),
);

let app: LoopbackApp;
let page: Page;
let files: string;

async function shot(name: string, where: 'docs' | 'results'): Promise<void> {
  await page.mouse.move(0, 0);
  const path = join(where === 'docs' ? DOCS_SCREENS : SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
}

function stored(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(app.bridge.settingsFile, 'utf8')) as {
      settings: Record<string, unknown>;
    }
  ).settings;
}

const section = () => page.locator('#encryption-settings');
const transport = () => section().getByLabel('Transport', { exact: true });
const media = () => section().getByLabel('Media encryption (SRTP)');
const caFile = () => section().getByLabel('Extra CA certificate file (optional)');
const saveButton = () => section().getByRole('button', { name: 'Save encryption' });
const confirmation = () => section().locator('.confirmation');

/**
 * How long a save may take to confirm: a new transport re-registers before the settings answer,
 * which took over a second in CI with both cores busy (a poll's default).
 */
const SAVE_MS = 10_000;

describe.skipIf(skip)('encryption: the settings section and the call screen', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    files = mkdtempSync(join(tmpdir(), 'natter-e2e-ca-'));
    app = await startLoopbackApp({
      ports: { sip: 60000, stun: 62000 },
      provider: {
        scenario: 'provider-answers-by-number.xml',
        calls: 20,
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

  it('saves transport, media encryption and a CA file, refuses a file with no certificate, and keeps them across a reload', async () => {
    // A real CA certificate, as a private PBX's would be.
    const pem = join(files, 'pbx-ca.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
        ...['-subj', '/CN=Natter test CA', '-keyout', join(files, 'ca.key'), '-out', pem],
      ],
      { stdio: 'ignore' },
    );
    const notes = join(files, 'notes.txt');
    writeFileSync(notes, 'not a certificate');
    await page.goto(app.bridge.url);
    await untilNetworkReady(page);
    await openSettingsSection(page, 'Encryption');
    expect(await transport().inputValue()).toBe('udp');
    expect(await media().inputValue()).toBe('off');
    // The CA file belongs to TLS: with UDP it is not asked for.
    expect(await caFile().count()).toBe(0);
    expect(await section().textContent()).toContain(
      'TLS encrypts calls’ signalling; voip.ms: turn on Encrypted SIP Traffic for the sub-account. Also cures a router that rewrites SIP (SIP ALG).',
    );

    await transport().selectOption('tls');
    expect(await section().textContent()).toContain(
      `Registers to 127.0.0.1:${app.sipPort} over TLS.`,
    );
    await media().selectOption('required');
    expect(await section().textContent()).toContain('a call the other side cannot encrypt');
    // A file name alone is not enough: the field says so and nothing can be saved.
    await caFile().fill('pbx-ca.pem');
    expect(await caFile().getAttribute('aria-invalid')).toBe('true');
    expect(await section().textContent()).toContain('Expected the full path of the file');
    expect(await saveButton().isDisabled()).toBe(true);
    await expectNoSeriousA11yViolations(page, 'encryption settings with a wrong CA file');

    // Main reads the file before keeping it: one with no certificate is refused in words.
    await caFile().fill(notes);
    await saveButton().click();
    await expect
      .poll(() => confirmation().textContent(), { timeout: SAVE_MS })
      .toContain(`Not saved: ${notes} holds no certificate in PEM form`);
    expect(stored()).toMatchObject({
      sipTransport: 'udp',
      mediaEncryption: 'off',
      tlsCaFile: null,
    });

    // A new transport takes a new connection: saving registers again.
    const states: string[] = [];
    const off = app.bridge.service.engine.on('registration', ({ state }) => states.push(state));
    await caFile().fill(pem);
    await saveButton().click();
    await expect
      .poll(() => confirmation().textContent(), { timeout: SAVE_MS })
      .toBe('✓ Saved: SIP over TLS, audio always encrypted');
    expect(stored()).toMatchObject({
      sipTransport: 'tls',
      mediaEncryption: 'required',
      tlsCaFile: pem,
    });
    expect(app.bridge.service.engine.engineOptions).toMatchObject({
      sipTransport: 'tls',
      mediaEncryption: 'required',
      tlsCaFile: pem,
    });
    await expect.poll(() => states).toContain('registering');
    off();
    await expectNoSeriousA11yViolations(page, 'encryption settings saved');
    await section().evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await shot('settings-encryption', 'docs');

    // Whether the registrar takes TLS is not this test's question (sipp speaks UDP only here).
    await page.reload();
    await expect
      .poll(() => page.getByRole('button', { name: 'Settings', exact: true }).count())
      .toBe(1);
    await openSettingsSection(page, 'Encryption');
    expect(await transport().inputValue()).toBe('tls');
    expect(await media().inputValue()).toBe('required');
    expect(await caFile().inputValue()).toBe(pem);

    // Back to UDP with SRTP when offered, as the calls below run.
    await transport().selectOption('udp');
    await media().selectOption('optional');
    expect(await section().textContent()).toContain('choose TLS as well');
    await saveButton().click();
    await expect
      .poll(() => confirmation().textContent(), { timeout: SAVE_MS })
      .toBe('✓ Saved: SIP over UDP, audio encrypted when the other side takes it');
    expect(stored()).toMatchObject({ sipTransport: 'udp', mediaEncryption: 'optional' });
    await untilNetworkReady(page);
  }, 60_000);

  it('says what is not encrypted on a plain call when SRTP was to be offered, and nothing with encryption off', async () => {
    const note = page.locator('.call-security');
    const exposed = page.getByRole('status', { name: 'Call encryption' });
    await page.getByRole('button', { name: 'Dialer', exact: true }).click();
    await page.getByLabel('Number to call').fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);

    // The engine's own report: plain RTP over UDP, though SRTP was to be offered.
    await expect.poll(() => exposed.count(), { timeout: 5000 }).toBe(1);
    expect(await exposed.locator('p').allTextContents()).toEqual([
      'This call’s audio is not encrypted: the other side did not accept SRTP.',
      'This call’s signalling is not encrypted (SIP over UDP).',
    ]);
    expect(await page.locator('.call-security.encrypted').count()).toBe(0);
    await shot('call-not-encrypted-udp', 'results');
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByRole('button', { name: 'Back to dialer' }).click();

    // With encryption off in Settings, a plain call says nothing about it.
    await app.bridge.service.handlers.saveSettings({ mediaEncryption: 'off' });
    await page.reload();
    await untilNetworkReady(page);
    await page.getByLabel('Number to call').fill('4444');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    await page.waitForTimeout(1500);
    expect(await note.count()).toBe(0);
    await page.getByRole('button', { name: 'Hang up' }).click();
  }, 60_000);
});
