/**
 * Transfer as a softphone user meets it, in Debian's Chromium against the real engine, with sipp
 * callers reaching it through the lab's provider front door: the Transfer panel on a connected
 * call (a number, "Transfer now" or "Consult first"), the REFER's progress from the caller's
 * NOTIFYs on the call screen, then the ended card and History saying "Transferred to 4443"; and
 * a caller asking us to transfer (their REFER) shown as a prompt, whose Decline answers 603.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { startProviderFront, type ProviderFront } from '../lab/support/provider-front.js';
import {
  namedCallerArgs,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
} from '../lab/support/peers.js';
import { header } from '../lab/support/capture.js';
import { expectNoSeriousA11yViolations } from './support/a11y.js';
import type { Bridge } from './support/bridge-server.js';
import { DOCS_SCREENS, loopbackAppUnavailableReason, SCREENS } from './support/browser.js';
import { labAccount, startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip('e2e: call transfer in Chromium', loopbackAppUnavailableReason());

const children: ChildProcess[] = [];
let app: LoopbackApp;
let bridge: Bridge;
let page: Page;
let front: ProviderFront;

async function shot(name: string): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}

async function caller(scenario: string, name: string): Promise<LoopbackSipp> {
  const peer = await startLoopbackSipp(
    scenario,
    [...namedCallerArgs(scenario, name), '-rtp_echo'],
    { calls: 1, target: `${front.address.address}:${front.address.port}` },
  );
  children.push(peer.child);
  return peer;
}

function received(peer: LoopbackSipp, start: string) {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith(start),
  );
}

const callScreen = () => page.getByRole('region', { name: 'Call', exact: true });

async function answerCallFrom(name: string): Promise<void> {
  const incoming = page.getByRole('region', { name: 'Incoming call' });
  await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
  expect(await incoming.locator('.remote').textContent()).toBe(name);
  await incoming.getByRole('button', { name: 'Answer', exact: true }).click();
  await expect
    .poll(() => callScreen().locator('.state').textContent(), { timeout: 10_000 })
    .toBe('Connected');
}

describe.skipIf(skip)('call transfer in Chromium against the real engine and sipp', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    const registrar = await startLoopbackSipp('provider-registrar.xml', ['-timeout', '300s']);
    children.push(registrar.child);
    front = await startProviderFront({ address: '127.0.0.1', port: registrar.port });
    app = await startLoopbackApp({
      ports: { stun: 47100 },
      settings: ({ stunPort }) =>
        labAccount(`${front.address.address}:${front.address.port}`, `127.0.0.1:${stunPort}`),
      microphone: true,
      autoplay: true,
    });
    ({ bridge, page } = app);
    await page.goto(bridge.url);
    const registered = async () =>
      (await bridge.service.engine.invoke('snapshot', {})).registration.state === 'registered';
    for (let tries = 0; !(await registered()) && tries < 100; tries++) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    for (const child of children) child.kill('SIGKILL');
    await front?.close();
  });

  it('Transfer now: the REFER goes out, its progress shows, the call ends as transferred', async () => {
    const alice = await caller('caller-follows-refer.xml', 'Alice');
    await answerCallFrom('Alice');
    await callScreen().getByRole('button', { name: 'Transfer', exact: true }).click();
    const panel = page.getByRole('form', { name: 'Transfer the call' });
    await expect.poll(() => panel.count()).toBe(1);
    const transferNow = panel.getByRole('button', { name: 'Transfer now' });
    expect(await transferNow.isDisabled()).toBe(true);
    // A number is taken as the dialer takes it, and the panel says what will be dialled.
    await panel.getByLabel('Transfer to').fill('+1 (514) 555-0100');
    expect(await panel.locator('.transfer-hint').textContent()).toBe('Will dial 15145550100');
    await panel.getByLabel('Transfer to').fill('+44 (0)20 7946 0000');
    expect(await panel.locator('.transfer-hint').textContent()).toBe('Will dial 011442079460000');
    await panel.getByLabel('Transfer to').fill('4443');
    expect(await panel.locator('.transfer-hint').count()).toBe(0);
    expect(await transferNow.isDisabled()).toBe(false);
    // Let the meters settle for the picture.
    await page.waitForTimeout(1000);
    await expectNoSeriousA11yViolations(page, 'transfer panel');
    await shot('transfer-panel');
    await transferNow.click();
    // The caller's NOTIFYs, as the call screen tells them.
    const status = callScreen().locator('.transfer-status');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('4443 is ringing');
    await shot('transfer-progress');
    // The REFER as the caller received it: Refer-To the number at the provider, Referred-By us.
    const refer = received(alice, 'REFER')[0];
    expect(header(refer?.text ?? '', 'Refer-To', 'r')).toMatch(/^sip:4443@127\.0\.0\.1/);
    expect(header(refer?.text ?? '', 'Referred-By', 'b')).toContain('123456_home');
    // The 200 in the last NOTIFY: our leg ends with a BYE, and the card says so.
    const ended = page.getByRole('region', { name: 'Call ended' });
    await expect.poll(() => ended.count(), { timeout: 10_000 }).toBe(1);
    expect(await ended.locator('.end-reason').textContent()).toBe('Transferred to 4443');
    expect(await ended.locator('.end-detail').count()).toBe(0);
    await expect.poll(() => received(alice, 'BYE').length, { timeout: 5000 }).toBe(1);
    await shot('transfer-ended');
    await ended.getByRole('button', { name: 'Back to dialer' }).click();
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'History', exact: true })
      .click();
    await expect
      .poll(() => page.getByText('Transferred to 4443').count(), { timeout: 5000 })
      .toBeGreaterThan(0);
    await shot('transfer-history');
  }, 60_000);

  it('the caller asks us to transfer: a prompt, and Decline answers their REFER 603', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'Dialer', exact: true })
      .click();
    const bob = await caller('caller-refers.xml', 'Bob');
    await answerCallFrom('Bob');
    const prompt = page.getByRole('alertdialog', { name: 'Transfer request' });
    await expect.poll(() => prompt.count(), { timeout: 10_000 }).toBe(1);
    expect(await prompt.innerText()).toMatch(/Bob\s+asks you to call\s+4443/);
    await expectNoSeriousA11yViolations(page, 'transfer request');
    await shot('transfer-request');
    await prompt.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => prompt.count()).toBe(0);
    const status = callScreen().locator('.transfer-status');
    expect(await status.textContent()).toBe('You declined the transfer to 4443');
    // Bob's sipp waited for exactly this answer; the call goes on.
    expect(await callScreen().locator('.state').textContent()).toBe('Connected');
    await callScreen().getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => received(bob, 'BYE').length, { timeout: 5000 }).toBe(1);
    expect(
      parseSippMessageLog(bob.log).some(
        (m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0 603'),
      ),
    ).toBe(true);
  }, 60_000);
});
