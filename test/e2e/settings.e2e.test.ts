/**
 * The settings page's network tools in Debian's Chromium against the real engine: testing one
 * STUN server (coturn on loopback, and a dead port), reordering the STUN servers from the
 * keyboard, and "Nearest", which probes every voip.ms POP and the account's own server with SIP
 * OPTIONS. Here sipp on loopback is the account's server (registrar and OPTIONS responder) and
 * voip.ms is out of reach, so sipp must win and every POP must read "no answer".
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VOIPMS_SERVERS } from '../../src-shared/settings.js';
import { announceSkip } from '../support/lab-guard.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
} from '../lab/support/peers.js';
import type { Bridge } from './support/bridge-server.js';
import { fullPageScreenshot, loopbackAppUnavailableReason, SCREENS } from './support/browser.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip(
  'e2e: settings network tools in Chromium',
  loopbackAppUnavailableReason(),
);

const children: ChildProcess[] = [];
let app: LoopbackApp;
let bridge: Bridge;
let page: Page;
let provider: LoopbackSipp;
/** coturn's address, once it runs. */
let STUN: string;
/** Nothing listens here: coturn's port plus 1000 stays clear of every other range in use. */
let DEAD_STUN: string;

function stunOrder(): Promise<string[]> {
  return page.locator('.stun-list .settings-stun-name').allTextContents();
}

function focusedLabel(): Promise<string | null> {
  return page
    .locator(':focus')
    .getAttribute('aria-label', { timeout: 200 })
    .catch(() => null);
}

function storedStunServers(): string[] {
  const stored = JSON.parse(readFileSync(bridge.settingsFile, 'utf8')) as {
    settings: { stunServers: string[] };
  };
  return stored.settings.stunServers;
}

describe.skipIf(skip)('settings: STUN test, STUN order and the nearest server', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    provider = await startLoopbackSipp('provider-options.xml', ['-m', '1000', '-timeout', '120s']);
    children.push(provider.child);
    app = await startLoopbackApp({
      ports: { stun: 47000 },
      settings: ({ stunPort }) => {
        STUN = `127.0.0.1:${stunPort}`;
        DEAD_STUN = `127.0.0.1:${stunPort + 1000}`;
        return {
          account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER },
          password: LAB_PASSWORD,
          stunServers: [STUN, DEAD_STUN],
        };
      },
    });
    ({ bridge, page } = app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('reorders the STUN servers from the keyboard; the first is active and the NAT panel follows', async () => {
    await page.goto(bridge.url);
    // Registered: the engine has a NAT status for the panel to show.
    await expect
      .poll(() => page.getByRole('button', { name: /^Network:/ }).getAttribute('class'), {
        timeout: 10_000,
      })
      .toMatch(/green|amber/);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(await stunOrder()).toEqual([STUN, DEAD_STUN]);
    expect(await page.getByRole('button', { name: `Move ${STUN} up` }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: `Move ${DEAD_STUN} up` }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(stunOrder).toEqual([DEAD_STUN, STUN]);
    await expect
      .poll(() => page.locator('.stun-list li.active .settings-stun-name').textContent())
      .toBe(DEAD_STUN);
    // It cannot go higher: focus moved to its other arrow, so the keyboard user is not lost.
    await expect.poll(focusedLabel).toBe(`Move ${DEAD_STUN} down`);
    await expect.poll(storedStunServers).toEqual([DEAD_STUN, STUN]);

    // The engine took the new order without a restart: the NAT panel asks the dead one first.
    await page.getByRole('button', { name: 'Network', exact: true }).click();
    await expect
      .poll(() => page.locator('.servers tbody tr').first().textContent(), { timeout: 8000 })
      .toContain(DEAD_STUN);
    await expect.poll(() => page.locator('.servers tbody tr').nth(1).textContent()).toContain(STUN);

    // Back again: the page shows the saved order, and Enter on the focused arrow moves it back.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(await stunOrder()).toEqual([DEAD_STUN, STUN]);
    await page.getByRole('button', { name: `Move ${DEAD_STUN} down` }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(stunOrder).toEqual([STUN, DEAD_STUN]);
    await expect.poll(focusedLabel).toBe(`Move ${DEAD_STUN} up`);
    await expect.poll(storedStunServers).toEqual([STUN, DEAD_STUN]);
    await expect.poll(() => page.getByText(`Now using ${STUN}`).count()).toBe(1);
  });

  it('"Test" shows the address one STUN server sees and its round trip; a dead one says so', async () => {
    const rows = page.locator('.stun-list li');
    await page.getByRole('button', { name: `Test ${STUN}` }).click();
    await expect
      .poll(() => rows.nth(0).locator('.settings-stun-result').textContent(), { timeout: 3000 })
      .toMatch(/^Answered in \d+(\.\d)? ms · sees you as 127\.0\.0\.1:\d+$/);

    const started = Date.now();
    await page.getByRole('button', { name: `Test ${DEAD_STUN}` }).focus();
    await page.keyboard.press('Enter');
    const deadResult = rows.nth(1).locator('.settings-stun-result');
    await expect
      .poll(() => deadResult.textContent(), { timeout: 4000 })
      .toBe('No answer within 1.5 s');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3000);
    expect(await focusedLabel()).toBe(`Test ${DEAD_STUN}`);
    // Testing neither reorders nor switches anything.
    expect(await stunOrder()).toEqual([STUN, DEAD_STUN]);
  });

  it('"Nearest" probes every POP and the account server within the bound and picks the fastest', async () => {
    const ownServer = `127.0.0.1:${provider.port}`;
    const serverInput = page.getByLabel('Server', { exact: true });
    await serverInput.fill('montreal.voip.ms');
    const started = Date.now();
    await page.getByRole('button', { name: 'Nearest', exact: true }).focus();
    await page.keyboard.press('Enter');
    const summary = page.locator('.settings-probe-summary');
    await expect
      .poll(() => summary.textContent(), { timeout: 5000 })
      .toMatch(new RegExp(`^Nearest: ${ownServer.replace(/\./g, '\\.')} \\([\\d.]+ ms\\)`));
    expect(Date.now() - started).toBeLessThan(3500);
    expect(await serverInput.inputValue()).toBe(ownServer);
    // The button kept keyboard focus through the measurement.
    expect(await page.locator(':focus').textContent()).toBe('Nearest');

    const cells = page.getByRole('list', { name: 'Round trip to each server' }).locator('li');
    expect(await cells.count()).toBe(VOIPMS_SERVERS.length + 1);
    const first = cells.first();
    expect(await first.textContent()).toMatch(new RegExp(`^${ownServer}[\\d.]+ ms$`));
    expect(await first.getByRole('button').getAttribute('aria-pressed')).toBe('true');
    for (const pop of VOIPMS_SERVERS) {
      const cell = cells.filter({ hasText: pop });
      expect(await cell.count(), pop).toBe(1);
      expect(await cell.locator('.settings-probe-rtt').textContent(), pop).toBe('no answer');
    }
    // sipp saw our OPTIONS and answered it.
    const messages = parseSippMessageLog(provider.log);
    expect(
      messages.some((m) => m.direction === 'received' && m.startLine.startsWith('OPTIONS')),
    ).toBe(true);
    await fullPageScreenshot(page, join(SCREENS, 'settings-tested.png'));
  });

  it('"Move to another voip.ms server" is saved when flipped and says what it does', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const failover = page.getByRole('switch', {
      name: 'Move to another voip.ms server when mine stops answering',
    });
    expect(await failover.isChecked()).toBe(false);
    await failover.click();
    await expect.poll(() => failover.isChecked()).toBe(true);
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.registrarFailover))
      .toBe(true);
    await expect
      .poll(() => page.getByText('Saved: Natter moves to the nearest server that answers').count())
      .toBe(1);
    // This account's server is not a voip.ms one: it never moves to voip.ms.
    expect(bridge.service.engine.engineOptions.failoverServers).toEqual([]);
    await failover.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENS, 'settings-failover.png'), animations: 'disabled' });
    await failover.click();
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.registrarFailover))
      .toBe(false);
  });

  it('refuses a probe the contract does not allow, without probing anything', async () => {
    const outcome = await page.evaluate(async (url) => {
      const socket = new WebSocket(new URL(url).searchParams.get('bridge') ?? '');
      await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
      const answers: Array<{ id?: number }> = [];
      socket.addEventListener('message', (message) =>
        answers.push(JSON.parse(String(message.data)) as { id?: number }),
      );
      const invoke = (id: number, command: string, payload: unknown) =>
        socket.send(JSON.stringify({ id, channel: `natter:invoke:${command}`, payload }));
      invoke(1, 'probeServers', { servers: Array(33).fill('montreal.voip.ms') });
      invoke(2, 'testStunServer', { server: 'a b:1' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      return answers.filter((answer) => answer.id !== undefined);
    }, bridge.url);
    expect(outcome).toEqual([
      { id: 1, result: { ok: false, error: { code: 'bad-payload', message: expect.any(String) } } },
      { id: 2, result: { ok: false, error: { code: 'bad-payload', message: expect.any(String) } } },
    ]);
  });
});
