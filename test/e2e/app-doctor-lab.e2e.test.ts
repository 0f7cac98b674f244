/**
 * "Check my connection" from the app, row by row of the doctor's decision table, behind real
 * routers: for each row a fresh lab (client behind a router namespace doing no NAT, cone or
 * symmetric NAT), sipp as the provider (comedia: answers to where our RTP comes from; strict: only
 * to our SDP address), coturn as STUN on two addresses, and for two rows a TURN relay or a
 * middlebox rewriting SIP like a broken ALG. The engine and the test bridge run in the client
 * namespace with the row's settings (passwords through the settings store), Debian's Chromium in
 * the same namespace; the check is started from the Network tab as a user would, and the verdict
 * the view shows must be the row's. One screenshot per verdict goes to test-results/screens (and
 * docs/screens); the relay row also shows the relay in the NAT panel and carries a call through it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DOCTOR_STEP_IDS,
  type DoctorStepId,
  type DoctorStepStatus,
  type DoctorVerdictCode,
} from '../../src-shared/doctor.js';
import type { SettingsUpdate } from '../../src-shared/settings.js';
import { announceSkip } from '../support/lab-guard.js';
import { ALG_PROXY_ADDRESS, startLabAlgProxy } from '../lab/support/alg-proxy.js';
import { createLab, PUBLIC, type Lab, type NatMode } from '../lab/support/netns-lab.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  PROVIDER_SIP_PORT,
  startCoturn,
  startSipp,
  type SippHandle,
} from '../lab/support/peers.js';
import {
  startTurnServer,
  TURN_ADDRESS,
  TURN_PASSWORD,
  TURN_PORT,
  TURN_USER,
} from '../lab/support/turn-server.js';
import {
  labAppUnavailableReason,
  launchChromiumIn,
  publishScreen,
  startBridgeInClient,
  type LabBridge,
} from './support/lab-app.js';
import { fullPageScreenshot, SCREENS } from './support/browser.js';
import { doctorStepStates } from './support/doctor-view.js';

const skip = announceSkip(
  'e2e: connection check in the lab, every verdict',
  labAppUnavailableReason(['sipp', 'turnserver', 'conntrack']),
);

const STUN_SERVERS = [`${PUBLIC.stunA}:3478`, `${PUBLIC.stunB}:3478`];
/** coturn's relayed ports in the lab (startTurnServer's --min-port / --max-port). */
const RELAY_PORTS = { min: 49200, max: 49400 };

type Provider = 'comedia' | 'strict';
type StepState = DoctorStepStatus;

interface Row {
  title: string;
  nat: NatMode;
  provider: Provider;
  /** A middlebox rewriting SIP between the router and the provider. */
  alg?: boolean;
  /** A TURN relay configured in the settings. */
  relay?: boolean;
  /** The app's own indicator once its registration attempt is over, before the check. */
  indicator: string;
  verdict: DoctorVerdictCode;
  /** The sentence the view must show. */
  sentence: RegExp;
  color: 'green' | 'amber';
  /** What the doctor's NAT step found, as its evidence says. */
  natType: 'open' | 'cone' | 'symmetric';
  /** Each step's state in the view, in the doctor's order. */
  steps: Record<DoctorStepId, StepState>;
  /** What some steps' one-line summaries must say. */
  summaries: Partial<Record<DoctorStepId, RegExp>>;
  /** What the line under the sentence says (the fix to apply, or what to do next), if any. */
  fix: RegExp | null;
  /** Whether there is a fix to apply. */
  apply: boolean;
  /** Whether this row's screen is the one kept for its verdict (doctor-<verdict>.png). */
  screenshot: boolean;
}

const steps = (
  reachability: StepState,
  nat: StepState,
  alg: StepState,
  noStun: StepState,
  stun: StepState,
  turn: StepState,
): Record<DoctorStepId, StepState> => ({
  reachability,
  nat,
  binding: 'skipped',
  alg,
  'call-no-stun': noStun,
  'call-stun': stun,
  'call-turn': turn,
});

/** A pattern matching exactly `text`, or (with `prefix`) what starts with it. */
const exactly = (text: string, { prefix = false } = {}) =>
  new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${prefix ? '' : '$'}`);

/** What a test call's step says when the echo came back, or when nothing did. */
const TWO_WAY = /^Audio both ways \(\d+ packets sent, \d+ received/;
const ONE_WAY = /^One-way audio \(\d+ packets sent, 0 received\)$/;

const PROVIDER_HANDLES_NAT = /^Your provider handles NAT: audio works both ways/;
const STUN_OFF = /^Recommended: Turn STUN off/;

const TABLE: Row[] = [
  {
    title: 'no NAT, comedia provider',
    nat: 'none',
    provider: 'comedia',
    indicator: 'Ready',
    verdict: 'provider-handles-nat',
    sentence: PROVIDER_HANDLES_NAT,
    color: 'green',
    natType: 'open',
    steps: steps('pass', 'pass', 'pass', 'pass', 'skipped', 'skipped'),
    summaries: { nat: /^No NAT/, 'call-no-stun': TWO_WAY },
    fix: STUN_OFF,
    apply: true,
    screenshot: true,
  },
  {
    title: 'cone NAT, strict provider',
    nat: 'cone',
    provider: 'strict',
    indicator: 'Ready',
    verdict: 'stun-fixes',
    sentence: /^STUN fixed one-way audio: turn STUN on\.$/,
    color: 'green',
    natType: 'cone',
    steps: steps('pass', 'pass', 'pass', 'fail', 'pass', 'skipped'),
    summaries: { nat: /^Cone NAT/, 'call-no-stun': ONE_WAY, 'call-stun': TWO_WAY },
    fix: exactly(`Recommended: Use STUN (${STUN_SERVERS.join(', ')}).`),
    apply: true,
    screenshot: true,
  },
  {
    title: 'symmetric NAT, strict provider, no relay',
    nat: 'symmetric',
    provider: 'strict',
    indicator: 'Audio may be one-way',
    verdict: 'turn-required',
    sentence: /^Symmetric NAT: .*a TURN relay is required\.$/,
    color: 'amber',
    natType: 'symmetric',
    steps: steps('pass', 'warn', 'pass', 'fail', 'fail', 'skipped'),
    summaries: {
      nat: /^Symmetric NAT/,
      'call-no-stun': ONE_WAY,
      'call-stun': ONE_WAY,
      'call-turn': /^No TURN server configured$/,
    },
    fix: /^Next: add a TURN relay in Settings/,
    apply: false,
    screenshot: true,
  },
  {
    title: 'a router rewriting SIP like a broken ALG',
    nat: 'cone',
    provider: 'comedia',
    alg: true,
    // The app's own registration is refused for what the ALG did to its Contact.
    indicator: 'Not registered',
    verdict: 'alg-detected',
    sentence: /^Your router rewrites SIP \(SIP ALG\): disable SIP ALG on the router/,
    color: 'amber',
    natType: 'cone',
    // The registrar answers, but sip.js will not take a 200 for a Contact that is not ours: no
    // test phone registers, so there are no test calls; the sentence is the remedy.
    steps: steps('fail', 'pass', 'fail', 'skipped', 'skipped', 'skipped'),
    summaries: {
      reachability:
        /answers but registration failed: the registrar accepted a Contact other than ours/,
      alg: /^Your router rewrites SIP: Contact rewritten: .*port \d+ → 5060/,
    },
    fix: null,
    apply: false,
    screenshot: true,
  },
];

/** The rest of the table: the same verdict as the first row, no screenshot of their own. */
const MORE_ROWS: Row[] = (
  [
    ['none', 'strict', 'Ready', 'open', 'pass'],
    ['cone', 'comedia', 'Ready', 'cone', 'pass'],
    ['symmetric', 'comedia', 'Audio may be one-way', 'symmetric', 'warn'],
  ] as const
).map(([nat, provider, indicator, natType, natStep]) => ({
  title: `${nat === 'none' ? 'no' : nat} NAT, ${provider} provider`,
  nat,
  provider,
  indicator,
  verdict: 'provider-handles-nat',
  sentence: PROVIDER_HANDLES_NAT,
  color: 'green',
  natType,
  steps: steps('pass', natStep, 'pass', 'pass', 'skipped', 'skipped'),
  summaries: { 'call-no-stun': TWO_WAY },
  fix: STUN_OFF,
  apply: true,
  screenshot: false,
}));

const RELAY_ROW: Row = {
  title: 'symmetric NAT, strict provider, a TURN relay in the settings',
  nat: 'symmetric',
  provider: 'strict',
  relay: true,
  indicator: 'Ready, calls relayed',
  verdict: 'turn-fixes',
  sentence: /^Symmetric NAT: the TURN relay gave audio both ways/,
  color: 'green',
  natType: 'symmetric',
  steps: steps('pass', 'warn', 'pass', 'fail', 'fail', 'pass'),
  summaries: {
    'call-no-stun': ONE_WAY,
    'call-stun': ONE_WAY,
    'call-turn': exactly(`Relay ${TURN_ADDRESS}:${TURN_PORT}: audio both ways`, { prefix: true }),
  },
  fix: exactly(
    `Recommended: Use STUN (${STUN_SERVERS.join(', ')}) and relay calls through ` +
      `${TURN_ADDRESS}:${TURN_PORT} behind a symmetric NAT.`,
  ),
  apply: true,
  screenshot: true,
};

interface Running {
  lab: Lab;
  sipp: SippHandle;
  bridge: LabBridge;
  browser: Browser;
  page: Page;
  scratch: string;
}

let current: Partial<Running> = {};

afterEach(async () => {
  const { browser, bridge, lab, scratch } = current;
  current = {};
  await browser?.close().catch(() => undefined);
  // A clean exit un-REGISTERs; the lab kills whatever is left either way.
  await bridge?.stop().catch(() => undefined);
  lab?.destroy();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/**
 * The row's lab, providers, bridge and browser, with the app open and its registration over:
 * through the router, or refused behind the ALG.
 */
async function open(row: Row): Promise<Running> {
  mkdirSync(SCREENS, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'natter-e2e-doctor-lab-'));
  current.scratch = scratch;
  const lab = createLab({ nat: row.nat });
  current.lab = lab;
  await startCoturn(lab);
  // The doctor alone registers three test phones and places up to three calls; the app registers
  // once more and the relay row places a call of its own.
  const sipp = await startSipp(
    lab,
    row.provider === 'comedia' ? 'provider-comedia.xml' : 'provider-strict.xml',
    row.provider === 'comedia' ? { extraArgs: ['-rtp_echo'], calls: 30 } : { calls: 30 },
  );
  let server = `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`;
  if (row.alg) {
    // The middlebox stands where a router's ALG would: between the router and voip.ms.
    await startLabAlgProxy(lab);
    server = `${ALG_PROXY_ADDRESS}:5060`;
  }
  const settings: SettingsUpdate = {
    account: { server, user: LAB_USER, displayName: 'Home office' },
    stunServers: STUN_SERVERS,
  };
  const env: Record<string, string> = { NATTER_PASSWORD: LAB_PASSWORD };
  if (row.relay) {
    const turn = await startTurnServer(lab);
    expect(turn.server).toBe(`${TURN_ADDRESS}:${TURN_PORT}`);
    Object.assign(settings, {
      turnServer: turn.server,
      turnUser: TURN_USER,
      turnPolicy: 'symmetric',
    } satisfies SettingsUpdate);
    env.NATTER_TURN_PASSWORD = TURN_PASSWORD;
  }
  const bridge = await startBridgeInClient(lab, settings, env);
  current.bridge = bridge;
  const browser = await launchChromiumIn(lab.client, scratch);
  current.browser = browser;
  const page = await browser.newPage({
    viewport: { width: 420, height: 760 },
    deviceScaleFactor: 1,
  });
  current.page = page;
  await page.goto(bridge.url);
  // What the app itself makes of this network before the check: registered through the router,
  // or (behind the ALG) refused.
  await expect
    .poll(() => page.getByRole('button', { name: /^Network:/ }).getAttribute('aria-label'), {
      timeout: 15_000,
    })
    .toBe(`Network: ${row.indicator}`);
  return { lab, sipp, bridge, browser, page, scratch };
}

/**
 * Opens the Network tab, presses "Check my connection" and "Start check", waits for the verdict
 * and checks it against the row; saves the screen as doctor-<code>.png.
 */
async function checkFromTheUi(row: Row, page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Network', exact: true }).click();
  await page.getByRole('button', { name: 'Check my connection' }).click();
  await expect.poll(() => page.getByRole('region', { name: 'Connection check' }).count()).toBe(1);
  await page.getByRole('button', { name: 'Start check' }).click();
  const verdict = page.locator('.doctor-verdict');
  const started = Date.now();
  await expect.poll(() => verdict.count(), { timeout: 90_000, interval: 250 }).toBe(1);
  console.log(`${row.title}: verdict in ${Math.round((Date.now() - started) / 1000)} s`);

  const summaries = await page.locator('.doctor-step .step-summary').allTextContents();
  const trail = (await doctorStepStates(page)).map((state, i) => `${state}: ${summaries[i]}`);
  expect(await verdict.getAttribute('data-verdict'), trail.join('\n')).toBe(row.verdict);
  expect((await verdict.locator('strong').textContent()) ?? '').toMatch(row.sentence);
  expect(await verdict.getAttribute('class')).toMatch(new RegExp(`\\b${row.color}\\b`));
  expect(await doctorStepStates(page), trail.join('\n')).toEqual(
    DOCTOR_STEP_IDS.map((id) => row.steps[id]),
  );
  for (const [id, summary] of Object.entries(row.summaries)) {
    expect(summaries[DOCTOR_STEP_IDS.indexOf(id as DoctorStepId)], id).toMatch(summary);
  }
  // The doctor really sat behind the row's router: its NAT step's evidence says which.
  const natEvidence = await page.locator('.doctor-step[data-step="nat"] pre').textContent();
  expect(natEvidence).toContain(`"natType": "${row.natType}"`);
  expect(await verdict.locator('.fix p').allTextContents()).toEqual(
    row.fix ? [expect.stringMatching(row.fix)] : [],
  );
  expect(await page.getByRole('button', { name: 'Apply' }).count()).toBe(row.apply ? 1 : 0);
  // Evidence is in the page (closed), the secrets are not.
  const html = await page.content();
  expect(html).not.toContain(LAB_PASSWORD);
  expect(html).not.toContain(TURN_PASSWORD);

  if (!row.screenshot) return;
  // The whole report, as a user scrolls through it: the indicator, every step, the verdict.
  const name = `doctor-${row.verdict}.png`;
  await fullPageScreenshot(page, join(SCREENS, name));
  publishScreen(name);
  if (row.verdict === 'turn-required') {
    // The advice's button opens the relay's settings, where the missing relay is entered.
    await verdict.getByRole('button', { name: 'Open relay settings' }).click();
    await expect.poll(() => page.locator('#relay-settings').isVisible()).toBe(true);
  }
}

describe.skipIf(skip)('"Check my connection" in the lab gives every verdict of the table', () => {
  it.each([...TABLE, ...MORE_ROWS])(
    '$title → $verdict',
    async (row) => {
      const { page } = await open(row);
      await checkFromTheUi(row, page);
    },
    150_000,
  );

  it(`${RELAY_ROW.title} → turn-fixes; the NAT panel shows the relay, and a call through it has audio`, async () => {
    const row = RELAY_ROW;
    const { page, sipp } = await open(row);
    await checkFromTheUi(row, page);

    // Back from the check (scrolled to its verdict), the panel opens at its top.
    await page.getByRole('button', { name: 'Network', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Network status' });
    await expect.poll(() => panel.count()).toBe(1);
    expect(await page.evaluate('window.scrollY')).toBe(0);
    expect(await panel.getByRole('status').locator('strong').textContent()).toBe(
      'Ready, calls relayed',
    );
    const path = panel.getByLabel('Path from this computer to voip.ms');
    const hop = (title: string) =>
      path.locator('.hop').filter({ has: page.getByText(title, { exact: true }) });
    await expect.poll(() => hop('TURN relay').count(), { timeout: 10_000 }).toBe(1);
    expect(await hop('TURN relay').getAttribute('class')).toMatch(/\bgreen\b/);
    const [relays, rtt] = await hop('TURN relay').locator('.hop-line').allTextContents();
    const relayed = /^relays (\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(relays ?? '');
    expect(relayed?.[1], relays).toBe(TURN_ADDRESS);
    expect(Number(relayed?.[2])).toBeGreaterThanOrEqual(RELAY_PORTS.min);
    expect(Number(relayed?.[2])).toBeLessThanOrEqual(RELAY_PORTS.max);
    expect(rtt).toMatch(/^\d+ ms$/);
    // The router is still amber: the relay works around the symmetric NAT, it does not fix it.
    expect(await hop('Router').getAttribute('class')).toMatch(/\bamber\b/);
    // The details name the relay, then what it does: working, its address and round trip.
    expect(await panel.locator('dt:text-is("TURN relay") + dd .dd-line').allTextContents()).toEqual(
      [
        `${TURN_ADDRESS}:${TURN_PORT}`,
        `Working: relayed address ${relays?.replace('relays ', '')}, round trip ${rtt}`,
      ],
    );
    // The panel from its top: the verdict, the path with the relay hop, the details.
    await page.screenshot({ path: join(SCREENS, 'nat-relay.png'), animations: 'disabled' });
    publishScreen('nat-relay.png');

    // A call from the dialer to the echo test: the strict provider sends its audio only to the
    // SDP address, which must be the relay's; what it sends arrives.
    const invitesBefore = sipp
      .messages()
      .filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE ')).length;
    await page.getByRole('button', { name: 'Dialer', exact: true }).click();
    await page.getByLabel('Number to call').fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 15_000 }).toBe(1);
    const received = page
      .locator('.quality div')
      .filter({ has: page.locator('dt', { hasText: /^Received$/ }) })
      .locator('dd');
    await expect
      .poll(async () => Number(await received.textContent()), { timeout: 10_000 })
      .toBeGreaterThan(50);
    const invite = sipp
      .messages()
      .filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '))
      .at(invitesBefore);
    expect(invite?.text).toMatch(
      new RegExp(`^c=IN IP4 ${TURN_ADDRESS.replace(/\./g, '\\.')}\\s*$`, 'm'),
    );
    await page.screenshot({ path: join(SCREENS, 'call-relay.png'), animations: 'disabled' });
    await page.getByRole('button', { name: 'Hang up' }).click();
  }, 180_000);
});
