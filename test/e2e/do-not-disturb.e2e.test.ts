/**
 * Do not disturb as a user sets it, in Debian's Chromium against the real engine, with sipp
 * callers through the lab's provider front door: switched on in Settings → Calls with "forwarded
 * to" a number typed as people write it, a caller gets 302 Moved Temporarily naming that number
 * (as the dialer would dial it) at the account's server, nothing rings, and History says where
 * the call went; set back to busy, the next caller gets 486. The account list says which. The
 * tray's switch, run as main runs it, turns every account's on and off, and the page follows.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { startProviderFront, type ProviderFront } from '../lab/support/provider-front.js';
import {
  parseSippMessageLog,
  startLoopbackSipp,
  waitFor,
  type LoopbackSipp,
} from '../lab/support/peers.js';
import type { Bridge } from './support/bridge-server.js';
import { DOCS_SCREENS, loopbackAppUnavailableReason, SCREENS } from './support/browser.js';
import { labAccount, startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip('e2e: do not disturb in Chromium', loopbackAppUnavailableReason());

const children: ChildProcess[] = [];
let app: LoopbackApp;
let bridge: Bridge;
let page: Page;
let front: ProviderFront;

async function shot(name: string, target?: ReturnType<Page['getByRole']>): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  // The window as a user sees it with the card in the middle: a crop of the card alone would
  // carry the sticky header and tab bar painted across it.
  await target?.evaluate((card) => card.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}

/** One call from the provider, refused or sent on while do not disturb is on. */
async function providerCalls(): Promise<LoopbackSipp> {
  const peer = await startLoopbackSipp('provider-invites-client-refused.xml', [], {
    calls: 1,
    target: `${front.address.address}:${front.address.port}`,
  });
  children.push(peer.child);
  expect(await waitFor(() => peer.child.exitCode !== null, 10_000), peer.output()).toBe(true);
  return peer;
}

function responses(peer: LoopbackSipp) {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0 '),
  );
}

const settings = () => bridge.service.handlers.getSettings({});
const tab = (name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });
const callsCard = () => page.getByRole('region', { name: 'Calls', exact: true });

describe.skipIf(skip)('do not disturb in Chromium against the real engine and sipp', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    const registrar = await startLoopbackSipp('provider-registrar.xml', ['-timeout', '300s']);
    children.push(registrar.child);
    front = await startProviderFront({ address: '127.0.0.1', port: registrar.port });
    app = await startLoopbackApp({
      ports: { stun: 47600 },
      settings: ({ stunPort }) =>
        labAccount(`${front.address.address}:${front.address.port}`, `127.0.0.1:${stunPort}`),
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

  it('forwards to the number typed, then gives busy again, as the settings say', async () => {
    expect((await bridge.service.engine.invoke('snapshot', {})).registration.state).toBe(
      'registered',
    );
    await tab('Settings').click();
    const card = callsCard();
    const header = page.getByRole('banner');
    const dndMark = header.getByRole('button', { name: /^Do not disturb.* is on/ });
    expect(await dndMark.count()).toBe(0);
    await card.getByRole('switch', { name: 'Do not disturb' }).click();
    await expect.poll(async () => (await settings()).doNotDisturb).toBe(true);
    // The header says calls are refused, on every page.
    await expect
      .poll(() => dndMark.getAttribute('aria-label'))
      .toBe('Do not disturb is on. Open its settings');
    await card.getByRole('radio', { name: 'are forwarded to' }).click();
    // No number yet: the user is asked for one, and callers still hear busy meanwhile.
    await expect.poll(() => card.getByRole('alert').textContent()).toMatch(/Enter the number/);
    const number = card.getByRole('textbox', { name: /calls to$/ });
    await number.fill('(514) 555-0199');
    await number.press('Enter');
    await expect
      .poll(async () => {
        const saved = await settings();
        return [saved.doNotDisturbAction, saved.doNotDisturbForwardTo];
      })
      .toEqual(['forward', '15145550199']);
    await expect.poll(() => number.inputValue()).toBe('15145550199');
    await expect
      .poll(() => card.getByRole('status').first().textContent())
      .toBe('✓ Saved: incoming calls are forwarded to 15145550199');
    await card.scrollIntoViewIfNeeded();
    await shot('dnd-forward-settings', card);
    const accounts = page.getByRole('list', { name: 'Accounts' });
    await expect
      .poll(() => accounts.getByRole('listitem').first().textContent())
      .toMatch(/Do not disturb: forwarded to 15145550199/);

    // On the wire, at the caller: 302 naming the number at the account's server, no ringing.
    const forwarded = await providerCalls();
    expect(forwarded.child.exitCode, forwarded.output()).toBe(0);
    const answers = responses(forwarded);
    expect(answers.map((m) => m.startLine.split(' ')[1])).not.toContain('180');
    const redirect = answers.find((m) => m.startLine.startsWith('SIP/2.0 302'));
    expect(redirect?.startLine).toBe('SIP/2.0 302 Moved Temporarily');
    expect(redirect?.text).toMatch(/^Contact: <sip:15145550199@127\.0\.0\.1>\r?$/m);
    expect(await page.getByRole('region', { name: 'Incoming call' }).count()).toBe(0);
    expect(await page.locator('html').getAttribute('data-tone')).toBeNull();

    await tab('History').click();
    const latest = page.locator('.history-call').first();
    await expect
      .poll(() => latest.innerText(), { timeout: 5000 })
      .toMatch(/Forwarded to 15145550199, do not disturb/);
    expect(await latest.getAttribute('class')).toMatch(/\bmissed\b/);
    await shot('dnd-history');
    // The mark opens the settings where do not disturb is turned off.
    await dndMark.click();
    await expect
      .poll(() => callsCard().getByRole('switch', { name: 'Do not disturb' }).isVisible())
      .toBe(true);
    expect(await tab('Settings').getAttribute('aria-current')).toBe('page');

    // Busy again: the number is kept, the caller gets 486 and no Contact.
    await tab('Settings').click();
    await callsCard()
      .getByRole('radio', { name: /hear a busy signal/ })
      .click();
    await expect
      .poll(async () => {
        const saved = await settings();
        return [saved.doNotDisturbAction, saved.doNotDisturbForwardTo];
      })
      .toEqual(['busy', '15145550199']);
    await expect
      .poll(() => accounts.getByRole('listitem').first().textContent())
      .toMatch(/Do not disturb: callers hear busy/);
    await callsCard().scrollIntoViewIfNeeded();
    await shot('dnd-busy-settings', callsCard());
    const refused = await providerCalls();
    expect(refused.child.exitCode, refused.output()).toBe(0);
    const busy = responses(refused).filter((m) => !m.startLine.startsWith('SIP/2.0 100'));
    expect(busy.map((m) => m.startLine)).toEqual(['SIP/2.0 486 Busy Here']);
    expect(busy[0]?.text).not.toMatch(/^Contact:/m);

    // An account beside the first has a choice of its own, in its row of the account list.
    await bridge.service.handlers.saveSettings({
      moreAccounts: [
        {
          id: 'office',
          label: 'Office',
          account: { server: '127.0.0.1', user: '123456_office' },
          sipTransport: 'udp',
          doNotDisturb: false,
          autoAnswerSeconds: 0,
          hasPassword: false,
        },
      ],
    });
    // Saved behind the page's back: the page reads it as it starts.
    await page.reload();
    await tab('Settings').click();
    const office = accounts.locator('li[data-account-id="office"]');
    await expect.poll(() => office.count()).toBe(1);
    await office.getByRole('switch', { name: 'Do not disturb' }).click();
    await office.getByRole('radio', { name: 'are forwarded to' }).click();
    const officeNumber = office.getByRole('textbox', { name: "Forward Office's calls to" });
    await officeNumber.fill('*97');
    await officeNumber.press('Enter');
    await expect
      .poll(async () => {
        const more = (await settings()).moreAccounts[0];
        return [more?.doNotDisturb, more?.doNotDisturbAction, more?.doNotDisturbForwardTo];
      })
      .toEqual([true, 'forward', '*97']);
    await expect
      .poll(() => office.textContent())
      .toMatch(/123456_office@127\.0\.0\.1 · Do not disturb: forwarded to \*97/);
    // The first account's choice is its own: still busy.
    expect((await settings()).doNotDisturbAction).toBe('busy');
    const accountsCard = page.getByRole('region', { name: 'Accounts', exact: true });
    await accountsCard.scrollIntoViewIfNeeded();
    await shot('dnd-accounts', accountsCard);
    await expect
      .poll(() => dndMark.getAttribute('aria-label'))
      .toBe('Do not disturb is on. Open its settings');

    await callsCard().getByRole('switch', { name: 'Do not disturb' }).click();
    await expect.poll(async () => (await settings()).doNotDisturb).toBe(false);
    // Only the office line refuses now: the mark names it.
    await expect
      .poll(() => dndMark.getAttribute('aria-label'))
      .toBe('Do not disturb (Office) is on. Open its settings');
    await tab('Dialer').click();
    await shot('dnd-header');
    await expect
      .poll(() => {
        const { doNotDisturb, doNotDisturbForwardTo } = bridge.service.engine.engineOptions;
        return [doNotDisturb, doNotDisturbForwardTo];
      })
      .toEqual([false, null]);
  }, 90_000);

  it('the tray’s switch turns every account’s on, then off, and every screen follows at once', async () => {
    await tab('Settings').click();
    const first = callsCard().getByRole('switch', { name: 'Do not disturb' });
    const office = page
      .getByRole('list', { name: 'Accounts' })
      .locator('li[data-account-id="office"]')
      .getByRole('switch', { name: 'Do not disturb' });
    const dndMark = page
      .getByRole('banner')
      .getByRole('button', { name: /^Do not disturb.* is on/ });
    expect(await first.isChecked()).toBe(false);
    expect(await office.isChecked()).toBe(true);

    // What the tray's menu item runs in main; the page is told by main's settings event alone.
    await bridge.service.setDoNotDisturbEverywhere(true);
    await expect.poll(() => first.isChecked()).toBe(true);
    await expect
      .poll(() => dndMark.getAttribute('aria-label'))
      .toBe('Do not disturb is on. Open its settings');
    const saved = await settings();
    // Each account keeps what its callers get: the first's hear busy, Office's go to *97.
    expect([saved.doNotDisturbAction, saved.moreAccounts[0]?.doNotDisturbForwardTo]).toEqual([
      'busy',
      '*97',
    ]);
    const refused = await providerCalls();
    expect(refused.child.exitCode, refused.output()).toBe(0);
    expect(
      responses(refused)
        .filter((m) => !m.startLine.startsWith('SIP/2.0 100'))
        .map((m) => m.startLine),
    ).toEqual(['SIP/2.0 486 Busy Here']);

    await bridge.service.setDoNotDisturbEverywhere(false);
    await expect.poll(() => first.isChecked()).toBe(false);
    await expect.poll(() => office.isChecked()).toBe(false);
    await expect.poll(() => dndMark.count()).toBe(0);
  }, 60_000);
});
