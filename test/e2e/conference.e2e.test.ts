/**
 * The three-way conference screen in Debian's Chromium against the real engine, with two sipp
 * callers through the lab's provider front door: with one call held, its row offers Merge; merged,
 * the held caller is resumed (a=sendrecv at that caller) and the screen shows both parties, each
 * with Split and Hang up; Split holds the other party; hanging up one party leaves the other
 * connected. What each party hears is judged in test/lab/conference.test.ts.
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

const skip = announceSkip('e2e: conference in Chromium', loopbackAppUnavailableReason());

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

const offered = (message: { text: string } | undefined) =>
  /a=(sendonly|recvonly|sendrecv|inactive)/.exec(message?.text ?? '')?.[1] ?? null;

async function engineCalls(): Promise<CallInfo[]> {
  return (await bridge.service.engine.invoke('snapshot', {})).calls;
}

async function engineCallFrom(name: string): Promise<CallInfo | undefined> {
  return (await engineCalls()).find((call) => call.remoteDisplayName === name);
}

const callScreen = () => page.getByRole('region', { name: 'Call', exact: true });
const banner = () => page.getByRole('alert', { name: 'Call waiting' });
const heldRows = () => page.getByRole('list', { name: 'Calls on hold' }).getByRole('listitem');
const parties = () => page.getByRole('list', { name: 'In the conference' }).getByRole('listitem');

describe.skipIf(skip)('three-way conference in Chromium against the real engine and sipp', () => {
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

  it('merge the held call, split it again, merge and hang up one party', async () => {
    expect((await bridge.service.engine.invoke('snapshot', {})).registration.state).toBe(
      'registered',
    );
    const alice = await caller('caller-stays-on-line.xml', 'Alice', ['-rtp_echo']);
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await incoming.getByRole('button', { name: 'Answer', exact: true }).click();
    await expect
      .poll(() => callScreen().locator('.state').textContent(), { timeout: 10_000 })
      .toBe('Connected');
    const bob = await caller('caller-stays-on-line.xml', 'Bob', ['-rtp_echo']);
    await expect.poll(() => banner().count(), { timeout: 10_000 }).toBe(1);
    await banner().getByRole('button', { name: 'Answer and hold' }).click();
    await expect
      .poll(() => callScreen().locator('.remote').textContent(), { timeout: 10_000 })
      .toBe('Bob');
    await expect.poll(() => heldRows().count()).toBe(1);

    // One call on hold beside the one talked on: its row offers Merge.
    const merge = page.getByRole('button', { name: 'Merge Alice into this call' });
    expect(await merge.count()).toBe(1);
    await page.waitForTimeout(1000);
    await shot('conference-merge');

    await merge.click();
    await expect.poll(() => parties().count(), { timeout: 10_000 }).toBe(2);
    expect(await callScreen().locator('.state').first().textContent()).toBe('Conference');
    expect(await callScreen().locator('.remote').textContent()).toBe('Bob & Alice');
    expect(await heldRows().count()).toBe(0);
    const calls = await engineCalls();
    const leg = (name: string) =>
      calls.find((c) => c.remoteDisplayName === name && c.state !== 'ended');
    expect(leg('Alice')).toMatchObject({
      state: 'connected',
      conference: { carriesUserAudio: false },
    });
    expect(leg('Bob')).toMatchObject({
      state: 'connected',
      conference: { carriesUserAudio: true },
    });
    // Alice was resumed: her second re-INVITE offers a=sendrecv.
    const aliceInvites = received(alice, 'INVITE');
    expect(aliceInvites.map(offered)).toEqual(['sendonly', 'sendrecv']);
    expect(await page.getByRole('button', { name: 'End conference' }).count()).toBe(1);
    expect(await callScreen().getByRole('button', { name: 'Hold' }).isDisabled()).toBe(true);
    await page.waitForTimeout(1500);
    await expectNoSeriousA11yViolations(page, 'three-way conference');
    await shot('conference-call');

    // Split, keeping Bob: Alice is held again, and the screen is Bob's call with Alice on hold.
    await page.getByRole('button', { name: 'Split: talk with Bob alone' }).click();
    await expect.poll(() => heldRows().count(), { timeout: 10_000 }).toBe(1);
    expect(await heldRows().first().innerText()).toMatch(/On hold:\s*Alice/);
    expect(await callScreen().locator('.remote').textContent()).toBe('Bob');
    expect(offered(received(alice, 'INVITE')[2])).toBe('sendonly');
    expect((await engineCallFrom('Alice'))?.conference).toBeUndefined();

    // Merged again, then Alice hung up: Bob stays connected, on an ordinary call screen.
    await page.getByRole('button', { name: 'Merge Alice into this call' }).click();
    await expect.poll(() => parties().count(), { timeout: 10_000 }).toBe(2);
    await page.getByRole('button', { name: 'Hang up Alice' }).click();
    await expect.poll(() => parties().count(), { timeout: 10_000 }).toBe(0);
    expect(await callScreen().locator('.remote').textContent()).toBe('Bob');
    expect(await callScreen().locator('.state').textContent()).toBe('Connected');
    expect(await waitFor(() => alice.child.exitCode !== null, 8000), alice.output()).toBe(true);
    expect(alice.child.exitCode, alice.output()).toBe(0);
    await shot('conference-one-left', false);

    await page.getByRole('button', { name: 'Hang up', exact: true }).click();
    expect(await waitFor(() => bob.child.exitCode !== null, 8000), bob.output()).toBe(true);
    expect(bob.child.exitCode, bob.output()).toBe(0);
  }, 60_000);
});
