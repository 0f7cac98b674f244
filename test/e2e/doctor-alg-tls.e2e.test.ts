/**
 * "Check my connection" behind a router whose SIP ALG breaks registration over UDP, with
 * Kamailio offering TLS behind it (the lab's ALG middlebox relays TLS it cannot read): the view
 * shows the TLS recommendation with its "Apply" button; applying switches the app to SIP over
 * TLS, and the app then registers through the same router. One screenshot of the verdict goes to
 * docs/screens/doctor-alg-tls-fixes.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { SettingsUpdate } from '../../src-shared/settings.js';
import { announceSkip } from '../support/lab-guard.js';
import { makeTestCa } from '../support/test-ca.js';
import { ALG_PROXY_ADDRESS, startLabAlgProxy } from '../lab/support/alg-proxy.js';
import { PROVIDER_TLS_PORT, startCarrier, startKamailio } from '../lab/support/kamailio.js';
import { createLab, PUBLIC, type Lab } from '../lab/support/netns-lab.js';
import { LAB_PASSWORD, LAB_USER, PROVIDER_SIP_PORT, startCoturn } from '../lab/support/peers.js';
import {
  labAppUnavailableReason,
  launchChromiumIn,
  publishScreen,
  startBridgeInClient,
  type LabBridge,
} from './support/lab-app.js';
import { fullPageScreenshot, SCREENS } from './support/browser.js';

const skip = announceSkip(
  'e2e: the connection check recommends TLS around a SIP ALG',
  labAppUnavailableReason(['kamailio', 'kamcmd', 'sipp', 'turnserver', 'openssl']),
);

const STUN_SERVERS = [`${PUBLIC.stunA}:3478`, `${PUBLIC.stunB}:3478`];

let lab: Lab | null = null;
let bridge: LabBridge | null = null;
let browser: Browser | null = null;
let scratch: string | null = null;

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await bridge?.stop().catch(() => undefined);
  lab?.destroy();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(skip)('"Check my connection" behind a SIP ALG, TLS on offer', () => {
  it('recommends SIP over TLS with its button; "Apply" switches the app to TLS and it registers', async () => {
    mkdirSync(SCREENS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'natter-e2e-doctor-tls-'));
    const ca = makeTestCa(scratch, 'lab-ca');
    const cert = ca.issue('alg', [ALG_PROXY_ADDRESS, PUBLIC.provider]);
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    const kamailio = await startKamailio(lab, {
      tls: { certFile: cert.certFile, keyFile: cert.keyFile },
    });
    await startLabAlgProxy(lab, {
      upstream: { address: PUBLIC.provider, port: PROVIDER_SIP_PORT },
      tlsUpstream: { address: PUBLIC.provider, port: PROVIDER_TLS_PORT },
    });
    const callee = await startCarrier(lab, 'callee');
    const settings: SettingsUpdate = {
      account: { server: ALG_PROXY_ADDRESS, user: LAB_USER, displayName: 'Home office' },
      stunServers: STUN_SERVERS,
      tlsCaFile: ca.caFile,
    };
    bridge = await startBridgeInClient(lab, settings, { NATTER_PASSWORD: LAB_PASSWORD });
    browser = await launchChromiumIn(lab.client, scratch);
    const page = await browser.newPage({ viewport: { width: 420, height: 760 } });
    await page.goto(bridge.url);
    const indicator = () =>
      page.getByRole('button', { name: /^Network:/ }).getAttribute('aria-label');
    // Over UDP the ALG's rewrite gets the app's own registration refused.
    await expect.poll(indicator, { timeout: 15_000 }).toBe('Network: Not registered');

    await page.getByRole('button', { name: 'Network', exact: true }).click();
    await page.getByRole('button', { name: 'Check my connection' }).click();
    await page.getByRole('button', { name: 'Start check' }).click();
    const verdict = page.locator('.doctor-verdict');
    await expect.poll(() => verdict.count(), { timeout: 90_000, interval: 250 }).toBe(1);
    await callee.exited;
    const summaries = await page.locator('.doctor-step .step-summary').allTextContents();
    expect(await verdict.getAttribute('data-verdict'), summaries.join('\n')).toBe('alg-tls-fixes');
    expect(await verdict.locator('strong').textContent()).toBe(
      "Your router's SIP ALG cannot read encrypted traffic: switch to SIP over TLS.",
    );
    expect(await verdict.getAttribute('class')).toMatch(/\bgreen\b/);
    const alg = page.locator('.doctor-step[data-step="alg"] .step-summary');
    expect(await alg.textContent()).toMatch(
      /Contact rewritten.*over TLS \(198\.51\.100\.40:5061\) it registered and the test call had audio both ways/,
    );
    expect(await verdict.locator('.fix p').allTextContents()).toEqual([
      expect.stringMatching(/^Recommended: .*switch to SIP over TLS \(port 5061\)/),
    ]);
    const apply = page.getByRole('button', { name: 'Apply' });
    expect(await apply.count()).toBe(1);
    expect(await page.content()).not.toContain(LAB_PASSWORD);
    await fullPageScreenshot(page, join(SCREENS, 'doctor-alg-tls-fixes.png'));
    publishScreen('doctor-alg-tls-fixes.png');

    await apply.click();
    await expect
      .poll(() => verdict.locator('.saved').textContent(), { timeout: 10_000 })
      .toBe('Saved to your settings and in use now.');
    expect(await verdict.locator('.fix p').first().textContent()).toMatch(/^Applied: /);
    // Now over TLS, which the ALG cannot rewrite, the app registers through the same router:
    // Kamailio holds its TLS binding, and the indicator no longer says it is not registered.
    await expect
      .poll(() => kamailio.location().some((c) => /transport=tls/.test(c.address)), {
        timeout: 20_000,
      })
      .toBe(true);
    await expect.poll(indicator, { timeout: 10_000 }).not.toBe('Network: Not registered');
  }, 150_000);
});
