/**
 * Encrypted calls as a user places them, in the lab: Kamailio with its TLS module as the
 * registrar (TLS on 5061, a certificate from a CA made for the run), the engine and the test
 * bridge in the client namespace, Debian's Chromium beside them. Every setting is chosen in
 * Settings → Encryption, and what the call screen shows is the engine's own report of the call:
 *
 * - TLS, the lab CA, media encryption required, baresip (its `srtp` module, SRTP mandatory) the
 *   callee: the call shows the lock, named for its suite; Kamailio's location table holds a TLS
 *   contact, and baresip took an RTP/SAVP offer with keys.
 * - TLS, media encryption "when offered", sipp answering plain RTP: the call connects and says
 *   its audio is not encrypted.
 * - UDP, media encryption required, the same plain callee: the call does not go through, and the
 *   call-ended screen says why in the engine's words.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingsUpdate } from '../../src-shared/settings.js';
import { announceSkip } from '../support/lab-guard.js';
import { makeTestCa, type TestCa } from '../support/test-ca.js';
import { startBaresipCallee, type BaresipHandle } from '../lab/support/baresip.js';
import {
  PROVIDER_TLS_PORT,
  startCarrier,
  startKamailio,
  type KamailioHandle,
} from '../lab/support/kamailio.js';
import { createLab, PUBLIC, type Lab } from '../lab/support/netns-lab.js';
import { LAB_PASSWORD, LAB_USER, startCoturn, type SippHandle } from '../lab/support/peers.js';
import { waitFor } from '../lab/support/wait.js';
import { expectNoSeriousA11yViolations } from './support/a11y.js';
import { SCREENS, openSettingsSection } from './support/browser.js';
import {
  labAppUnavailableReason,
  launchChromiumIn,
  publishScreen,
  startBridgeInClient,
  type LabBridge,
} from './support/lab-app.js';

const skip = announceSkip(
  'e2e: encrypted calls in the lab (TLS registrar, SRTP callee)',
  labAppUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'baresip', 'openssl']),
);

const SUITE = 'AES_CM_128_HMAC_SHA1_80';

let lab: Lab | undefined;
let scratch: string | undefined;
let bridge: LabBridge | undefined;
let browser: Browser | undefined;
let page: Page;
let ca: TestCa;
let kamailio: KamailioHandle;
let baresip: BaresipHandle | undefined;

const section = () => page.locator('#encryption-settings');
const pill = () => page.getByRole('button', { name: /^Network:/ });
const securityNote = () => page.getByRole('status', { name: 'Call encryption' });
const lock = () => page.locator('.call-security.encrypted');

async function shot(name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(SCREENS, name), animations: 'disabled' });
  publishScreen(name);
}

/** Settings → Encryption, the choices made as a user makes them, saved. */
async function chooseEncryption(choice: {
  transport: 'udp' | 'tls';
  media: 'optional' | 'required';
  caFile?: string;
}): Promise<void> {
  await openSettingsSection(page, 'Encryption');
  await section().getByLabel('Transport', { exact: true }).selectOption(choice.transport);
  await section().getByLabel('Media encryption (SRTP)').selectOption(choice.media);
  if (choice.caFile !== undefined) {
    await section().getByLabel('Extra CA certificate file (optional)').fill(choice.caFile);
  }
  await section().getByRole('button', { name: 'Save encryption' }).click();
  await expect
    .poll(() => section().locator('.confirmation').textContent(), { timeout: 10_000 })
    .toMatch(new RegExp(`^✓ Saved: SIP over ${choice.transport.toUpperCase()}, `));
}

async function waitReady(): Promise<void> {
  await expect
    .poll(() => pill().getAttribute('aria-label'), { timeout: 15_000 })
    .toBe('Network: Ready');
}

async function dial(number: string): Promise<void> {
  await page.getByRole('button', { name: 'Dialer', exact: true }).click();
  await page.getByLabel('Number to call').fill(number);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
}

async function connected(): Promise<void> {
  await expect.poll(() => page.getByText('Connected').count(), { timeout: 15_000 }).toBe(1);
}

async function hangUp(): Promise<void> {
  await page.getByRole('button', { name: 'Hang up' }).click();
  await page.getByRole('button', { name: 'Back to dialer' }).click();
}

/** sipp answering plain RTP/AVP where baresip answered, once baresip has gone. */
async function plainCallee(): Promise<SippHandle> {
  if (baresip) {
    const gone = baresip;
    baresip = undefined;
    gone.process.kill('SIGTERM');
    await waitFor(() => gone.process.exitCode !== null || gone.process.signalCode !== null, 5000);
  }
  return startCarrier(lab!, 'callee');
}

describe.skipIf(skip)('encrypted calls from the app: TLS registrar, SRTP and plain callees', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'natter-e2e-encryption-lab-'));
    ca = makeTestCa(scratch, 'lab-ca');
    const certificate = ca.issue('registrar', [PUBLIC.provider]);
    lab = createLab({ nat: 'none' });
    await startCoturn(lab);
    kamailio = await startKamailio(lab, {
      tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
    });
    baresip = await startBaresipCallee(lab, { mediaenc: 'srtp-mand', number: '4443' });
    // The server as a voip.ms POP is typed: a host alone, its port the transport's default.
    const settings: SettingsUpdate = {
      account: { server: PUBLIC.provider, user: LAB_USER, displayName: 'Home office' },
      stunServers: [`${PUBLIC.stunA}:3478`],
    };
    bridge = await startBridgeInClient(lab, settings, { NATTER_PASSWORD: LAB_PASSWORD });
    browser = await launchChromiumIn(lab.client, scratch);
    page = await browser.newPage({ viewport: { width: 420, height: 760 }, deviceScaleFactor: 1 });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(bridge.url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await bridge?.stop().catch(() => undefined);
    lab?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('TLS with the lab CA and SRTP required to baresip: registered over TLS, the lock names the suite', async () => {
    await waitReady();
    await openSettingsSection(page, 'Encryption');
    await section().getByLabel('Transport', { exact: true }).selectOption('tls');
    expect(await section().textContent()).toContain(
      `Registers to ${PUBLIC.provider}:${PROVIDER_TLS_PORT} over TLS.`,
    );
    await chooseEncryption({ transport: 'tls', media: 'required', caFile: ca.caFile });
    // The registrar's side: the phone's contact came over TLS.
    expect(
      await waitFor(
        () => kamailio.location().some((c) => /;transport=tls/.test(c.address)),
        15_000,
      ),
      `${bridge!.stderr().slice(-1500)}\n${kamailio.output().slice(-1500)}`,
    ).toBe(true);
    await waitReady();
    expect(await pill().textContent()).toContain('Ready');

    await dial('4443');
    await connected();
    await expect.poll(() => lock().count(), { timeout: 5000 }).toBe(1);
    const label = `Encrypted call (TLS + SRTP, suite ${SUITE})`;
    expect(await lock().getAttribute('title')).toBe(label);
    expect(await lock().locator('.visually-hidden').textContent()).toBe(label);
    expect(await lock().isVisible()).toBe(true);
    expect(await securityNote().count()).toBe(0);
    // The callee's side: baresip, which takes nothing but SRTP, secured the audio with the suite.
    expect(baresip!.output(), baresip!.output().slice(-2000)).toContain(
      `mediaenc event 'Secure' (audio,${SUITE})`,
    );
    await expectNoSeriousA11yViolations(page, 'encrypted call over TLS and SRTP');
    await shot('call-encrypted.png');
    await hangUp();
  }, 90_000);

  it('TLS with SRTP when offered to a plain callee: the call connects and says its audio is not encrypted', async () => {
    const callee = await plainCallee();
    await chooseEncryption({ transport: 'tls', media: 'optional' });
    await waitReady();
    await dial('4443');
    await connected();
    await expect
      .poll(() => securityNote().locator('p').allTextContents(), { timeout: 5000 })
      .toEqual(['This call’s audio is not encrypted: the other side did not accept SRTP.']);
    expect(await lock().count()).toBe(0);
    // The screen as it settles once the first quality reading is in.
    await expect.poll(() => page.getByText('Checking quality…').count(), { timeout: 6000 }).toBe(0);
    // The callee answered what it was offered over Kamailio's UDP leg: plain RTP/AVP.
    const answer = callee
      .messages()
      .find((m) => m.direction === 'sent' && /^SIP\/2\.0 200/.test(m.text));
    expect(answer?.text).toMatch(/m=audio \d+ RTP\/AVP /);
    await expectNoSeriousA11yViolations(page, 'call over TLS whose audio is not encrypted');
    await shot('call-not-encrypted.png');
    await hangUp();
    await callee.exited;
  }, 90_000);

  it('UDP with SRTP required to a plain callee: the call does not go through, and the ended screen says why', async () => {
    const callee = await plainCallee();
    await chooseEncryption({ transport: 'udp', media: 'required' });
    await waitReady();
    await dial('4443');
    const ended = page.getByRole('region', { name: 'Call ended' });
    await expect.poll(() => ended.count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByText('Connected').count()).toBe(0);
    expect(await ended.locator('.end-reason').textContent()).toBe('Not encrypted');
    expect(await ended.locator('.end-detail').textContent()).toBe(
      'The other side would not encrypt the call (SRTP is required)',
    );
    // The picture first: the screen closes by itself 4 s after the end, and the axe scan takes
    // a while on a busy machine.
    await shot('call-ended-not-encrypted.png');
    await expectNoSeriousA11yViolations(page, 'call refused for want of encryption');
    await expect.poll(() => ended.count(), { timeout: 10_000 }).toBe(0);
    await callee.exited;
  }, 90_000);
});
