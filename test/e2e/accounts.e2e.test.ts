/**
 * Several accounts as a user meets them, in Debian's Chromium against the real engines: two
 * registrars (sipp, each behind its own provider front door, test/lab/support/provider-front.ts),
 * the main account on one and "Office" on the other, both registered at once. Judged at the
 * registrars and callers:
 *
 * - each registrar received an authorized REGISTER of its own account;
 * - a call to Office rings with "on Office" shown; a call to the main account during it waits
 *   (the banner, no ringtone) and "Answer and hold" holds the Office call (a=sendonly at that
 *   caller), as on one line;
 * - the dialer offers both accounts, and a call placed from each reaches that account's
 *   registrar only;
 * - do not disturb on Office: its caller hears 486 Busy Here while the main account still rings;
 * - auto-answer on Office after 2 s: its caller gets 180 Ringing, then 200 OK no sooner than 2 s.
 */
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoreAccount } from '../../src-shared/accounts.js';
import { announceSkip } from '../support/lab-guard.js';
import type { ProviderFront } from '../lab/support/provider-front.js';
import {
  namedCallerArgs,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
} from '../lab/support/peers.js';
import { expectNoSeriousA11yViolations } from './support/a11y.js';
import type { Bridge } from './support/bridge-server.js';
import { loopbackAppUnavailableReason, openSettingsSection } from './support/browser.js';
import {
  hostPort,
  startTwoAccountApp,
  windowShot,
  type TwoAccountApp,
} from './support/two-accounts.js';

const skip = announceSkip('e2e: several accounts in Chromium', loopbackAppUnavailableReason());

const children: ChildProcess[] = [];
let lab: TwoAccountApp;
let bridge: Bridge;
let page: Page;
let mainRegistrar: LoopbackSipp;
let officeRegistrar: LoopbackSipp;
let mainFront: ProviderFront;
let officeFront: ProviderFront;

const shot = (name: string) => windowShot(page, name);

async function caller(front: ProviderFront, scenario: string, name: string) {
  const peer = await startLoopbackSipp(scenario, [...namedCallerArgs(scenario, name)], {
    calls: 1,
    target: hostPort(front),
  });
  children.push(peer.child);
  return peer;
}

const messages = (peer: LoopbackSipp, direction: 'received' | 'sent', start: string) =>
  parseSippMessageLog(peer.log).filter(
    (m) => m.direction === direction && m.startLine.startsWith(start),
  );

const offered = (message: { text: string } | undefined) =>
  /a=(sendonly|recvonly|sendrecv|inactive)/.exec(message?.text ?? '')?.[1] ?? null;

async function calls() {
  return (await bridge.service.handlers.snapshot({})).calls;
}

async function hangUpEverything(): Promise<void> {
  for (const call of await calls()) {
    if (call.state !== 'ended') {
      await bridge.service.handlers.hangup({ callId: call.id }).catch(() => undefined);
    }
  }
  await expect
    .poll(async () => (await calls()).filter((call) => call.state !== 'ended').length, {
      timeout: 10_000,
    })
    .toBe(0);
  // The call-ended screen goes back to the dialer by itself in a few seconds; Esc goes at once.
  await page.keyboard.press('Escape');
  await expect
    .poll(() => page.getByRole('region', { name: 'Call ended' }).count(), { timeout: 10_000 })
    .toBe(0);
}

async function saveOffice(change: Partial<MoreAccount>): Promise<void> {
  const [office] = (await bridge.service.handlers.getSettings({})).moreAccounts;
  await bridge.service.handlers.saveSettings({ moreAccounts: [{ ...office!, ...change }] });
}

const tab = (name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });
const incoming = () => page.getByRole('region', { name: 'Incoming call' });
const callScreen = () => page.getByRole('region', { name: 'Call', exact: true });
const banner = () => page.getByRole('alert', { name: 'Call waiting' });

/** A caller on Office who stays on the line, answered here until the call screen says Connected. */
async function answerOfficeCaller(name: string): Promise<void> {
  await caller(officeFront, 'caller-stays-on-line.xml', name);
  await expect.poll(() => incoming().count(), { timeout: 10_000 }).toBe(1);
  await incoming().getByRole('button', { name: 'Answer', exact: true }).click();
  await expect
    .poll(() => callScreen().locator('.state').textContent(), { timeout: 10_000 })
    .toBe('Connected');
}

describe.skipIf(skip)('several accounts in Chromium against the real engines and sipp', () => {
  beforeAll(async () => {
    lab = await startTwoAccountApp({ registrarLifetime: '300s' });
    ({ bridge, page, mainRegistrar, officeRegistrar, mainFront, officeFront } = lab);
  }, 90_000);

  afterAll(async () => {
    await lab?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('registers both accounts, each at its own registrar, and lists them in Settings', async () => {
    const statuses = bridge.service.fleet.statuses();
    expect(statuses.map((account) => [account.label, account.registration.state])).toEqual([
      ['Home office', 'registered'],
      ['Office', 'registered'],
    ]);
    for (const registrar of [mainRegistrar, officeRegistrar]) {
      const registers = messages(registrar, 'received', 'REGISTER');
      expect(registers.some((m) => /^Authorization:.*Digest/im.test(m.text))).toBe(true);
      expect(messages(registrar, 'sent', 'SIP/2.0 200').length).toBeGreaterThan(0);
    }
    // Each account's socket is its own: the two registrars saw two different Contacts.
    const contactOf = (registrar: LoopbackSipp) =>
      /^Contact:\s*(.+)$/im.exec(messages(registrar, 'received', 'REGISTER').at(-1)!.text)?.[1];
    expect(contactOf(mainRegistrar)).not.toEqual(contactOf(officeRegistrar));

    await openSettingsSection(page, 'Accounts');
    const list = page.getByRole('list', { name: 'Accounts' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
    await expect.poll(() => list.innerText()).toMatch(/Office\s+Registered/);
    // Each account has its own socket, so each row says where calls reach that one.
    const reachedAt = async () =>
      [...(await list.innerText()).matchAll(/calls reach it at [\d.]+:(\d+)/g)].map((m) => m[1]);
    await expect.poll(async () => new Set(await reachedAt()).size).toBe(2);
    await page.getByRole('button', { name: 'Add an account' }).click();
    await page.getByRole('form', { name: 'Add an account' }).scrollIntoViewIfNeeded();
    await list.scrollIntoViewIfNeeded();
    await expectNoSeriousA11yViolations(page, 'Settings → Accounts');
    await shot('accounts-settings');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('Office’s keypad digits are chosen in its form: its engine takes them, the first account keeps Settings → Calls', async () => {
    await openSettingsSection(page, 'Accounts');
    const list = page.getByRole('list', { name: 'Accounts' });
    const officeWay = () => bridge.service.fleet.engineOf('office')?.engineOptions.dtmfMethod;
    const chooseForOffice = async (choice: string, screen?: string) => {
      await page.getByRole('button', { name: 'Edit Office' }).click();
      const form = page.getByRole('form', { name: 'Edit account' });
      const select = form.getByLabel('Keypad digits during a call');
      await select.selectOption({ label: choice });
      if (screen) {
        await select.scrollIntoViewIfNeeded();
        await shot(screen);
      }
      await form.getByRole('button', { name: 'Save account' }).click();
      await expect.poll(() => form.count()).toBe(0);
    };
    await chooseForOffice('SIP INFO', 'accounts-keypad-digits');
    await expect.poll(officeWay).toBe('sip-info');
    expect(bridge.service.engine.engineOptions.dtmfMethod).toBe('auto');
    await expect.poll(() => list.innerText()).toMatch(/keypad digits: SIP INFO/);
    // Back to the settings' way: the account stores none of its own and follows them again.
    await chooseForOffice('As in Settings → Calls (Automatic)');
    await expect.poll(officeWay).toBe('auto');
    const office = (await bridge.service.handlers.getSettings({})).moreAccounts[0];
    expect(office?.label).toBe('Office');
    expect(office && 'dtmfMethod' in office).toBe(false);
    expect(await list.innerText()).not.toMatch(/keypad digits/);
    // The account still registered where it was: choosing a way asks for no new registration.
    expect(bridge.service.fleet.statuses().map((account) => account.registration.state)).toEqual([
      'registered',
      'registered',
    ]);
  });

  it('a call to each account rings with its account shown; one on the other line waits', async () => {
    await tab('Dialer').click();
    const office = await caller(officeFront, 'caller-stays-on-line.xml', 'Carol');
    await expect.poll(() => incoming().count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => incoming().innerText()).toMatch(/on Office/);
    await shot('accounts-incoming');
    expect((await calls()).find((call) => call.state === 'incoming')?.accountId).toBe('office');
    await incoming().getByRole('button', { name: 'Answer', exact: true }).click();
    await expect
      .poll(() => callScreen().locator('.state').textContent(), { timeout: 10_000 })
      .toBe('Connected');

    // The main account's caller during the Office call: it waits, as a second line's call.
    const home = await caller(mainFront, 'caller-stays-on-line.xml', 'Dave');
    await expect.poll(() => banner().count(), { timeout: 10_000 }).toBe(1);
    const dave = (await calls()).find((call) => call.remoteDisplayName === 'Dave');
    expect(dave).toMatchObject({ accountId: 'first', waiting: true, state: 'incoming' });
    await banner().getByRole('button', { name: 'Answer and hold' }).click();
    await expect
      .poll(() => callScreen().locator('.remote').textContent(), { timeout: 10_000 })
      .toBe('Dave');
    await expect.poll(() => callScreen().locator('.state').textContent()).toBe('Connected');
    // The Office caller was held first, across accounts: a=sendonly at that caller.
    const reInvites = messages(office, 'received', 'INVITE');
    expect(reInvites).toHaveLength(1);
    expect(offered(reInvites[0])).toBe('sendonly');
    expect((await calls()).find((call) => call.remoteDisplayName === 'Carol')?.state).toBe(
      'on-hold',
    );
    expect(messages(home, 'received', 'SIP/2.0 200')).toHaveLength(1);
    await page.waitForTimeout(800);
    await shot('accounts-call');
    await hangUpEverything();
  });

  it('the dialer places a call from the account chosen, to that account’s registrar', async () => {
    await tab('Dialer').click();
    const chooser = page.getByRole('combobox', { name: 'Call from' });
    await expect.poll(() => chooser.count(), { timeout: 10_000 }).toBe(1);
    const invitesAt = (registrar: LoopbackSipp) => messages(registrar, 'received', 'INVITE').length;
    const before = [invitesAt(mainRegistrar), invitesAt(officeRegistrar)];
    await chooser.selectOption('office');
    await page.getByRole('textbox', { name: 'Number to call' }).fill('4443');
    await shot('accounts-dialer');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => invitesAt(officeRegistrar), { timeout: 10_000 }).toBe(before[1]! + 1);
    expect(invitesAt(mainRegistrar)).toBe(before[0]);
    expect((await calls()).find((call) => call.state !== 'ended')?.accountId).toBe('office');
    await hangUpEverything();

    await chooser.selectOption('first');
    await page.getByRole('textbox', { name: 'Number to call' }).fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => invitesAt(mainRegistrar), { timeout: 10_000 }).toBe(before[0]! + 1);
    expect(invitesAt(officeRegistrar)).toBe(before[1]! + 1);
    await hangUpEverything();
  });

  it('a contact called from the Contacts page goes out from the account chosen in the dialer; the redial goes out on it again', async () => {
    await bridge.service.handlers.saveContact({
      contact: {
        name: 'Olivia Office',
        favourite: false,
        numbers: [{ number: '+1 514 555 0177', label: 'work' }],
      },
    });
    const invitesTo = (registrar: LoopbackSipp) =>
      messages(registrar, 'received', 'INVITE sip:15145550177@').length;
    // The page reads the book as it opens.
    await page.reload();
    await tab('Dialer').click();
    const chooser = page.getByRole('combobox', { name: 'Call from' });
    await expect.poll(() => chooser.count(), { timeout: 10_000 }).toBe(1);
    await chooser.selectOption('office');
    await tab('Contacts').click();
    await page.getByRole('button', { name: /^Call Olivia Office, Work/ }).click();
    await expect.poll(() => invitesTo(officeRegistrar), { timeout: 10_000 }).toBe(1);
    expect(invitesTo(mainRegistrar)).toBe(0);
    await hangUpEverything();
    await tab('Dialer').click();
    await chooser.selectOption('first');

    // Call on the empty dialer is that call again: its number, from the line it went out on.
    const callButton = page.getByRole('button', { name: 'Call', exact: true });
    expect(await callButton.getAttribute('title')).toBe(
      'Fill in the last number dialled, (514) 555-0177 on Office',
    );
    await callButton.click();
    expect(await page.getByRole('textbox', { name: 'Number to call' }).inputValue()).toBe(
      '15145550177',
    );
    expect(await chooser.inputValue()).toBe('office');
    await callButton.click();
    await expect.poll(() => invitesTo(officeRegistrar), { timeout: 10_000 }).toBe(2);
    expect(invitesTo(mainRegistrar)).toBe(0);
    await hangUpEverything();
    await tab('Dialer').click();
    await chooser.selectOption('first');
  });

  it('do not disturb on Office: its caller hears 486, the main account still rings', async () => {
    await saveOffice({ doNotDisturb: true });
    const refused = await caller(officeFront, 'caller-gets-busy.xml', 'Erin');
    await expect
      .poll(() => messages(refused, 'received', 'SIP/2.0 486').length, { timeout: 10_000 })
      .toBe(1);
    expect(messages(refused, 'received', 'SIP/2.0 180')).toHaveLength(0);
    const ringing = await caller(mainFront, 'caller-stays-on-line.xml', 'Frank');
    await expect.poll(() => incoming().count(), { timeout: 10_000 }).toBe(1);
    expect(messages(ringing, 'received', 'SIP/2.0 180').length).toBe(1);
    await incoming().getByRole('button', { name: 'Decline', exact: true }).click();
    await hangUpEverything();
    await saveOffice({ doNotDisturb: false });
  });

  it('auto-answer on Office: 180 Ringing, then 200 OK after the seconds chosen', async () => {
    await saveOffice({ autoAnswerSeconds: 2 });
    const started = Date.now();
    const peer = await caller(officeFront, 'caller-stays-on-line.xml', 'Grace');
    await expect
      .poll(() => messages(peer, 'received', 'SIP/2.0 180').length, { timeout: 10_000 })
      .toBe(1);
    const ringingAt = Date.now();
    expect(messages(peer, 'received', 'SIP/2.0 200')).toHaveLength(0);
    await expect
      .poll(() => messages(peer, 'received', 'SIP/2.0 200').length, {
        timeout: 10_000,
        interval: 50,
      })
      .toBe(1);
    // Not before the two seconds: the 180 is seen here a moment after it was sent, the 200 too.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - ringingAt).toBeGreaterThan(1500);
    await expect
      .poll(() => callScreen().locator('.state').textContent(), { timeout: 10_000 })
      .toBe('Connected');
    await hangUpEverything();
    await saveOffice({ autoAnswerSeconds: 0 });

    await tab('History').click();
    await expect.poll(() => page.locator('.history-account').count()).toBeGreaterThan(0);
    await shot('accounts-history');
  });

  it('on an Office call, Add call and Consult first place the second call from Office too', async () => {
    const invitesTo = (registrar: LoopbackSipp, number: string) =>
      messages(registrar, 'received', `INVITE sip:${number}@`).length;
    await tab('Dialer').click();
    await answerOfficeCaller('Heidi');

    await callScreen().getByRole('button', { name: 'Add call', exact: true }).click();
    const panel = page.getByRole('form', { name: 'Add a call' });
    await expect.poll(() => panel.count()).toBe(1);
    await panel.getByLabel('Number to add').fill('+1 (514) 555-0100');
    expect(await panel.locator('.transfer-hint').allTextContents()).toEqual([
      'Will dial 15145550100',
      'Heidi is held while the new call rings.',
    ]);
    await expectNoSeriousA11yViolations(page, 'add call panel');
    await shot('call-add-call');
    await panel.getByRole('button', { name: 'Call', exact: true }).click();
    // Judged at the registrars: the second call went to Office's, none to the main account's.
    await expect.poll(() => invitesTo(officeRegistrar, '15145550100'), { timeout: 10_000 }).toBe(1);
    expect(invitesTo(mainRegistrar, '15145550100')).toBe(0);
    await expect
      .poll(() => callScreen().locator('.remote').textContent(), { timeout: 10_000 })
      .toBe('(514) 555-0100');
    const live = (await calls()).filter((call) => call.state !== 'ended');
    expect(
      live.map((call) => [call.remoteDisplayName ?? call.remote, call.state, call.accountId]),
    ).toEqual(
      expect.arrayContaining([
        ['Heidi', 'on-hold', 'office'],
        [expect.stringContaining('15145550100'), 'connected', 'office'],
      ]),
    );
    // The held call's row offers what a second line does.
    const held = callScreen().getByRole('list', { name: 'Calls on hold' });
    await expect
      .poll(() => held.getByRole('button', { name: 'Merge Heidi into this call' }).count())
      .toBe(1);
    expect(await held.getByRole('button', { name: 'Switch to Heidi' }).count()).toBe(1);
    await hangUpEverything();

    await answerOfficeCaller('Ivan');
    const consultsBefore = invitesTo(officeRegistrar, '4443');
    const mainBefore = invitesTo(mainRegistrar, '4443');
    await callScreen().getByRole('button', { name: 'Transfer', exact: true }).click();
    const transfer = page.getByRole('form', { name: 'Transfer the call' });
    await transfer.getByLabel('Transfer to').fill('4443');
    await transfer.getByRole('button', { name: 'Consult first' }).click();
    await expect
      .poll(() => invitesTo(officeRegistrar, '4443'), { timeout: 10_000 })
      .toBe(consultsBefore + 1);
    expect(invitesTo(mainRegistrar, '4443')).toBe(mainBefore);
    await hangUpEverything();
  });
});
