/**
 * The NAT panel's amber state, for real: the engine and the test bridge run inside the lab's
 * client namespace behind a router doing symmetric NAT (`MASQUERADE --random-fully`), with coturn
 * on two public addresses and sipp as the registrar, and Debian's Chromium runs in the same
 * namespace to reach the bridge over that namespace's loopback. What the panel shows is checked
 * against the router's own conntrack table. The screenshot goes to test-results/screens and
 * docs/screens.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { createLab, PUBLIC, type Lab } from '../lab/support/netns-lab.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  PROVIDER_SIP_PORT,
  startCoturn,
  startSipp,
} from '../lab/support/peers.js';
import {
  labAppUnavailableReason,
  launchChromiumIn,
  publishScreen,
  startBridgeInClient,
  type LabBridge,
} from './support/lab-app.js';
import { SCREENS } from './support/browser.js';

const STUN_A = `${PUBLIC.stunA}:3478`;
const STUN_B = `${PUBLIC.stunB}:3478`;

const skip = announceSkip(
  'e2e: NAT panel behind a symmetric NAT',
  labAppUnavailableReason(['sipp', 'turnserver', 'conntrack']),
);

let lab: Lab | null = null;
let bridge: LabBridge | null = null;
let browser: Browser | null = null;
let page: Page;
let scratch = '';

/** The public port the router gave the flow from `localPort` to `server`, from its conntrack. */
function routerMapping(lab: Lab, localPort: number, server: string): number | null {
  const [host, port] = server.split(':');
  const table = lab.exec(lab.router, 'conntrack', ['-L', '-p', 'udp']);
  for (const line of table.split('\n')) {
    const original = `src=${lab.clientAddress} dst=${host} sport=${localPort} dport=${port} `;
    const reply = new RegExp(`src=${host} dst=${PUBLIC.router} sport=${port} dport=(\\d+)`);
    const match = line.includes(original) ? reply.exec(line) : null;
    if (match?.[1]) return Number(match[1]);
  }
  return null;
}

const indicator = () => page.getByRole('button', { name: /^Network:/ });

describe.skipIf(skip)('the NAT panel behind a symmetric NAT, engine and browser in the lab', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'natter-e2e-nat-'));
    lab = createLab({ nat: 'symmetric' });
    await startCoturn(lab);
    await startSipp(lab, 'provider-registrar.xml');
    bridge = await startBridgeInClient(
      lab,
      {
        account: {
          server: `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`,
          user: LAB_USER,
          displayName: 'Home office',
        },
        stunServers: [STUN_A, STUN_B],
      },
      { NATTER_PASSWORD: LAB_PASSWORD },
    );
    browser = await launchChromiumIn(lab.client, scratch);
    page = await browser.newPage({ viewport: { width: 420, height: 760 }, deviceScaleFactor: 1 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    // A clean exit un-REGISTERs; the lab kills whatever is left either way.
    await bridge?.stop();
    lab?.destroy();
    lab = null;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('registers through the router and the indicator turns amber for symmetric NAT', async () => {
    await page.goto(bridge!.url);
    // "Checking…" is amber too: wait for the verdict itself, then its colour.
    await expect
      .poll(() => indicator().getAttribute('aria-label'), { timeout: 15_000 })
      .toBe('Network: Audio may be one-way');
    expect(await indicator().getAttribute('class')).toMatch(/\bamber\b/);
    expect(await indicator().getAttribute('class')).not.toMatch(/\b(green|red)\b/);
  });

  it('the panel names the symmetric NAT, advises TURN or SIP ALG, and shows the router amber', async () => {
    await page.getByRole('button', { name: 'Network', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Network status' });
    const verdict = panel.getByRole('status');
    await expect.poll(() => verdict.getAttribute('class')).toMatch(/\bamber\b/);
    expect(await verdict.locator('strong').textContent()).toBe('Audio may be one-way');
    const advice = (await verdict.locator('p').textContent()) ?? '';
    expect(advice).toMatch(/each destination its own port/);
    expect(advice).toMatch(/\bTURN\b/);
    expect(advice).toMatch(/\bSIP ALG\b/);
    expect(await verdict.getByRole('button', { name: 'Open relay settings' }).count()).toBe(1);

    const path = panel.getByLabel('Path from this computer to voip.ms');
    const hop = (title: string) =>
      path.locator('.hop').filter({ has: page.getByText(title, { exact: true }) });
    expect(await hop('Router').getAttribute('class')).toMatch(/\bamber\b/);
    // No single public port to show: the router's address, and what it does, in words.
    expect(await hop('Router').locator('.hop-line').allTextContents()).toEqual([
      PUBLIC.router,
      'new port per destination',
    ]);
    // STUN itself worked (both servers answered): only the router is to blame.
    expect(await hop('STUN server').getAttribute('class')).toMatch(/\bgreen\b/);
    expect(await hop('This computer').textContent()).toContain(lab!.clientAddress);

    // The details are the lab's, not loopback's: the engine really sat behind the router.
    const detail = async (term: string) =>
      (await panel.locator(`dt:text-is("${term}") + dd`).textContent())?.trim() ?? '';
    expect(await detail('Router')).toMatch(/^Gives each destination its own public port/);
    const local = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(await detail('Local address'));
    expect(local?.[1]).toBe(lab!.clientAddress);
    const localPort = Number(local?.[2]);

    // Each STUN server saw the router's address with the port the router's conntrack gave that
    // flow, and the two ports differ: the symmetric NAT the verdict speaks of.
    const rows = panel.locator('.servers tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const seen = new Map<string, number>();
    for (const row of await rows.all()) {
      const [server, mapped] = await row.locator('td').allTextContents();
      const [address, port] = (mapped ?? '').split(':');
      expect(address).toBe(PUBLIC.router);
      seen.set(server ?? '', Number(port));
    }
    expect([...seen.keys()].sort()).toEqual([STUN_A, STUN_B]);
    expect(seen.get(STUN_A)).not.toBe(seen.get(STUN_B));
    for (const server of [STUN_A, STUN_B]) {
      expect(seen.get(server), server).toBe(routerMapping(lab!, localPort, server));
    }
    // The registrar's flow got a third port: why STUN alone cannot make this NAT green.
    const toRegistrar = routerMapping(lab!, localPort, `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`);
    expect(toRegistrar).not.toBeNull();
    expect([...seen.values()]).not.toContain(toRegistrar);

    // sipp echoes Via without received/rport, so what voip.ms sees is not known, and the path
    // diagram must not claim an address for it either.
    expect(await detail('voip.ms sees')).toBe('not reported by the server');
    expect(await hop('voip.ms').locator('.hop-line').allTextContents()).toEqual(['registered']);

    await page.screenshot({ path: join(SCREENS, 'nat-amber.png') });
    publishScreen('nat-amber.png');
  });
});
