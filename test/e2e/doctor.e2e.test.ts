/**
 * "Check my connection" and the SIP trace in Debian's Chromium against the real engine and the
 * real doctor: sipp is the provider on loopback (digest registrar, answers the echo call and
 * echoes RTP back to its source), coturn the STUN server. On loopback there is no NAT, so the
 * doctor's test call without STUN has two-way audio and the verdict is that the provider handles
 * NAT; "Apply" then turns STUN off. The trace view must show the REGISTER that carried digest
 * credentials on the wire (sipp's log proves they were there) with the secrets removed.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCTOR_STEP_IDS } from '../../src-shared/doctor.js';
import { announceSkip } from '../support/lab-guard.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  parseSippMessageLog,
  startLoopbackSipp,
  type LoopbackSipp,
} from '../lab/support/peers.js';
import type { Bridge } from './support/bridge-server.js';
import { doctorStepStates } from './support/doctor-view.js';
import { loopbackAppUnavailableReason, SCREENS, untilNetworkReady } from './support/browser.js';
import { publishScreen } from './support/lab-app.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip(
  'e2e: connection check and SIP trace in Chromium',
  loopbackAppUnavailableReason(),
);

const children: ChildProcess[] = [];
let app: LoopbackApp;
let bridge: Bridge;
let page: Page;
let provider: LoopbackSipp;
/** coturn's address, once it runs. */
let STUN: string;

/** A screenshot for test-results/screens and for docs/screens, where README shows it. */
async function shot(name: string): Promise<void> {
  // Transitions finished, so the progress bar shows the count beside it.
  await page.screenshot({ path: join(SCREENS, `${name}.png`), animations: 'disabled' });
  publishScreen(`${name}.png`);
}

/** The test's own tsconfig has no DOM types; the page reads its clipboard as the user would paste. */
async function readClipboard(): Promise<string> {
  return String(await page.evaluate('navigator.clipboard.readText()'));
}

function storedSettings(): { stunServers: string[]; keepaliveSeconds: number } {
  return (JSON.parse(readFileSync(bridge.settingsFile, 'utf8')) as { settings: never }).settings;
}

describe.skipIf(skip)('connection check and SIP trace in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    provider = await startLoopbackSipp('provider-comedia.xml', [
      '-rtp_echo',
      '-m',
      '100',
      '-timeout',
      '180s',
    ]);
    children.push(provider.child);
    app = await startLoopbackApp({
      ports: { stun: 43000 },
      settings: ({ stunPort }) => {
        STUN = `127.0.0.1:${stunPort}`;
        return {
          account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER, displayName: 'Home' },
          password: LAB_PASSWORD,
          stunServers: [STUN],
        };
      },
      microphone: true,
      // "Copy" buttons write the clipboard; the test reads it back to see what a ticket would get.
      clipboard: true,
    });
    ({ bridge, page } = app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('runs "Check my connection": steps land one by one, the window keeps moving, then the verdict', async () => {
    await page.goto(bridge.url);
    await untilNetworkReady(page);
    await page.getByRole('button', { name: 'Network', exact: true }).click();
    await page.getByRole('button', { name: 'Check my connection' }).click();
    const view = page.getByRole('region', { name: 'Connection check' });
    await expect.poll(() => view.count()).toBe(1);
    const full = page.getByLabel('Measure how long the router keeps a mapping (takes 3 minutes)');
    expect(await full.isChecked()).toBe(false);
    expect(await page.locator('.doctor-step').count()).toBe(DOCTOR_STEP_IDS.length);
    expect(await doctorStepStates(page)).toEqual(DOCTOR_STEP_IDS.map(() => 'pending'));

    const events: { id: string; at: number }[] = [];
    // A second run asked for while the first is reporting its first step, so surely under way
    // (the page's view of it lags main's, and under load can show a step main has finished).
    let refusedSecondRun: Promise<unknown> | null = null;
    const off = bridge.service.on('doctorStep', (step) => {
      events.push({ id: step.id, at: Date.now() });
      refusedSecondRun ??= bridge.service.handlers
        .runDoctor({ full: false, echo: '4443', apply: false })
        .then(
          () => 'ran',
          (error: { code?: string }) => error.code,
        );
    });
    const started = Date.now();
    await page.getByRole('button', { name: 'Start check' }).click();
    expect(await full.isDisabled()).toBe(true);
    // Sample the list as it runs: it must pass through states with some steps landed and the
    // next one running, never jump from nothing to everything.
    // What the list showed, sample after sample: landed steps and the running one.
    const seen: { landed: number; running: number }[] = [];
    let runningShot = false;
    let clockBefore: string | null = null;
    let clockMoved = false;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const states = await doctorStepStates(page);
      const landed = states.filter((state) => !['running', 'pending'].includes(state)).length;
      const running = states.indexOf('running');
      seen.push({ landed, running });
      if (running !== -1) {
        // The running step is the one right after those that landed.
        expect(running).toBe(landed);
        const clock = await page.locator('.doctor-progress .muted').textContent();
        if (clockBefore !== null && clock !== clockBefore) clockMoved = true;
        clockBefore = clock;
        if (!runningShot && landed >= 3) {
          // The test call is under way: a spinner on it, the landed steps above.
          runningShot = true;
          await page
            .getByRole('heading', { name: 'Check my connection' })
            .evaluate((element) => element.scrollIntoView({ block: 'start' }));
          await shot('doctor-running');
        }
      }
      if (running === -1 && (await page.locator('.doctor-verdict').count()) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(await refusedSecondRun).toBe('doctor-busy');
    expect(runningShot).toBe(true);
    expect(clockMoved).toBe(true);
    off();
    // Each step crossed the bridge as an event of its own, in the doctor's order, the test call
    // seconds after the first step: the page was told as each landed, not at the end.
    expect(events.map((event) => event.id)).toEqual([...DOCTOR_STEP_IDS]);
    const callLanded = events.find((event) => event.id === 'call-no-stun')?.at ?? 0;
    expect(callLanded - (events[0]?.at ?? started)).toBeGreaterThan(2000);
    // The list grew monotonically and showed partial states with the next step spinning.
    const counts = seen.map((sample) => sample.landed);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(seen).toContainEqual({ landed: 0, running: 0 });
    expect(
      seen.some(
        (sample) =>
          sample.landed > 0 &&
          sample.landed < DOCTOR_STEP_IDS.length &&
          sample.running === sample.landed,
      ),
    ).toBe(true);

    const verdict = page.locator('.doctor-verdict');
    await expect
      .poll(() => verdict.textContent(), { timeout: 5000 })
      .toContain('Your provider handles NAT');
    expect(await doctorStepStates(page)).toEqual([
      'pass', // registered at sipp
      'pass', // no NAT on loopback
      'skipped', // binding lifetime not asked for
      'pass', // SIP arrives as sent
      'pass', // the echo call without STUN: two-way
      'skipped', // not needed
      'skipped', // not needed
    ]);
    const callStep = page.locator('.doctor-step[data-step="call-no-stun"]');
    expect(await callStep.locator('.step-summary').textContent()).toMatch(/^Audio both ways/);
    await callStep.locator('summary', { hasText: 'Evidence' }).click();
    expect(await callStep.locator('pre').textContent()).toContain('"outcome": "two-way"');
    await callStep.getByRole('button', { name: 'Copy evidence' }).click();
    await expect.poll(() => callStep.getByRole('status').textContent()).toBe('Copied');
    const copied = await readClipboard();
    expect(copied).toMatch(/^Test call without STUN: Passed/);
    expect(copied).toContain('"outcome": "two-way"');
    expect(copied).not.toContain(LAB_PASSWORD);
    await callStep.locator('summary', { hasText: 'Evidence' }).click();
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await shot('doctor-verdict');
  }, 90_000);

  it('"Apply" saves the fix: STUN goes off in the settings file, the engine and the Settings page', async () => {
    expect(storedSettings().stunServers).toEqual([STUN]);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => page.locator('.doctor-verdict .fix').textContent())
      .toContain('Applied: Turn STUN off');
    expect(await page.getByRole('button', { name: 'Apply' }).count()).toBe(0);
    expect(storedSettings().stunServers).toEqual([]);
    expect(bridge.service.engine.engineOptions.stunServers).toEqual([]);
    await expect
      .poll(() => page.getByRole('button', { name: /^Network:/ }).textContent(), {
        timeout: 5000,
      })
      .toContain('STUN off');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expect.poll(() => page.locator('.stun-list .settings-stun-name').count()).toBe(0);
    // The app's own registration was never disturbed by the doctor's.
    const { registration } = await bridge.service.engine.invoke('snapshot', {});
    expect(registration.state).toBe('registered');
  });

  it('the SIP trace shows the REGISTER with its Authorization redacted and copies it for a ticket', async () => {
    // On the wire the REGISTER did carry a digest response: redaction is the app's doing.
    const wire = parseSippMessageLog(provider.log).find(
      (entry) => entry.direction === 'received' && /^Authorization: Digest/m.test(entry.text),
    );
    expect(wire?.text).toMatch(/response="[0-9a-f]{32}"/);

    await page.getByRole('button', { name: 'Network', exact: true }).click();
    await page.getByRole('button', { name: 'SIP trace' }).click();
    const list = page.getByRole('list', { name: 'SIP messages, oldest first' });
    await expect.poll(() => list.locator('li').count()).toBeGreaterThan(3);
    const firstLines = await list.locator('.trace-first').allTextContents();
    expect(firstLines[0]).toMatch(/^REGISTER sip:127\.0\.0\.1:\d+ SIP\/2\.0$/);
    expect(firstLines).toContain('SIP/2.0 401 Unauthorized');
    expect(firstLines).toContain('SIP/2.0 200 OK');
    const register = list
      .locator('li.trace-entry.out')
      .filter({ hasText: /Authorization: Digest/ })
      .first();
    await register.locator('summary').click();
    const text = (await register.locator('pre').textContent()) ?? '';
    expect(text).toMatch(
      /^Authorization: Digest username="123456_home", realm="lab\.voip\.test", uri="sip:127\.0\.0\.1:\d+" \(response and nonce removed\)$/m,
    );
    expect(text).not.toMatch(/response=|nonce=|cnonce=/);
    // NAT-relevant parts are marked: where we ask to be reached, and Via's rport.
    expect(await register.locator('mark.nat-contact').textContent()).toMatch(
      /^<sip:123456_home@127\.0\.0\.1:\d+;transport=udp>/,
    );
    expect(await register.locator('mark.nat-via').first().textContent()).toBe('rport');
    await register.locator('summary').scrollIntoViewIfNeeded();
    await shot('sip-trace');

    await page.getByRole('button', { name: 'Copy for support ticket' }).click();
    await expect
      .poll(() => page.locator('.sip-trace [role="status"]').textContent())
      .toMatch(/^Copied \d+ messages$/);
    const ticket = await readClipboard();
    expect(ticket).toMatch(/^Natter SIP trace: \d+ messages, oldest first\./);
    expect(ticket).toContain('Authorization: Digest username="123456_home"');
    expect(ticket).not.toMatch(/response="|cnonce=/);
    expect(ticket).not.toContain(LAB_PASSWORD);
  });
  it('a call whose audio never arrives raises the one-way alert, which opens the check after the call', async () => {
    // The same provider without -rtp_echo: it answers and stays silent, as a far end does whose
    // RTP goes to an address that cannot be reached.
    const silent = await startLoopbackSipp('provider-comedia.xml', [
      '-m',
      '10',
      '-timeout',
      '120s',
    ]);
    children.push(silent.child);
    await bridge.service.handlers.saveSettings({
      account: { server: `127.0.0.1:${silent.port}`, user: LAB_USER },
    });
    await expect
      .poll(async () => (await bridge.service.engine.invoke('snapshot', {})).registration.state, {
        timeout: 10_000,
      })
      .toBe('registered');
    await page.getByRole('button', { name: 'Dialer', exact: true }).click();
    await page.getByLabel('Number to call').fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    const alert = page.getByRole('alert').filter({ hasText: 'No audio is arriving' });
    // Not at once: the first 4 s after the answer are the far end's to start sending.
    expect(await alert.count()).toBe(0);
    await expect.poll(() => alert.count(), { timeout: 8000 }).toBe(1);
    expect(await alert.textContent()).toMatch(/We sent \d+ packets and received none/);
    // The header's status pill says it too, in red, for as long as nothing arrives.
    const pill = page.getByRole('button', { name: /^Network:/ });
    await expect.poll(() => pill.getAttribute('aria-label')).toBe('Network: One-way audio');
    expect(await pill.getAttribute('class')).toMatch(/\bred\b/);
    await shot('call-one-way');
    await alert.getByRole('button', { name: 'Check my connection' }).click();
    await expect
      .poll(() => alert.textContent())
      .toContain('The connection check opens when this call ends.');
    await page.getByRole('button', { name: 'Hang up' }).click();
    // The end of the call shows first, its button leading to the check that was asked for.
    await page.getByRole('button', { name: 'Open the connection check' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Connection check' }).count(), {
        timeout: 5000,
      })
      .toBe(1);
    expect(await page.getByRole('button', { name: /Start check|Check again/ }).isEnabled()).toBe(
      true,
    );
  });
});
