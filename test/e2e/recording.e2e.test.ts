/**
 * Call recording in Chromium against the real engine: sipp as the provider plays a 600 Hz tone,
 * Chromium's fake microphone a 1000 Hz one; the folder is chosen through the same command the
 * native dialog serves (a double stands in for the dialog only). Judged on the file: both tones
 * are in it, its length matches the time it ran, and its header matches its size. A folder gone
 * stops nothing but the recording. Screenshots go to docs/screens/recording-*.png.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToneDetector } from '../../src-main/media/tone.js';
import type { RecordingDesktop } from '../../src-main/app/recording/recording-desktop.js';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '../../src-shared/audio-format.js';
import { announceSkip } from '../support/lab-guard.js';
import { loopbackAppUnavailableReason, SCREENS, untilNetworkReady } from './support/browser.js';
import { publishScreen } from './support/lab-app.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';
import { writeTonePcap } from './support/tone-pcap.js';
import { writeToneWav } from './support/tone-wav.js';

const skip = announceSkip('e2e: call recording', loopbackAppUnavailableReason());

const MIC_TONE_HZ = 1000;
const PROVIDER_TONE_HZ = 600;
const ABSENT_TONE_HZ = 1500;
/** Share of a frame's energy the quiet microphone tone must hold (measured: about 1.4%). */
const MIC_SHARE = 0.005;
/** The capture provider-plays-tone.xml names, relative to sipp's working directory. */
const PROVIDER_PCAP = join(tmpdir(), 'natter-provider-tone-600hz.pcap');

let app: LoopbackApp;
let page: Page;
const folder = mkdtempSync(join(tmpdir(), 'natter-recordings-'));
const shown: string[] = [];
const desktop: RecordingDesktop = {
  chooseFolder: async () => folder,
  showFile: (path) => void shown.push(path),
};

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, name), animations: 'disabled' });
  publishScreen(name);
}

/**
 * The share of a recording's 20 ms frames in which `frequency` holds at least `minShare` of the
 * energy. The microphone arrives far quieter than the provider's tone (Chromium's capture
 * processing), so it is looked for at a low share, and a frequency neither side sends is the
 * control that shows the low share still tells a tone from none.
 */
function toneShare(samples: Int16Array, frequency: number, minShare: number): number {
  const detector = new ToneDetector({ frequency, minShare });
  let frames = 0;
  for (let i = 0; i + AUDIO_FRAME_SAMPLES <= samples.length; i += AUDIO_FRAME_SAMPLES) {
    detector.push(samples.subarray(i, i + AUDIO_FRAME_SAMPLES));
    frames++;
  }
  return frames === 0 ? 0 : detector.toneFrames / frames;
}

describe.skipIf(skip)('call recording in the app', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    const micWav = join(tmpdir(), `natter-e2e-rec-mic-${process.pid}.wav`);
    writeToneWav(micWav, MIC_TONE_HZ, 3);
    writeTonePcap(PROVIDER_PCAP, PROVIDER_TONE_HZ, 60);
    app = await startLoopbackApp({
      ports: { sip: 53000, stun: 'any' },
      provider: { scenario: 'provider-plays-tone.xml', calls: 10, sipp: ['-timeout', '120s'] },
      microphone: micWav,
      autoplay: true,
      recordingDesktop: desktop,
    });
    page = app.page;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('the folder is chosen in Settings through the folder dialog', async () => {
    await page.goto(app.bridge.url);
    await untilNetworkReady(page);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const recording = page.getByRole('group', { name: 'Recording' });
    await expect
      .poll(() => recording.getByLabel('Recordings folder').textContent())
      .toContain('Natter recordings');
    await recording.getByRole('button', { name: 'Choose folder…' }).click();
    await expect.poll(() => recording.getByLabel('Recordings folder').textContent()).toBe(folder);
    expect((await app.bridge.service.handlers.getSettings({})).recordingFolder).toBe(folder);
    await recording.scrollIntoViewIfNeeded();
    await shot('recording-settings.png');
  });

  it('records both directions to a WAV file after the consent reminder; a folder gone stops only the recording', async () => {
    await page.getByRole('button', { name: 'Dialer', exact: true }).click();
    await page.getByLabel('Number to call').fill('4443');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);

    // The folder disappears: the recording cannot start, in words, and the call goes on.
    rmSync(folder, { recursive: true });
    await page.getByRole('button', { name: 'Record' }).click();
    const consent = page.getByRole('alertdialog');
    await expect
      .poll(() => consent.textContent())
      .toContain(
        "Recording a call may require the other party's consent where you live. Tell them the call is recorded.",
      );
    await page.getByRole('button', { name: 'Start recording' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain(`The recordings folder ${folder} is not there any more.`);
    expect(page.getByText('Connected')).toBeTruthy();
    await expect.poll(() => page.getByText('Connected').count()).toBe(1);

    mkdirSync(folder);
    await page.getByRole('button', { name: 'Record' }).click();
    await shot('recording-consent.png');
    await page.getByLabel("Don't remind me again").check();
    await page.getByRole('button', { name: 'Start recording' }).click();
    await expect.poll(() => page.locator('.rec-indicator').count()).toBe(1);
    const startedAt = Date.now();
    await expect
      .poll(() =>
        app.bridge.service.handlers.getSettings({}).then((s) => s.recordingConsentReminder),
      )
      .toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await shot('recording-call.png');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Hanging up stops the recording.
    await page.getByRole('button', { name: 'Hang up' }).click();
    const ranSeconds = (Date.now() - startedAt) / 1000;

    await expect
      .poll(async () => (await app.bridge.service.handlers.getHistory({}))[0]?.recording?.file)
      .toMatch(/^Call \d{4}-\d\d-\d\d \d\d-\d\d-\d\d 4443\.wav$/);
    const entry = (await app.bridge.service.handlers.getHistory({}))[0];
    const path = entry?.recording?.path ?? '';
    expect(readdirSync(folder)).toEqual([entry?.recording?.file]);
    await expect
      .poll(() => readFileSync(path).readUInt32LE(40), { timeout: 5000 })
      .toBeGreaterThan(0);
    const bytes = readFileSync(path);
    expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(bytes.readUInt32LE(24)).toBe(AUDIO_SAMPLE_RATE);
    expect(bytes.readUInt32LE(40)).toBe(bytes.length - 44);
    const samples = new Int16Array((bytes.length - 44) / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(44 + i * 2);
    const seconds = samples.length / AUDIO_SAMPLE_RATE;
    const mic = toneShare(samples, MIC_TONE_HZ, MIC_SHARE);
    const far = toneShare(samples, PROVIDER_TONE_HZ, 0.3);
    const neither = toneShare(samples, ABSENT_TONE_HZ, MIC_SHARE);
    console.log(
      `recording: ${seconds.toFixed(2)} s for ${ranSeconds.toFixed(2)} s recorded; ` +
        `${MIC_TONE_HZ} Hz in ${(mic * 100).toFixed(0)}% of frames, ${PROVIDER_TONE_HZ} Hz in ${(far * 100).toFixed(0)}%, ${ABSENT_TONE_HZ} Hz (sent by neither) in ${(neither * 100).toFixed(0)}%`,
    );
    expect(Math.abs(seconds - ranSeconds)).toBeLessThan(0.7);
    // Frames the microphone missed (a busy machine's underruns) hold only the far end's tone.
    expect(mic).toBeGreaterThan(0.5);
    expect(far).toBeGreaterThan(0.7);
    expect(neither).toBe(0);
  }, 60_000);

  it('History says the call was recorded and shows the file in its folder', async () => {
    // Esc leaves the call-ended card if it is still up (it goes by itself after a few seconds);
    // on the dialer it does nothing. Waiting for the card's button would wait out a card gone.
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'History', exact: true }).click();
    const row = page.locator('.history-call').first();
    await expect.poll(() => row.textContent()).toMatch(/Recorded: Call .* 4443\.wav/);
    await row.getByRole('button', { name: 'Show in folder' }).click();
    const entry = (await app.bridge.service.handlers.getHistory({}))[0];
    await expect.poll(() => shown).toEqual([entry?.recording?.path]);
    await shot('recording-history.png');
  });
});
