/**
 * Two accounts behind one NAT, in the lab: the app (the test bridge, the real engines) in the
 * client namespace behind an iptables NAT, Debian's Chromium beside it, and two registrars, sipp
 * at two public addresses. Judged at each registrar and caller:
 *
 * - each registrar took an authorized REGISTER whose Contact carries the router's public
 *   address (each account found its own mapping through the NAT);
 * - a call placed from each account in the dialer reaches that account's registrar, and only it;
 * - each registrar's call to the Contact it registered crosses the NAT and rings (180), the
 *   incoming-call screen naming the account it is for.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingsUpdate } from '../../src-shared/settings.js';
import { announceSkip } from '../support/lab-guard.js';
import { contactHostPort } from '../lab/support/capture.js';
import { createLab, PUBLIC, type Lab } from '../lab/support/netns-lab.js';
import {
  header,
  LAB_PASSWORD,
  LAB_USER,
  PROVIDER_SIP_PORT,
  startCoturn,
  startSipp,
  type SippHandle,
} from '../lab/support/peers.js';
import { waitFor } from '../lab/support/wait.js';
import { SCREENS } from './support/browser.js';
import {
  labAppUnavailableReason,
  launchChromiumIn,
  startBridgeInClient,
  type LabBridge,
} from './support/lab-app.js';

const skip = announceSkip(
  'e2e: two accounts behind one NAT in the lab',
  labAppUnavailableReason(['sipp', 'turnserver']),
);

/** The second registrar's address, beside the first on the lab's internet. */
const OFFICE_SERVER = PUBLIC.stunB;

let lab: Lab | undefined;
let scratch: string | undefined;
let bridge: LabBridge | undefined;
let browser: Browser | undefined;
let page: Page;
let mainRegistrar: SippHandle;
let officeRegistrar: SippHandle;

const received = (sipp: SippHandle, start: string) =>
  sipp.messages().filter((m) => m.direction === 'received' && m.startLine.startsWith(start));

/** The Contact a registrar accepted (the one in its 200 to the authorized REGISTER). */
const registeredContact = (sipp: SippHandle) =>
  sipp
    .messages()
    .filter((m) => m.direction === 'sent' && m.startLine.startsWith('SIP/2.0 200'))
    .map((m) => header(m.text, 'Contact'))
    .find((contact) => contact !== null) ?? null;

const incoming = () => page.getByRole('region', { name: 'Incoming call' });

async function dialFrom(accountId: string): Promise<void> {
  await page.getByRole('button', { name: 'Dialer', exact: true }).click();
  await page.getByRole('combobox', { name: 'Call from' }).selectOption(accountId);
  await page.getByLabel('Number to call').fill('4443');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
}

async function hangUp(): Promise<void> {
  await page.getByRole('button', { name: 'Hang up' }).click();
  await page.getByRole('button', { name: 'Back to dialer' }).click();
}

describe.skipIf(skip)('two accounts on two registrars behind one NAT', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'natter-e2e-accounts-lab-'));
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    // Each takes the REGISTER and then one call, which it answers at once.
    mainRegistrar = await startSipp(lab, 'provider-answers-at-once.xml', { calls: 2 });
    officeRegistrar = await startSipp(lab, 'provider-answers-at-once.xml', {
      calls: 2,
      address: OFFICE_SERVER,
    });
    const settings: SettingsUpdate = {
      account: { server: PUBLIC.provider, user: LAB_USER, displayName: 'Home office' },
      stunServers: [`${PUBLIC.stunA}:3478`],
      moreAccounts: [
        {
          id: 'office',
          label: 'Office',
          account: { server: `${OFFICE_SERVER}:${PROVIDER_SIP_PORT}`, user: LAB_USER },
          sipTransport: 'udp',
          doNotDisturb: false,
          autoAnswerSeconds: 0,
          hasPassword: false,
        },
      ],
    };
    bridge = await startBridgeInClient(lab, settings, {
      NATTER_PASSWORD: LAB_PASSWORD,
      NATTER_ACCOUNT_PASSWORDS: JSON.stringify({ office: LAB_PASSWORD }),
    });
    browser = await launchChromiumIn(lab.client, scratch);
    page = await browser.newPage({ viewport: { width: 420, height: 760 }, deviceScaleFactor: 1 });
    await page.goto(bridge.url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await bridge?.stop().catch(() => undefined);
    lab?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('both register through the NAT, each with the public address in its Contact', async () => {
    for (const registrar of [mainRegistrar, officeRegistrar]) {
      expect(
        await waitFor(() => registeredContact(registrar) !== null, 15_000),
        registrar.output().slice(-800),
      ).toBe(true);
      const registers = received(registrar, 'REGISTER');
      expect(registers.some((m) => header(m.text, 'Authorization') !== null)).toBe(true);
      expect(contactHostPort(registeredContact(registrar))?.address).toBe(PUBLIC.router);
    }
    // The two accounts' sockets are their own: two mappings on the router.
    expect(contactHostPort(registeredContact(mainRegistrar))?.port).not.toBe(
      contactHostPort(registeredContact(officeRegistrar))?.port,
    );
  });

  it('a call from each account goes to that account’s registrar', async () => {
    await expect
      .poll(() => page.getByRole('combobox', { name: 'Call from' }).count(), { timeout: 15_000 })
      .toBe(1);
    await dialFrom('office');
    await expect
      .poll(() => received(officeRegistrar, 'INVITE').length, { timeout: 10_000 })
      .toBe(1);
    expect(received(mainRegistrar, 'INVITE')).toHaveLength(0);
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    await hangUp();

    await dialFrom('first');
    await expect.poll(() => received(mainRegistrar, 'INVITE').length, { timeout: 10_000 }).toBe(1);
    expect(received(officeRegistrar, 'INVITE')).toHaveLength(1);
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    await hangUp();
  });

  it('each registrar’s call to its Contact crosses the NAT and rings, for the right account', async () => {
    const contacts = [mainRegistrar, officeRegistrar].map((registrar) =>
      contactHostPort(registeredContact(registrar)),
    );
    // Both scenarios ran their two calls; the registrars call from the same address and port.
    await Promise.all([mainRegistrar.exited, officeRegistrar.exited]);
    const cases = [
      { address: PUBLIC.provider, contact: contacts[0]!, account: 'Home office' },
      { address: OFFICE_SERVER, contact: contacts[1]!, account: 'Office' },
    ];
    for (const { address, contact, account } of cases) {
      const callerSipp = await startSipp(lab!, 'provider-invites-then-cancels.xml', {
        calls: 1,
        address,
        target: `${contact.address}:${contact.port}`,
      });
      await expect.poll(() => incoming().count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => incoming().innerText()).toContain(`on ${account}`);
      // sipp exits 0 once its whole scenario ran: INVITE, 180, CANCEL, 200, 487, ACK.
      expect(await callerSipp.exited, callerSipp.output().slice(-800)).toBe(0);
      expect(
        callerSipp
          .messages()
          .some((m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0 180')),
      ).toBe(true);
      await expect.poll(() => incoming().count(), { timeout: 10_000 }).toBe(0);
      await page.keyboard.press('Escape');
    }
  });
});
