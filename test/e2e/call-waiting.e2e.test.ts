/**
 * Call waiting as a softphone user meets it, in Debian's Chromium against the real engine: the
 * engine registers through the lab's provider front door (test/lab/support/provider-front.ts),
 * so sipp callers reach it as a provider's calls do and see its hold re-INVITEs. A second caller
 * during a call shows a banner (no ringtone over the conversation); "Answer and hold" holds the
 * first call (a=sendonly at that caller) and connects the second with audio both ways; the
 * screen shows both calls and switches between them; Decline leaves the current call alone;
 * ending the active call leaves the held one to resume; under "Do not disturb" a caller hears
 * 486 Busy Here and History lists the call as missed.
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
  namedCallerArgs,
} from '../lab/support/peers.js';
import { expectNoSeriousA11yViolations } from './support/a11y.js';
import type { Bridge } from './support/bridge-server.js';
import { DOCS_SCREENS, loopbackAppUnavailableReason, SCREENS } from './support/browser.js';
import { labAccount, startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';
import type { CallInfo } from '../../src-shared/domain.js';

const skip = announceSkip('e2e: call waiting in Chromium', loopbackAppUnavailableReason());

const children: ChildProcess[] = [];
let app: LoopbackApp;
let bridge: Bridge;
let page: Page;
let front: ProviderFront;

/** A screenshot for test-results/screens, and for docs/screens when it documents a screen. */
async function shot(name: string, publish = true): Promise<void> {
  const path = join(SCREENS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  if (publish) copyFileSync(path, join(DOCS_SCREENS, `${name}.png`));
}

/** One caller placing one call through the provider's front door, named NAME in its From. */
async function caller(scenario: string, name: string, extraArgs: string[] = []) {
  const peer = await startLoopbackSipp(
    scenario,
    [...namedCallerArgs(scenario, name), ...extraArgs],
    {
      calls: 1,
      target: `${front.address.address}:${front.address.port}`,
    },
  );
  children.push(peer.child);
  return peer;
}

function received(peer: LoopbackSipp, method: string) {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith(method),
  );
}

function responses(peer: LoopbackSipp, status: number) {
  return parseSippMessageLog(peer.log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith(`SIP/2.0 ${status} `),
  );
}

const offered = (message: { text: string } | undefined) =>
  /a=(sendonly|recvonly|sendrecv|inactive)/.exec(message?.text ?? '')?.[1] ?? null;

async function engineCalls(): Promise<CallInfo[]> {
  return (await bridge.service.engine.invoke('snapshot', {})).calls;
}

async function engineCallFrom(name: string): Promise<CallInfo | undefined> {
  return (await engineCalls()).find((call) => call.remoteDisplayName === name);
}

/** The tone the page's audio controller plays: 'ring', 'ringback' or null. */
const pageTone = () => page.locator('html').getAttribute('data-tone');

const callScreen = () => page.getByRole('region', { name: 'Call', exact: true });
const banner = () => page.getByRole('alert', { name: 'Call waiting' });
const heldRows = () => page.getByRole('list', { name: 'Calls on hold' }).getByRole('listitem');
const tab = (name: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true });

describe.skipIf(skip)('call waiting in Chromium against the real engine and sipp', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    const registrar = await startLoopbackSipp('provider-registrar.xml', ['-timeout', '300s']);
    children.push(registrar.child);
    front = await startProviderFront({ address: '127.0.0.1', port: registrar.port });
    app = await startLoopbackApp({
      ports: { stun: 47000 },
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

  it('a second caller shows a banner without the ringtone; answer and hold, switch, decline, resume', async () => {
    expect((await bridge.service.engine.invoke('snapshot', {})).registration.state).toBe(
      'registered',
    );
    // An ordinary first call rings with the ringtone, and is answered.
    const alice = await caller('caller-stays-on-line.xml', 'Alice', ['-rtp_echo']);
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(pageTone).toBe('ring');
    await incoming.getByRole('button', { name: 'Answer', exact: true }).click();
    await expect
      .poll(() => callScreen().locator('.state').textContent(), { timeout: 10_000 })
      .toBe('Connected');
    await expect.poll(pageTone).toBeNull();
    // Every tone the page plays from here on: none may be the ringtone.
    await page.evaluate(`(() => {
      window.tonesPlayed = [];
      new MutationObserver(() => {
        const tone = document.documentElement.dataset.tone;
        if (tone) window.tonesPlayed.push(tone);
      }).observe(document.documentElement, { attributes: true, attributeFilter: ['data-tone'] });
    })()`);
    const tonesPlayed = () => page.evaluate('window.tonesPlayed');
    // A moment into the conversation, as a second call would come.
    await page.waitForTimeout(2500);

    // A second caller: a banner above the conversation, announced, and no ringtone over it.
    const bob = await caller('caller-stays-on-line.xml', 'Bob', ['-rtp_echo']);
    await expect.poll(() => banner().count(), { timeout: 10_000 }).toBe(1);
    expect(await banner().innerText()).toMatch(/Bob\s+\(514\) 555-\d{4}/);
    expect(await callScreen().locator('.remote').textContent()).toBe('Alice');
    expect(await banner().getAttribute('role')).toBe('alert');
    for (let i = 0; i < 5; i++) {
      expect(await pageTone()).toBeNull();
      await page.waitForTimeout(100);
    }
    expect((await engineCallFrom('Bob'))?.waiting).toBe(true);
    expect((await engineCallFrom('Alice'))?.state).toBe('connected');
    await expectNoSeriousA11yViolations(page, 'call with a waiting call');
    await shot('call-waiting');

    // Answer and hold, from the keyboard: the first call is held, then the second connects.
    await banner().getByRole('button', { name: 'Answer and hold' }).focus();
    await page.keyboard.press('Space');
    await expect
      .poll(() => callScreen().locator('.remote').textContent(), { timeout: 10_000 })
      .toBe('Bob');
    await expect.poll(() => callScreen().locator('.state').textContent()).toBe('Connected');
    await expect.poll(() => heldRows().count()).toBe(1);
    expect(await heldRows().first().innerText()).toMatch(/On hold:\s*Alice/);
    expect(await banner().count()).toBe(0);
    expect((await engineCallFrom('Alice'))?.state).toBe('on-hold');
    const aliceInvites = received(alice, 'INVITE');
    expect(aliceInvites).toHaveLength(1);
    expect(offered(aliceInvites[0])).toBe('sendonly');
    // Not even for the moment between holding Alice and connecting Bob.
    expect(await tonesPlayed()).toEqual([]);
    // Bob's audio flows both ways: the page's microphone out, sipp's echo back.
    await expect
      .poll(
        async () => {
          const stats = (await engineCallFrom('Bob'))?.stats;
          return Math.min(stats?.packetsSent ?? 0, stats?.packetsReceived ?? 0);
        },
        { timeout: 6000 },
      )
      .toBeGreaterThan(25);
    // Let the meters and the quality word settle for the picture.
    await page.waitForTimeout(1500);
    await expectNoSeriousA11yViolations(page, 'two calls, one on hold');
    await shot('call-two-calls');

    // Switch back to Alice: Bob is held (a=sendonly), Alice resumed (a=sendrecv).
    await page.getByRole('button', { name: 'Switch to Alice' }).click();
    await expect
      .poll(() => callScreen().locator('.remote').textContent(), { timeout: 10_000 })
      .toBe('Alice');
    await expect.poll(() => callScreen().locator('.state').textContent()).toBe('Connected');
    await expect.poll(() => heldRows().first().innerText()).toMatch(/On hold:\s*Bob/);
    expect((await engineCallFrom('Bob'))?.state).toBe('on-hold');
    expect(offered(received(bob, 'INVITE')[0])).toBe('sendonly');
    expect(offered(received(alice, 'INVITE')[1])).toBe('sendrecv');

    // Another caller while Alice talks: Decline refuses it and leaves Alice as she is.
    const carol = await caller('caller-gets-busy.xml', 'Carol');
    await expect.poll(() => banner().count(), { timeout: 10_000 }).toBe(1);
    expect(await banner().innerText()).toContain('Carol');
    // Esc declines the waiting call, not the conversation.
    await page.keyboard.press('Escape');
    await expect.poll(() => banner().count()).toBe(0);
    expect(await waitFor(() => carol.child.exitCode !== null, 8000), carol.output()).toBe(true);
    expect(carol.child.exitCode, carol.output()).toBe(0);
    expect(responses(carol, 486)).toHaveLength(1);
    expect(received(alice, 'INVITE')).toHaveLength(2);
    expect((await engineCallFrom('Alice'))?.state).toBe('connected');
    expect(await callScreen().locator('.remote').textContent()).toBe('Alice');

    // Hanging up Alice leaves Bob on screen, on hold, to resume.
    await callScreen().getByRole('button', { name: 'Hang up' }).click();
    await expect
      .poll(() => callScreen().locator('.remote').textContent(), { timeout: 10_000 })
      .toBe('Bob');
    expect(await callScreen().locator('.state').textContent()).toBe('On hold');
    expect(await heldRows().count()).toBe(0);
    await callScreen().getByRole('button', { name: 'Resume' }).click();
    await expect
      .poll(() => callScreen().locator('.state').textContent(), { timeout: 10_000 })
      .toBe('Connected');
    expect(offered(received(bob, 'INVITE')[1])).toBe('sendrecv');
    await callScreen().getByRole('button', { name: 'Hang up' }).click();
    expect(await waitFor(() => bob.child.exitCode !== null, 8000), bob.output()).toBe(true);
    expect(bob.child.exitCode, bob.output()).toBe(0);
    expect(await waitFor(() => alice.child.exitCode !== null, 8000), alice.output()).toBe(true);
    expect(alice.child.exitCode, alice.output()).toBe(0);
    await page.keyboard.press('Escape');
    await expect
      .poll(() => page.getByRole('region', { name: 'Dialer' }).count(), { timeout: 10_000 })
      .toBe(1);
    expect(await tonesPlayed()).toEqual([]);
  }, 90_000);

  it('with Do not disturb on, a caller hears 486 and History lists the call as missed', async () => {
    await tab('Settings').click();
    const dnd = page.getByRole('switch', { name: 'Do not disturb' });
    // The switch follows the saved setting, so it turns on once main has stored it.
    await dnd.click();
    await expect.poll(() => dnd.isChecked()).toBe(true);
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.doNotDisturb))
      .toBe(true);

    const dave = await caller('caller-gets-busy.xml', 'Dave');
    expect(await waitFor(() => dave.child.exitCode !== null, 8000), dave.output()).toBe(true);
    expect(dave.child.exitCode, dave.output()).toBe(0);
    expect(responses(dave, 486)).toHaveLength(1);
    expect(responses(dave, 180)).toHaveLength(0);
    // The phone stayed silent: no ringing screen, no ringtone, Settings still open.
    expect(await page.getByRole('region', { name: 'Incoming call' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Call ended' }).count()).toBe(0);
    expect(await pageTone()).toBeNull();
    expect(await dnd.isChecked()).toBe(true);
    await dnd.scrollIntoViewIfNeeded();
    await shot('settings-do-not-disturb', false);

    await tab('History').click();
    const first = page.locator('.history-call').first();
    await expect.poll(() => first.innerText(), { timeout: 5000 }).toMatch(/Dave/);
    expect(await first.getAttribute('class')).toMatch(/\bmissed\b/);
    await shot('history-refused-missed', false);

    // Turned off, calls ring again.
    await tab('Settings').click();
    await page.getByRole('switch', { name: 'Do not disturb' }).click();
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.doNotDisturb))
      .toBe(false);
    const erin = await caller('caller-gets-busy.xml', 'Erin');
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await incoming.getByRole('button', { name: 'Decline' }).click();
    expect(await waitFor(() => erin.child.exitCode !== null, 8000), erin.output()).toBe(true);
    expect(erin.child.exitCode, erin.output()).toBe(0);
  }, 60_000);
});
