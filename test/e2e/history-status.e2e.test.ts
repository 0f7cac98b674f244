/**
 * History and status a person can act on, in Debian's Chromium against the real engine: sipp on
 * loopback is the provider (registrar, and answers calls with an echo), and the only STUN server
 * is a loopback port nobody listens on. The status pill must say amber "STUN server not
 * answering", not red, beside the working registration, and its advice button must open the
 * STUN servers. Two calls (one answered, one missed: a second sipp calls and gives up with
 * CANCEL) land on the History page, where call back places a call in one click, Missed and a
 * search narrow the list, one call is removed, and clearing (confirmed) empties it for good. The header and tabs stay in view on the long settings page.
 * Screenshots go to test-results/screens and docs/screens.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { startLoopbackSipp, type LoopbackSipp } from '../lab/support/peers.js';
import type { Bridge } from './support/bridge-server.js';
import { DOCS_SCREENS, loopbackAppUnavailableReason, SCREENS } from './support/browser.js';
import { labAccount, startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip('e2e: history and status in Chromium', loopbackAppUnavailableReason());

const children: ChildProcess[] = [];
let app: LoopbackApp;
let bridge: Bridge;
let page: Page;
let provider: LoopbackSipp;
/** Nothing listens here: a STUN server that never answers. */
const DEAD_STUN = `127.0.0.1:${39000 + Math.floor(Math.random() * 1000)}`;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`) });
  mkdirSync(DOCS_SCREENS, { recursive: true });
  copyFileSync(join(SCREENS, `${name}.png`), join(DOCS_SCREENS, `${name}.png`));
}

const pill = () => page.getByRole('button', { name: /^Network:/ });
const tab = (name: string) =>
  page
    .getByRole('navigation', { name: 'Sections', exact: true })
    .getByRole('button', { name, exact: true });
const historyRows = () => page.locator('.history-call');
const historyRowsOnDialer = () => page.locator('.recent-call');

function storedHistory(): unknown[] {
  return JSON.parse(readFileSync(join(bridge.settingsFile, '..', 'history.json'), 'utf8')) as [];
}

/** The header's and the tab bar's boxes against the viewport, read in the page. */
async function frameInView(): Promise<{ headerTop: number; navBottom: number; viewport: number }> {
  const header = await page.locator('header').boundingBox();
  const nav = await page.getByRole('navigation', { name: 'Sections', exact: true }).boundingBox();
  return {
    headerTop: header?.y ?? Number.NaN,
    navBottom: nav ? nav.y + nav.height : Number.NaN,
    viewport: page.viewportSize()?.height ?? Number.NaN,
  };
}

describe.skipIf(skip)('history and status in Chromium against the real engine', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    provider = await startLoopbackSipp('provider-comedia.xml', ['-rtp_echo', '-m', '20']);
    children.push(provider.child);
    app = await startLoopbackApp({
      settings: () => labAccount(`127.0.0.1:${provider.port}`, DEAD_STUN),
      microphone: true,
    });
    ({ bridge, page } = app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('a dead STUN server beside a working registration is amber, and its button opens the STUN servers', async () => {
    await page.goto(bridge.url);
    await expect
      .poll(() => pill().getAttribute('aria-label'), { timeout: 15_000 })
      .toBe('Network: STUN server not answering');
    expect(await pill().getAttribute('class')).toMatch(/\bamber\b/);
    expect(await pill().getAttribute('class')).not.toMatch(/\bred\b/);
    const { registration } = await bridge.service.engine.invoke('snapshot', {});
    expect(registration.state).toBe('registered');

    await tab('Network').click();
    const verdict = page.getByRole('region', { name: 'Network status' }).getByRole('status');
    await expect
      .poll(() => verdict.locator('strong').textContent())
      .toBe('STUN server not answering');
    expect(await verdict.getAttribute('class')).toMatch(/\bamber\b/);
    expect(await verdict.locator('p').textContent()).toMatch(/Choose another STUN server/);
    // Plain words only: none of the engine's terms reach the panel.
    const panelText =
      (await page.getByRole('region', { name: 'Network status' }).innerText()) ?? '';
    expect(panelText).not.toMatch(/\b(blocked|cone|from stun|open)\b/i);
    await shot('nat-stun-dead');

    await verdict.getByRole('button', { name: 'Choose a STUN server' }).click();
    const stun = page.locator('#stun-settings');
    await expect.poll(() => stun.count()).toBe(1);
    // The STUN section starts below the sticky header, in view.
    await expect
      .poll(async () => {
        const box = await stun.boundingBox();
        const header = await page.locator('header').boundingBox();
        return box !== null && header !== null && box.y >= header.y + header.height && box.y < 760;
      })
      .toBe(true);
    expect(await page.evaluate('window.scrollY')).toBeGreaterThan(0);
  });

  it('"Turn STUN on" saves STUN on and the engine asks the servers again', async () => {
    await bridge.service.handlers.saveSettings({ stunEnabled: false });
    expect(bridge.service.engine.engineOptions.stunServers).toEqual([]);
    await bridge.service.handlers.checkNat({});
    await expect
      .poll(() => pill().getAttribute('aria-label'), { timeout: 10_000 })
      .toBe('Network: Ready, STUN off');
    expect(await pill().getAttribute('class')).toMatch(/\bgreen\b/);
    await tab('Network').click();
    await page.getByRole('button', { name: 'Turn STUN on' }).click();
    // The save goes through the page's bridge and the engine's re-check: give it the time a
    // machine busy with other suites takes, as the polls around it do.
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.stunEnabled), {
        timeout: 10_000,
      })
      .toBe(true);
    // The servers the check had kept come back into use (not an empty list with STUN "on").
    await expect
      .poll(() => bridge.service.engine.engineOptions.stunServers, { timeout: 10_000 })
      .toEqual([DEAD_STUN]);
    await expect
      .poll(() => pill().getAttribute('aria-label'), { timeout: 15_000 })
      .toBe('Network: STUN server not answering');
  });

  it('the header and the tabs stay in view on the long settings page, the status on one line', async () => {
    await tab('Settings').click();
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await expect.poll(() => page.evaluate('window.scrollY')).toBeGreaterThan(200);
    const frame = await frameInView();
    expect(frame.headerTop).toBe(0);
    expect(Math.round(frame.navBottom)).toBe(frame.viewport);
    // The pill keeps to one line beside the account name, whatever its words.
    const pillBox = await pill().boundingBox();
    const account = await page.locator('.account').boundingBox();
    expect(pillBox!.height).toBeLessThan(40);
    expect(account!.x + account!.width).toBeLessThanOrEqual(pillBox!.x);
    expect(await pill().getAttribute('title')).toMatch(/^STUN server not answering: /);
    await shot('header-scrolled');
  });

  it('an answered call and a missed one appear on the History page, missed marked', async () => {
    await tab('Dialer').click();
    await page.getByLabel('Number to call').fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await page.getByRole('button', { name: 'Hang up' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Dialer' }).count(), { timeout: 10_000 })
      .toBe(1);

    const caller = app.spawnCaller('provider-invites-then-cancels.xml', provider.port + 10, [
      '-timeout',
      '30s',
    ]);
    const callerDone = new Promise<number | null>((resolve) => caller.once('exit', resolve));
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => incoming.textContent()).toContain('Missed Caller');
    // Nobody answers; the caller gives up after 3 s.
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(0);
    // sipp exits 0 only when its whole scenario ran: INVITE, 180, CANCEL, 200, 487, ACK.
    expect(await callerDone).toBe(0);

    // The History tab counts the missed call until History is looked at; its name stays History.
    const count = tab('History').locator('.tab-count');
    await expect.poll(() => count.textContent(), { timeout: 10_000 }).toBe('1');
    const describedBy = (await tab('History').getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('1 missed call');
    await shot('dialer-missed');
    await page.getByRole('button', { name: 'All calls' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'History' }).count()).toBe(1);
    expect(await tab('History').getAttribute('aria-current')).toBe('page');
    await expect.poll(() => historyRows().count()).toBe(2);
    expect(await page.getByRole('heading', { name: 'Today' }).count()).toBe(1);
    const [missed, answered] = await historyRows().all();
    expect(await missed!.getAttribute('class')).toMatch(/\bmissed\b/);
    expect(await missed!.innerText()).toMatch(/Missed Caller/);
    expect(await missed!.locator('.facts').innerText()).toMatch(
      /^Incoming · \d{1,2}:\d{2}\s?(AM|PM)? · Missed$/,
    );
    expect(await answered!.getAttribute('class')).not.toMatch(/\bmissed\b/);
    expect(await answered!.locator('.who').innerText()).toMatch(/4443/);
    expect(await answered!.locator('.facts').innerText()).toMatch(
      /^Outgoing · \d{1,2}:\d{2}\s?(AM|PM)? · \d+ s · Answered$/,
    );
    await shot('history');
    // Export CSV: the browser downloads the file main wrote, one row per call, newest first.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^natter-history-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync((await download.path()) ?? '', 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'Started,Direction,Number,Name,Account,Outcome,Duration (s),Result,SIP status',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^[\d-]+T[\d:.]+Z,Incoming,[^,]+,Missed Caller,,Missed,,/);
    expect(lines[2]).toMatch(/^[\d-]+T[\d:.]+Z,Outgoing,4443,,,Answered,\d+,You hung up,$/);
    // Seen: the count is gone, on History and after it, and stays gone over a reload.
    expect(await count.count()).toBe(0);
    await tab('Dialer').click();
    expect(await count.count()).toBe(0);
    expect(await tab('History').getAttribute('aria-describedby')).toBeNull();
    await page.reload();
    await expect.poll(() => page.getByRole('region', { name: 'Dialer' }).count()).toBe(1);
    await expect.poll(() => historyRowsOnDialer().count()).toBe(2);
    expect(await count.count()).toBe(0);
  });

  it('Call on an empty dialer fills in the last number dialled, not the missed caller, and does not dial', async () => {
    await tab('Dialer').click();
    const field = page.getByLabel('Number to call');
    const callButton = page.getByRole('button', { name: 'Call', exact: true });
    expect(await field.inputValue()).toBe('');
    expect(await callButton.isDisabled()).toBe(false);
    expect(await callButton.getAttribute('title')).toBe('Fill in the last number dialled, 4443');
    const before = (await bridge.service.engine.invoke('snapshot', {})).calls.length;
    await callButton.click();
    expect(await field.inputValue()).toBe('4443');
    // Enter in the emptied field does the same, from the keyboard.
    await field.fill('');
    await field.press('Enter');
    expect(await field.inputValue()).toBe('4443');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await bridge.service.engine.invoke('snapshot', {})).calls.length).toBe(before);
    expect(await page.getByRole('region', { name: 'Dialer' }).count()).toBe(1);
    await field.fill('');
    await tab('History').click();
  });

  it('call back places the call in one click', async () => {
    const before = (await bridge.service.engine.invoke('snapshot', {})).calls.length;
    await page.getByRole('button', { name: 'Call back Missed Caller' }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    const { calls } = await bridge.service.engine.invoke('snapshot', {});
    const placed = calls.find((call) => call.state !== 'ended');
    expect(calls.length).toBeGreaterThan(before);
    expect(placed).toMatchObject({ direction: 'outgoing' });
    expect(placed?.remote).toMatch(/15145550177/);
    await page.getByRole('button', { name: 'Hang up' }).click();
    // The call over, the page it was placed from comes back, with the new call on top.
    await expect
      .poll(() => page.getByRole('heading', { name: 'History' }).count(), { timeout: 10_000 })
      .toBe(1);
    await expect.poll(() => historyRows().count()).toBe(3);
    expect(await historyRows().first().locator('.facts').innerText()).toMatch(/^Outgoing/);
  });

  it('a click on a missed-call notification opens History on the missed calls, from any page', async () => {
    await tab('History').click();
    await page.getByRole('searchbox', { name: 'Search calls' }).fill('4443');
    await tab('Settings').click();
    bridge.openHistory('missed');
    await expect.poll(() => page.getByRole('heading', { name: 'History' }).count()).toBe(1);
    const shownGroup = page.getByRole('group', { name: 'Calls shown' });
    expect(
      await shownGroup.getByRole('button', { name: /^Missed/ }).getAttribute('aria-pressed'),
    ).toBe('true');
    // What was searched before does not hide the missed call it was opened for.
    expect(await page.getByRole('searchbox', { name: 'Search calls' }).inputValue()).toBe('');
    await expect.poll(() => historyRows().count()).toBe(1);
    expect(await historyRows().first().innerText()).toMatch(/Missed Caller/);
    // Already on History, with every call listed: it turns to the missed ones again.
    await shownGroup.getByRole('button', { name: 'All' }).click();
    await expect.poll(() => historyRows().count()).toBe(3);
    bridge.openHistory('missed');
    await expect.poll(() => historyRows().count()).toBe(1);
    await shownGroup.getByRole('button', { name: 'All' }).click();
  });

  it('Missed and a search narrow the list; one call is removed for good, the focus on the row after it', async () => {
    await tab('History').click();
    await expect.poll(() => historyRows().count()).toBe(3);
    const shownGroup = page.getByRole('group', { name: 'Calls shown' });
    const missedButton = shownGroup.getByRole('button', { name: 'Missed (1)' });
    await missedButton.click();
    expect(await missedButton.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => historyRows().count()).toBe(1);
    expect(await historyRows().first().getAttribute('class')).toMatch(/\bmissed\b/);
    const search = page.getByRole('searchbox', { name: 'Search calls' });
    await search.fill('4443');
    await expect.poll(() => historyRows().count()).toBe(0);
    expect(await page.getByRole('status').allInnerTexts()).toContain(
      'No missed call matches “4443”.',
    );
    await page.getByRole('button', { name: 'Show all calls' }).click();
    await expect.poll(() => historyRows().count()).toBe(3);
    expect(await search.inputValue()).toBe('');
    expect(await shownGroup.getByRole('button', { name: 'All' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    // Digits however written find the number: the missed call and the call back to it.
    await search.fill('+1 (514) 555-0177');
    await expect.poll(() => historyRows().count()).toBe(2);
    for (const row of await historyRows().all()) {
      expect(await row.innerText()).toMatch(/\(514\) 555-0177/);
    }
    await shot('history-search');
    await search.fill('');
    await expect.poll(() => historyRows().count()).toBe(3);

    await page
      .getByRole('button', { name: 'Remove the call with Missed Caller from history' })
      .click();
    await expect.poll(() => historyRows().count()).toBe(2);
    expect(await page.getByRole('status').allInnerTexts()).toContain(
      'The call with Missed Caller was removed from history.',
    );
    // The row that took its place has the focus, so the next Enter removes the next call.
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe(
      'Remove the call with 4443 from history',
    );
    expect(await shownGroup.getByRole('button', { name: 'Missed', exact: true }).count()).toBe(1);
    await expect.poll(() => storedHistory().length).toBe(2);
    expect(JSON.stringify(storedHistory())).not.toContain('Missed Caller');
    await page.reload();
    await tab('History').click();
    await expect.poll(() => historyRows().count()).toBe(2);
    expect(await page.getByText('Missed Caller').count()).toBe(0);
  });

  it('clear history asks first, empties it, and it stays empty after a reload', async () => {
    await tab('History').click();
    await expect.poll(() => historyRows().count()).toBe(2);
    await page.getByRole('button', { name: 'Clear history' }).click();
    const question = page.getByRole('alertdialog');
    // The safe answer has the focus: a stray Enter keeps the calls.
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Keep');
    expect(await question.innerText()).toMatch(/Clear all 2 calls\? This cannot be undone\./);
    // Keep leaves everything as it was.
    await question.getByRole('button', { name: 'Keep' }).click();
    expect(await historyRows().count()).toBe(2);
    await page.getByRole('button', { name: 'Clear history' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.getByText('History cleared.').count()).toBe(1);
    expect(await historyRows().count()).toBe(0);
    await expect.poll(() => storedHistory()).toEqual([]);

    await page.reload();
    await tab('History').click();
    await expect.poll(() => page.getByText('No calls yet.').count()).toBe(1);
    expect(await historyRows().count()).toBe(0);
    await tab('Dialer').click();
    expect(await page.locator('.recent li').count()).toBe(0);
  });

  it('a caller who withheld their number is offered no call back: not at the end, in History or Recent', async () => {
    const caller = app.spawnCaller(
      'provider-anonymous-invites-then-cancels.xml',
      provider.port + 11,
      ['-timeout', '30s'],
    );
    const callerDone = new Promise<number | null>((resolve) => caller.once('exit', resolve));
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => incoming.textContent()).toContain('Anonymous');
    const ended = page.getByRole('region', { name: 'Call ended' });
    await expect.poll(() => ended.count(), { timeout: 10_000 }).toBe(1);
    expect(await ended.getByRole('button').allInnerTexts()).toEqual(['Back to dialer']);
    expect(await callerDone).toBe(0);
    await ended.getByRole('button', { name: 'Back to dialer' }).click();
    const recent = page.locator('.recent li button');
    await expect.poll(() => recent.count()).toBe(1);
    expect(await recent.first().isDisabled()).toBe(true);
    await tab('History').click();
    await expect.poll(() => historyRows().count()).toBe(1);
    expect(await historyRows().first().innerText()).toMatch(/Anonymous/);
    expect(await historyRows().first().getByRole('button').allInnerTexts()).toEqual(['']);
    expect(
      await historyRows()
        .first()
        .getByRole('button', { name: 'Remove the call with Anonymous from history' })
        .count(),
    ).toBe(1);
  });
});
