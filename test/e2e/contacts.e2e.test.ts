/**
 * The address book as a user meets it, in Debian's Chromium against the real engine: a Google
 * Contacts vCard export is imported through the page's file picker (the report says what was
 * taken and what was left out), the dialer finds a contact by name as it is typed and dials
 * the contact's number, which the provider (sipp) receives in its INVITE's request line; a call
 * from that number in another written form shows the contact's name instead of the caller's
 * own; History names the contact; the book exports as a vCard file the browser downloads.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { parseSippMessageLog, startLoopbackSipp, type LoopbackSipp } from '../lab/support/peers.js';
import { expectNoSeriousA11yViolations } from './support/a11y.js';
import { DOCS_SCREENS, loopbackAppUnavailableReason, SCREENS } from './support/browser.js';
import { labAccount, startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip('e2e: contacts in Chromium', loopbackAppUnavailableReason());
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'contacts', 'google-contacts-3.0.vcf');

let app: LoopbackApp;
let page: Page;
let provider: LoopbackSipp;
const children: ChildProcess[] = [];

async function shot(name: string): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}

const tab = (name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });

/** A sipp caller that stays on the line, named `name`, from `number` with its call number (1) after it. */
function callFrom(name: string, number: string): void {
  const callerPort = 30000 + Math.floor(Math.random() * 5000) * 2;
  children.push(
    app.spawnCaller('caller-stays-on-line.xml', callerPort, [
      '-set',
      'caller',
      name,
      '-set',
      'number',
      number,
      '-timeout',
      '30s',
    ]),
  );
}

async function activeCall() {
  const { calls } = await app.bridge.service.engine.invoke('snapshot', {});
  return calls.find((call) => call.state !== 'ended') ?? null;
}

describe.skipIf(skip)('contacts in Chromium against the real engine and sipp', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    provider = await startLoopbackSipp('provider-answers-by-number.xml', [
      '-rtp_echo',
      '-timeout',
      '120s',
    ]);
    children.push(provider.child);
    app = await startLoopbackApp({
      ports: { stun: 48500 },
      settings: ({ stunPort }) => labAccount(`127.0.0.1:${provider.port}`, `127.0.0.1:${stunPort}`),
      microphone: true,
    });
    page = app.page;
    await page.goto(app.bridge.url);
    const registered = async () =>
      (await app.bridge.service.engine.invoke('snapshot', {})).registration.state === 'registered';
    for (let tries = 0; !(await registered()) && tries < 150; tries++) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('imports a vCard export, searches and dials from the dialer, names a caller, exports', async () => {
    expect((await app.bridge.service.engine.invoke('snapshot', {})).registration.state).toBe(
      'registered',
    );
    // Import through the page's own file picker.
    await tab('Contacts').click();
    await page.getByLabel('Address book file to import').setInputFiles(FIXTURE);
    const report = page.locator('.import-report');
    await expect.poll(() => report.textContent(), { timeout: 10_000 }).toContain('2 imported');
    await expect.poll(() => report.textContent()).toContain('Card 3 (Only Email): no phone number');
    const list = page.getByRole('list', { name: 'Contacts' });
    await expect
      .poll(() => list.getByRole('listitem').filter({ hasText: 'Jane Doe' }).count())
      .toBe(1);
    await shot('contacts-list');
    await expectNoSeriousA11yViolations(page, 'contacts page after an import');

    // Main stored them: the book is in the file beside the history.
    const stored = JSON.parse(
      readFileSync(join(app.bridge.settingsFile, '..', 'contacts.json'), 'utf8'),
    ) as Array<{ name: string }>;
    expect(stored.map((contact) => contact.name).sort()).toEqual([
      'Jane Doe',
      'Marc-André Tremblay',
    ]);

    // Search as you type in the dialer, then pick the match to dial it.
    await tab('Dialer').click();
    await page.locator('#number').fill('jan');
    const match = page
      .getByRole('list', { name: 'Matching contacts' })
      .getByRole('button', { name: /Call Jane Doe, Mobile/ });
    await expect.poll(() => match.count()).toBe(1);
    await shot('contacts-dialer-search');
    await expectNoSeriousA11yViolations(page, 'dialer with contact matches');
    await match.click();
    // Judged at the provider: the INVITE's request line carries the contact's number as dialled.
    await expect
      .poll(
        () =>
          parseSippMessageLog(provider.log).some(
            (message) =>
              message.direction === 'received' &&
              message.startLine.startsWith('INVITE sip:15145550101@'),
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    await expect
      .poll(async () => (await activeCall())?.state, { timeout: 10_000 })
      .toBe('connected');
    await expect
      .poll(() =>
        page.getByRole('region', { name: 'Call', exact: true }).locator('h1').textContent(),
      )
      .toBe('Jane Doe');
    const outgoing = await activeCall();
    await app.bridge.service.engine.invoke('hangup', { callId: outgoing?.id ?? '' });
    await expect.poll(activeCall, { timeout: 10_000 }).toBeNull();
    await page.keyboard.press('Escape');

    // A call from the same number, written as the network presents it, with a name of its own.
    // The scenario appends its call number (1): From is sip:15145550101@…
    callFrom('WIRELESS CALLER', '1514555010');
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => incoming.locator('h1').textContent()).toBe('Jane Doe');
    const ringing = await activeCall();
    expect(ringing?.remoteDisplayName).toBe('WIRELESS CALLER');
    await shot('contacts-incoming');
    await incoming.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(activeCall, { timeout: 10_000 }).toBeNull();
    await page.keyboard.press('Escape');

    // History names both calls after the contact.
    await tab('History').click();
    const names = page.locator('.history-call .name');
    await expect
      .poll(() => names.allTextContents(), { timeout: 10_000 })
      .toEqual(['Jane Doe', 'Jane Doe']);

    // Export: the browser downloads the vCard main wrote.
    await tab('Contacts').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export vCard' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('natter-contacts.vcf');
    const exported = readFileSync((await download.path()) ?? '', 'utf8');
    expect(exported).toContain('FN:Jane Doe');
    expect(exported).toContain('TEL;TYPE=cell,voice:+1 514-555-0101');

    // Add a contact by hand.
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Echo test');
    await page.getByLabel('Number 1', { exact: true }).fill('4443');
    await page.getByLabel('Kind of number 1').selectOption('other');
    await shot('contacts-edit');
    await expectNoSeriousA11yViolations(page, 'new contact form');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => list.getByRole('listitem').filter({ hasText: 'Echo test' }).count())
      .toBe(1);
  }, 90_000);

  it('a caller not in the book is added from History with their number and name, and named there at once', async () => {
    callFrom('Ada Lovelace', '1438555020');
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await incoming.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(activeCall, { timeout: 10_000 }).toBeNull();
    await page.keyboard.press('Escape');

    await tab('History').click();
    const addAda = page.getByRole('button', { name: 'Add Ada Lovelace to contacts' });
    await expect.poll(() => addAda.count(), { timeout: 10_000 }).toBe(1);
    // Numbers the book knows already offer no such button.
    expect(await page.getByRole('button', { name: 'Add Jane Doe to contacts' }).count()).toBe(0);
    await shot('history-add-contact');
    await expectNoSeriousA11yViolations(page, 'history with a caller to add');
    await addAda.click();
    const form = page.getByRole('form', { name: 'New contact' });
    await expect.poll(() => form.count()).toBe(1);
    expect(await tab('Contacts').getAttribute('aria-current')).toBe('page');
    // Left unsaved, the draft is dropped: the Contacts page opens on its list next time.
    await tab('History').click();
    await tab('Contacts').click();
    expect(await form.count()).toBe(0);
    expect(await page.getByRole('list', { name: 'Contacts' }).count()).toBe(1);

    await tab('History').click();
    await addAda.click();
    await expect.poll(() => form.count()).toBe(1);
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('Ada Lovelace');
    expect(await form.getByLabel('Number 1', { exact: true }).inputValue()).toBe('14385550201');
    await form.getByLabel('Name', { exact: true }).fill('Ada (maths club)');
    await form.getByRole('button', { name: 'Save' }).click();

    // Saved, the page the contact came from returns, naming the call after the new contact.
    await expect.poll(() => page.getByRole('heading', { name: 'History' }).count()).toBe(1);
    const row = page.locator('.history-call').first();
    await expect.poll(() => row.locator('.name').textContent()).toBe('Ada (maths club)');
    expect(await addAda.count()).toBe(0);
    const stored = JSON.parse(
      readFileSync(join(app.bridge.settingsFile, '..', 'contacts.json'), 'utf8'),
    ) as Array<{ name: string; numbers: Array<{ number: string }> }>;
    expect(stored.find((contact) => contact.name === 'Ada (maths club)')?.numbers).toMatchObject([
      { number: '14385550201' },
    ]);
  }, 60_000);
});
