/**
 * Wideband audio as a user meets it, in Debian's Chromium against the real engine (sipp the
 * provider on loopback, answering with G.722 and echoing the audio; coturn the STUN server):
 * Settings → Codecs shows G.722 first, reorders, refuses an empty list and saves what the engine
 * then offers; a call the far end answers with G.722 says "G.722 (HD)" on the call screen.
 * The G.722 call itself against baresip's codec is test/lab/wideband-call.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import { expectNoSeriousA11yViolations } from './support/a11y.js';
import {
  DOCS_SCREENS,
  loopbackAppUnavailableReason,
  SCREENS,
  untilNetworkReady,
  openSettingsSection,
} from './support/browser.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';
import { writeToneWav } from './support/tone-wav.js';
import { ToneDetector } from '../../src-main/media/tone.js';

/** The fake microphone's tone: 5 kHz, which only a wideband call carries there and back. */
const MIC_TONE_HZ = 5000;
const toneHeard = new ToneDetector({ frequency: MIC_TONE_HZ });

const skip = announceSkip('e2e: codec order and the wideband call', loopbackAppUnavailableReason());

let app: LoopbackApp;
let page: Page;

async function shot(name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(DOCS_SCREENS, `${name}.png`), animations: 'disabled' });
}

function stored(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(app.bridge.settingsFile, 'utf8')) as {
      settings: Record<string, unknown>;
    }
  ).settings;
}

const section = () => page.locator('#codecs-settings');
const rowNames = () => section().locator('.codec-row strong').allTextContents();
const checkbox = (name: string) =>
  section().locator('.codec-row', { hasText: name }).getByRole('checkbox');
const saveButton = () => section().getByRole('button', { name: 'Save codecs' });
const confirmation = () => section().locator('.confirmation');

describe.skipIf(skip)('wideband audio: the codec order and the call screen', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    const micWav = join(mkdtempSync(join(tmpdir(), 'natter-e2e-wide-')), 'mic-5k.wav');
    writeToneWav(micWav, MIC_TONE_HZ, 3);
    app = await startLoopbackApp({
      ports: { sip: 52000, stun: 53000 },
      provider: {
        scenario: 'provider-answers-g722.xml',
        calls: 10,
        sipp: ['-rtp_echo', '-timeout', '120s'],
      },
      microphone: micWav,
      autoplay: true,
      hooks: { onCallAudio: (_callId, frame) => toneHeard.push(frame) },
    });
    page = app.page;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows G.722 first, reorders, refuses an empty list, and saves what the engine offers', async () => {
    await page.goto(app.bridge.url);
    await openSettingsSection(page, 'Codecs');
    expect(await rowNames()).toEqual(['G.722 (HD)', 'PCMU (G.711 µ-law)', 'PCMA (G.711 A-law)']);
    expect(app.bridge.service.engine.engineOptions).toMatchObject({
      codecOrder: ['G722', 'PCMU', 'PCMA'],
    });
    await section().evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await expectNoSeriousA11yViolations(page, 'codec settings');
    await shot('codec-settings');

    // No codec at all would leave every call without audio: said, and not saveable.
    for (const name of ['G.722 (HD)', 'PCMU (G.711 µ-law)', 'PCMA (G.711 A-law)']) {
      await checkbox(name).uncheck();
    }
    expect(await section().getByRole('alert').textContent()).toBe(
      'Keep at least one codec on, or no call could have audio.',
    );
    expect(await saveButton().isDisabled()).toBe(true);

    // PCMU first, G.722 second, PCMA left out.
    await checkbox('G.722 (HD)').check();
    await checkbox('PCMU (G.711 µ-law)').check();
    await section().getByRole('button', { name: 'Move PCMU (G.711 µ-law) up' }).click();
    expect(await rowNames()).toEqual(['PCMU (G.711 µ-law)', 'G.722 (HD)', 'PCMA (G.711 A-law)']);
    await saveButton().click();
    await expect
      .poll(() => confirmation().textContent())
      .toBe('✓ Saved: PCMU (G.711 µ-law), then G.722 (HD)');
    expect(stored()).toMatchObject({ codecOrder: ['PCMU', 'G722'] });
    expect(app.bridge.service.engine.engineOptions).toMatchObject({ codecOrder: ['PCMU', 'G722'] });
    await shot('codec-settings-reordered');

    // Across a reload the saved order is shown; then back to the default for the call below.
    await page.reload();
    await openSettingsSection(page, 'Codecs');
    expect(await rowNames()).toEqual(['PCMU (G.711 µ-law)', 'G.722 (HD)', 'PCMA (G.711 A-law)']);
    expect(await checkbox('PCMA (G.711 A-law)').isChecked()).toBe(false);
    await section().getByRole('button', { name: 'Move G.722 (HD) up' }).click();
    await checkbox('PCMA (G.711 A-law)').check();
    await saveButton().click();
    await expect.poll(() => stored().codecOrder).toEqual(['G722', 'PCMU', 'PCMA']);
  }, 60_000);

  it('a call answered with G.722 says "G.722 (HD)", and its echo arrives', async () => {
    await untilNetworkReady(page);
    await page.getByRole('button', { name: 'Dialer', exact: true }).click();
    await page.getByLabel('Number to call').fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    const badge = page.locator('.codec-badge');
    await expect.poll(() => badge.textContent(), { timeout: 5000 }).toBe('G.722 (HD)');
    // The engine's own record of the call, and the echo of our G.722 coming back.
    const liveCall = async () => {
      const { calls } = await app.bridge.service.engine.invoke('snapshot', {});
      return calls.find((call) => call.state === 'connected');
    };
    expect((await liveCall())?.codec).toBe('G722');
    await expect
      .poll(async () => (await liveCall())?.stats.packetsReceived ?? 0, { timeout: 5000 })
      .toBeGreaterThan(50);
    // The microphone's 5 kHz went renderer → main at 16 kHz → G.722 → sipp's echo → G.722 back
    // → the engine, which heard it: no 8 kHz step anywhere on the way. And the speaker plays it.
    await expect.poll(() => toneHeard.toneFrames, { timeout: 8000 }).toBeGreaterThan(50);
    await expect
      .poll(
        async () =>
          Number(
            await page.getByRole('meter', { name: 'Speaker level' }).getAttribute('aria-valuenow'),
          ),
        { timeout: 5000 },
      )
      .toBeGreaterThan(20);
    await page.locator('.call-details summary').click();
    expect(await page.locator('.call-details').textContent()).toContain('G.722 (HD)');
    await page.locator('.call-details summary').click();
    await expectNoSeriousA11yViolations(page, 'a G.722 call');
    await shot('codec-call-hd');
    await page.getByRole('button', { name: 'Hang up' }).click();
  }, 60_000);
});
