/**
 * Voicemail with two accounts, as a user meets it, in Debian's Chromium against the real
 * engines: two registrars (sipp, each behind its own provider front door), the main account
 * ("Home office") on one and "Office" on the other, and each provider telling its own account's
 * mailbox unasked, as Asterisk does (a NOTIFY to the Contact that account registered: 3 new then
 * 2 new for the main account, 1 new for Office). Judged at the registrars and on the screen:
 *
 * - each account counts its own mailbox: the header shows 3 in all, and says which account has
 *   what; the tray's line too ("Voicemail: 2 new (Home office), 1 new (Office)");
 * - the dialer's Voicemail button calls the mailbox of the account chosen to call from: *97 on
 *   the main account's registrar, Office's own number (*98) on Office's, and never the other;
 * - Settings → Accounts lists each account's count and mailbox number;
 * - once the main account's messages are heard, the header's badge opens the dialer on Office,
 *   the account that still has news, so its Voicemail button calls Office's mailbox.
 */
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trayStatus } from '../../src-main/app/tray-status.js';
import type { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { announceSkip } from '../support/lab-guard.js';
import { parseSippMessageLog, startLoopbackSipp, type LoopbackSipp } from '../lab/support/peers.js';
import type { Bridge } from './support/bridge-server.js';
import { loopbackAppUnavailableReason, openSettingsSection } from './support/browser.js';
import { startTwoAccountApp, windowShot, type TwoAccountApp } from './support/two-accounts.js';

const skip = announceSkip(
  'e2e: voicemail on two accounts in Chromium',
  loopbackAppUnavailableReason(),
);

const children: ChildProcess[] = [];
let lab: TwoAccountApp;
let bridge: Bridge;
let page: Page;
let mainRegistrar: LoopbackSipp;
let officeRegistrar: LoopbackSipp;

const shot = (name: string) => windowShot(page, name);

/** The Request-URIs of the INVITEs a registrar received. */
const invitesAt = (registrar: LoopbackSipp) =>
  parseSippMessageLog(registrar.log)
    .filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '))
    .map((m) => m.startLine.split(' ')[1] ?? '');

/** The provider tells an account's mailbox to the Contact that account registered. */
async function notify(engine: NatterEngine, scenario: string): Promise<LoopbackSipp> {
  const port = /:(\d+);transport/.exec(engine.contactHeader ?? '')?.[1];
  if (!port) throw new Error('the account has no Contact to send its mailbox to');
  const notifier = await startLoopbackSipp(scenario, [], { calls: 1, target: `127.0.0.1:${port}` });
  children.push(notifier.child);
  return notifier;
}

async function live() {
  return (await bridge.service.handlers.snapshot({})).calls.filter(
    (call) => call.state !== 'ended',
  );
}

async function hangUpEverything(): Promise<void> {
  for (const call of await live()) {
    await bridge.service.handlers.hangup({ callId: call.id }).catch(() => undefined);
  }
  await expect.poll(async () => (await live()).length, { timeout: 10_000 }).toBe(0);
  await page.keyboard.press('Escape');
  await expect
    .poll(() => page.getByRole('region', { name: 'Call ended' }).count(), { timeout: 10_000 })
    .toBe(0);
}

const tab = (name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });
const badge = () => page.locator('header .voicemail-badge');
const voicemailButton = () => page.getByRole('button', { name: /^Voicemail.*: call / });
const chooser = () => page.getByRole('combobox', { name: 'Call from' });

describe.skipIf(skip)('voicemail on two accounts in Chromium against the real engines', () => {
  beforeAll(async () => {
    lab = await startTwoAccountApp({
      registrarLifetime: '120s',
      office: { voicemailNumber: '*98' },
    });
    ({ bridge, page, mainRegistrar, officeRegistrar } = lab);
  }, 90_000);

  afterAll(async () => {
    await lab?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('counts each account’s mailbox alone, the header and the tray showing both', async () => {
    const office = bridge.service.fleet.engineOf('office')!;
    expect(await badge().count()).toBe(0);
    const notifiers = [
      await notify(bridge.service.engine, 'provider-notifies-mailbox.xml'),
      await notify(office, 'provider-notifies-one-message.xml'),
    ];
    await expect
      .poll(() => badge().getAttribute('aria-label'), { timeout: 15_000 })
      .toBe('Voicemail: 2 new (Home office), 1 new (Office). Open the dialer');
    expect(await badge().textContent()).toContain('3');
    expect(await badge().getAttribute('title')).toBe(
      'Voicemail: 2 new (Home office), 1 new (Office)',
    );
    // Every NOTIFY was answered 200, or its sipp would have failed the scenario.
    for (const notifier of notifiers) {
      if (notifier.child.exitCode === null) {
        await new Promise((resolve) => notifier.child.once('exit', resolve));
      }
      expect(notifier.child.exitCode, notifier.output().slice(-600)).toBe(0);
    }
    const counts = bridge.service.fleet
      .statuses()
      .map((account) => [account.label, account.voicemail?.newMessages]);
    expect(counts).toEqual([
      ['Home office', 2],
      ['Office', 1],
    ]);
    const snapshot = await bridge.service.handlers.snapshot({});
    const tray = trayStatus(snapshot.registration, snapshot.nat, snapshot.calls, {
      mailboxes: bridge.service.fleet.mailboxes(),
    });
    expect(tray.voicemailLabel).toBe('Voicemail: 2 new (Home office), 1 new (Office)');
    expect(snapshot.voicemail?.newMessages).toBe(3);
  });

  it('the Voicemail button calls the mailbox of the account chosen, from that account', async () => {
    await tab('Dialer').click();
    await expect.poll(() => chooser().count(), { timeout: 10_000 }).toBe(1);
    expect(await voicemailButton().getAttribute('aria-label')).toBe(
      'Voicemail, 2 new: call *97 from Home office',
    );
    await chooser().selectOption('office');
    await expect
      .poll(() => voicemailButton().getAttribute('aria-label'))
      .toBe('Voicemail, 1 new: call *98 from Office');
    await shot('voicemail-accounts');

    await voicemailButton().click();
    await expect.poll(() => invitesAt(officeRegistrar).length, { timeout: 10_000 }).toBe(1);
    expect(invitesAt(officeRegistrar)[0]).toMatch(/^sip:\*98@127\.0\.0\.1(?:[:;>]|$)/);
    expect(invitesAt(mainRegistrar)).toEqual([]);
    expect((await live())[0]?.accountId).toBe('office');
    await hangUpEverything();

    await tab('Dialer').click();
    await chooser().selectOption('first');
    await voicemailButton().click();
    await expect.poll(() => invitesAt(mainRegistrar).length, { timeout: 10_000 }).toBe(1);
    expect(invitesAt(mainRegistrar)[0]).toMatch(/^sip:\*97@127\.0\.0\.1(?:[:;>]|$)/);
    expect(invitesAt(officeRegistrar)).toHaveLength(1);
    await hangUpEverything();
  });

  it('Settings → Accounts lists each account’s new messages and mailbox number', async () => {
    await openSettingsSection(page, 'Accounts');
    const list = page.getByRole('list', { name: 'Accounts' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
    const item = (id: string) => list.locator(`li[data-account-id="${id}"]`);
    await expect
      .poll(() => item('first').locator('.account-voicemail').textContent())
      .toBe('✉ 2 new voicemails · mailbox *97');
    expect(await item('office').locator('.account-voicemail').textContent()).toBe(
      '✉ 1 new voicemail · mailbox *98',
    );
    await list.scrollIntoViewIfNeeded();
    await shot('voicemail-accounts-list');
  });

  it('the header badge opens the dialer on the account whose mailbox has news', async () => {
    await tab('Dialer').click();
    await chooser().selectOption('first');
    const notifier = await notify(bridge.service.engine, 'provider-notifies-messages-read.xml');
    await expect
      .poll(() => badge().getAttribute('aria-label'), { timeout: 15_000 })
      .toBe('Voicemail: 1 new (Office). Open the dialer');
    if (notifier.child.exitCode === null) {
      await new Promise((resolve) => notifier.child.once('exit', resolve));
    }
    expect(notifier.child.exitCode, notifier.output().slice(-600)).toBe(0);
    // From another page, as a user who sees the badge light up while looking at History.
    await tab('History').click();
    await badge().click();
    await expect.poll(() => chooser().inputValue(), { timeout: 5_000 }).toBe('office');
    expect(await voicemailButton().getAttribute('aria-label')).toBe(
      'Voicemail, 1 new: call *98 from Office',
    );
    // The choice is the user's again: it stays across pages until changed.
    await chooser().selectOption('first');
    await tab('History').click();
    await tab('Dialer').click();
    expect(await chooser().inputValue()).toBe('first');
  });
});
