/**
 * The built renderer in Debian's Chromium, driving the real engine through the test bridge, with
 * sipp as the provider and coturn as the STUN server on loopback. Screenshots of each screen go
 * to test-results/screens, and those README shows to docs/screens.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip } from '../support/lab-guard.js';
import type { Bridge } from './support/bridge-server.js';
import { loopbackAppUnavailableReason, SCREENS, untilNetworkReady } from './support/browser.js';
import { publishScreen } from './support/lab-app.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';
import { writeToneWav } from './support/tone-wav.js';
import { ToneDetector } from '../../src-main/media/tone.js';

const skip = announceSkip('e2e: app in Chromium', loopbackAppUnavailableReason());

let app: LoopbackApp;
let bridge: Bridge;
let page: Page;
/** The fake microphone's tone; the engine listens for it in what sipp echoes back. */
const MIC_TONE_HZ = 1000;
const toneHeard = new ToneDetector({ frequency: MIC_TONE_HZ });

/** A screenshot for test-results/screens, and for docs/screens when README shows it. */
async function shot(name: string, publish = false): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`) });
  if (publish) publishScreen(`${name}.png`);
}

describe.skipIf(skip)('the app in Chromium against the real engine', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    const micWav = join(tmpdir(), `natter-e2e-mic-${process.pid}.wav`);
    writeToneWav(micWav, MIC_TONE_HZ, 3);
    app = await startLoopbackApp({
      ports: { sip: 41000, stun: 45000 },
      provider: {
        scenario: 'provider-comedia.xml',
        calls: 100,
        sipp: ['-rtp_echo', '-timeout', '120s'],
      },
      hooks: { onCallAudio: (_callId, frame) => toneHeard.push(frame) },
      microphone: micWav,
      autoplay: true,
    });
    ({ bridge, page } = app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('registers, shows a green indicator, and the dialer normalises what is typed', async () => {
    await page.goto(bridge.url);
    await untilNetworkReady(page);
    await page.getByLabel('Number to call').fill('+1 (514) 555-0100');
    await expect.poll(() => page.getByText('Will dial 15145550100').count()).toBe(1);
    // A vanity number is dialled as its keypad digits, not taken for a contact's name.
    await page.getByLabel('Number to call').fill('1-800-FLOWERS');
    await expect.poll(() => page.getByText('Will dial 18003569377').count()).toBe(1);
    await page.getByLabel('Number to call').fill('');
    await shot('dialer', true);
  });

  it('the keypad as on a phone: 0 held is +, a tap is 0; ⌫ taps one digit away, held clears the number', async () => {
    const field = page.getByLabel('Number to call');
    const hold = async (label: string, ms: number) => {
      const box = await page.getByLabel(label, { exact: true }).boundingBox();
      if (!box) throw new Error(`no ${label} on screen`);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.waitForTimeout(ms);
      await page.mouse.up();
    };
    await hold('Key 0', 900);
    await page.getByLabel('Key 4').click();
    await page.getByLabel('Key 4').click();
    await hold('Key 0', 100);
    expect(await field.inputValue()).toBe('+440');
    await expect.poll(() => page.getByText('Will dial 011440').count()).toBe(1);
    await page.getByLabel('Delete last digit').click();
    expect(await field.inputValue()).toBe('+44');
    await hold('Delete last digit', 900);
    expect(await field.inputValue()).toBe('');
  });

  it('a tel: link handed to the app fills the dialer, from whichever page, and dials nothing', async () => {
    const dialer = page.getByLabel('Number to call');
    bridge.offerNumber('15145550100');
    await expect.poll(() => dialer.inputValue()).toBe('15145550100');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await bridge.service.engine.invoke('snapshot', {})).calls).toEqual([]);
    await shot('dialer-from-link');
    await dialer.fill('');
    // Another page open: the link brings the dialer forward. The same link again fills it again.
    await page
      .getByRole('navigation', { name: 'Sections', exact: true })
      .getByRole('button', { name: 'Settings', exact: true })
      .click();
    bridge.offerNumber('4443');
    await expect.poll(() => dialer.count()).toBe(1);
    await expect.poll(() => dialer.inputValue()).toBe('4443');
    await dialer.fill('');
    bridge.offerNumber('4443');
    await expect.poll(() => dialer.inputValue()).toBe('4443');
    await dialer.fill('');
    expect((await bridge.service.engine.invoke('snapshot', {})).calls).toEqual([]);
  });

  it('places a call from the dialer: ringing, then connected; the microphone tone reaches the provider and comes back to the speaker; mute and the volumes silence it; keypad; hang up', async () => {
    await page.getByLabel('Key 4').click();
    await page.getByLabel('Key 4').click();
    await page.getByLabel('Key 4').click();
    await page.getByLabel('Key 3').click();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.getByText('Ringing…').count(), { timeout: 5000 }).toBe(1);
    await shot('ringing', true);
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(async () => Number(await page.locator('.quality dd').nth(1).textContent()), {
        timeout: 5000,
      })
      .toBeGreaterThan(20);
    // The fake microphone's tone went renderer → worklet → main → RTP → sipp, was echoed, and the
    // engine's detector heard it in what came back: the whole audio path, end to end.
    await expect.poll(() => toneHeard.toneFrames, { timeout: 8000 }).toBeGreaterThan(50);
    expect(bridge.service.audio.stats.micFramesReceived).toBeGreaterThan(50);
    // The echoed tone plays: the speaker meter moves, and the path delay is measured and shown.
    await expect
      .poll(
        async () =>
          Number(
            await page.getByRole('meter', { name: 'Speaker level' }).getAttribute('aria-valuenow'),
          ),
        { timeout: 5000 },
      )
      .toBeGreaterThan(40);
    await expect
      .poll(() => page.locator('.audio-delay').textContent(), { timeout: 5000 })
      .toMatch(/mic → network \d+ ms, network → speaker \d+ ms/);
    const delays = bridge.service.audio.stats;
    console.log(
      `audio path delay: mic → RTP ${delays.uplinkDelayMs} ms, RTP → speaker ${delays.playoutDelayMs} ms (medians)`,
    );
    expect(delays.uplinkDelayMs).not.toBeNull();
    expect(delays.playoutDelayMs).not.toBeNull();
    await shot('call', true);
    // Mute: the tone stops reaching the provider.
    await page.getByRole('button', { name: 'Mute' }).click();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const heardAtMute = toneHeard.toneFrames;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(toneHeard.toneFrames - heardAtMute).toBeLessThan(5);
    await page.getByRole('button', { name: 'Unmute' }).click();
    await expect
      .poll(() => toneHeard.toneFrames, { timeout: 5000 })
      .toBeGreaterThan(heardAtMute + 20);
    // Volume: the microphone at 0 % sends silence as mute does; the speaker at 0 % plays none of
    // the echo, as its meter shows. Each is saved for the calls after, and put back.
    await page.getByRole('button', { name: 'Volume' }).click();
    const micVolume = page.getByRole('slider', { name: 'Microphone volume' });
    const speakerVolume = page.getByRole('slider', { name: 'Speaker volume' });
    expect(await micVolume.inputValue()).toBe('100');
    await micVolume.fill('0');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const heardAtZero = toneHeard.toneFrames;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(toneHeard.toneFrames - heardAtZero).toBeLessThan(5);
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.microphoneVolume))
      .toBe(0);
    // A silent microphone is said on the call screen, with the button that undoes it.
    const silent = page.locator('.silent-volume');
    await expect.poll(() => silent.textContent()).toMatch(/microphone volume is at 0 %/);
    await shot('call-volume', true);
    await silent.getByRole('button', { name: 'Set to 100 %' }).click();
    await expect
      .poll(() => toneHeard.toneFrames, { timeout: 5000 })
      .toBeGreaterThan(heardAtZero + 20);
    await expect.poll(() => silent.count()).toBe(0);
    await expect.poll(() => micVolume.inputValue()).toBe('100');
    const speakerMeter = page.getByRole('meter', { name: 'Speaker level' });
    await speakerVolume.fill('0');
    await expect
      .poll(async () => Number(await speakerMeter.getAttribute('aria-valuenow')), { timeout: 5000 })
      .toBe(0);
    await speakerVolume.fill('100');
    await expect
      .poll(async () => Number(await speakerMeter.getAttribute('aria-valuenow')), { timeout: 5000 })
      .toBeGreaterThan(40);
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.speakerVolume))
      .toBe(100);
    await page.getByRole('button', { name: 'Volume' }).click();
    await page.getByRole('button', { name: 'Keypad' }).click();
    // The keypad sends RFC 4733 events; sipp echoes them and the engine hears the digit back.
    const digitsBack: string[] = [];
    const off = bridge.service.engine.on('dtmfReceived', ({ digit }) => digitsBack.push(digit));
    await page.getByLabel('Call keypad').getByLabel('Key 5').click();
    await page.keyboard.press('9');
    await expect.poll(() => digitsBack.join(''), { timeout: 5000 }).toBe('59');
    off();
    await page.getByRole('button', { name: 'Hang up' }).click();
    // The end of the call stays on screen a moment (call-screen.e2e.test.ts); go back at once.
    await page.getByRole('button', { name: 'Back to dialer' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Dialer' }).count()).toBe(1);
    await expect.poll(() => page.locator('.recent li').count()).toBeGreaterThan(0);
    // The links' number was taken once: it does not come back with the dialer after the call.
    expect(await page.getByLabel('Number to call').inputValue()).toBe('');
  });

  it('an incoming call rings with its caller, is answered, and the caller hangs up', async () => {
    app.spawnCaller('provider-invites-client.xml', app.sipPort + 10, [
      '-rtp_echo',
      '-timeout',
      '60s',
    ]);
    const incoming = page.getByRole('region', { name: 'Incoming call' });
    await expect.poll(() => incoming.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => incoming.textContent()).toContain('Caller');
    await shot('incoming', true);
    await page.getByRole('button', { name: 'Answer' }).click();
    await expect.poll(() => page.getByText('Connected').count(), { timeout: 10_000 }).toBe(1);
    // The caller hangs up after 3 s; the app returns to the dialer with the call in Recent.
    await expect
      .poll(() => page.getByRole('region', { name: 'Dialer' }).count(), { timeout: 10_000 })
      .toBe(1);
    await expect.poll(() => page.locator('.recent li').first().textContent()).toMatch(/Caller/);
    // Recent calls survive a restart of the window: main keeps them on disk.
    await page.reload();
    await expect.poll(() => page.locator('.recent li').count()).toBe(2);
    await expect.poll(() => page.locator('.recent li').nth(1).textContent()).toMatch(/4443/);
  });

  it('the NAT panel shows the path and the STUN answer', async () => {
    await page.getByRole('button', { name: 'Network', exact: true }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toMatch(/^Ready(This computer has a public address|Your public address is known)/);
    await expect.poll(() => page.locator('.servers tbody tr').count()).toBe(1);
    await shot('nat-green', true);
  });

  it('audio settings list the devices, test the microphone on a meter, and keep the choice and the volumes', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const microphone = page.getByRole('combobox', { name: 'Microphone' });
    // Chromium's fake capture device is listed by name once the microphone is allowed.
    await expect.poll(() => microphone.locator('option').count()).toBeGreaterThan(1);
    const fake = await microphone.locator('option').nth(1).getAttribute('value');
    await microphone.selectOption(fake ?? '');
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.audioInputId))
      .toBe(fake);
    await page.getByRole('button', { name: 'Test microphone' }).click();
    await expect
      .poll(async () =>
        Number(
          await page
            .getByRole('group', { name: 'Audio' })
            .getByRole('meter', { name: 'Microphone level' })
            .getAttribute('aria-valuenow'),
        ),
      )
      .toBeGreaterThan(40);
    await page.getByRole('button', { name: 'Stop test' }).click();
    // The call's volumes are here too, and saved from here for the calls to come.
    const audioGroup = page.getByRole('group', { name: 'Audio' });
    const speakerVolume = audioGroup.getByRole('slider', { name: 'Speaker volume' });
    expect(await speakerVolume.inputValue()).toBe('100');
    await speakerVolume.fill('150');
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.speakerVolume))
      .toBe(150);
    expect(await audioGroup.getByText('150 %').count()).toBe(1);
    const volumes = audioGroup.getByRole('group', { name: 'Volume' });
    await volumes.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    await volumes.screenshot({ path: join(SCREENS, 'settings-audio.png') });
    await speakerVolume.fill('100');
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.speakerVolume))
      .toBe(100);
    // The ringtone's own volume, saved once the slider rests, confirmed beside it.
    const ringtoneVolume = audioGroup.getByRole('slider', { name: 'Ringtone volume' });
    expect(await ringtoneVolume.inputValue()).toBe('100');
    await ringtoneVolume.fill('0');
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.ringtoneVolume))
      .toBe(0);
    await expect.poll(() => audioGroup.getByText('✓ Saved: calls ring silently').count()).toBe(1);
    await ringtoneVolume.fill('60');
    await expect
      .poll(() => bridge.service.handlers.getSettings({}).then((s) => s.ringtoneVolume))
      .toBe(60);
    await page.getByRole('combobox', { name: 'Microphone' }).focus();
    await shot('settings', true);
  });

  it('switching to a dead STUN server in settings turns the indicator amber, not red', async () => {
    await page.getByLabel('Custom server (host:port)').fill('127.0.0.1:9');
    await page.getByRole('button', { name: 'Use this one' }).click();
    await expect.poll(() => page.getByText('Now using 127.0.0.1:9').count()).toBe(1);
    // The dead server is active; take the working one off the list too.
    await page.getByRole('button', { name: `Remove 127.0.0.1:${app.stunPort}` }).click();
    await expect
      .poll(() => page.getByRole('button', { name: /^Network:/ }).getAttribute('class'), {
        timeout: 8000,
      })
      .toContain('amber');
    await page.getByRole('button', { name: 'Network', exact: true }).click();
    await expect.poll(() => page.getByText('STUN server not answering').count()).toBeGreaterThan(0);
    await shot('nat-stun-dead-settings');
  });

  it('a malformed or unknown command is refused by the bridge, not obeyed', async () => {
    const outcome = await page.evaluate(async (url) => {
      const socket = new WebSocket(new URL(url).searchParams.get('bridge') ?? '');
      await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
      const answers: unknown[] = [];
      socket.addEventListener('message', (message) =>
        answers.push(JSON.parse(String(message.data))),
      );
      const invoke = (id: number, command: string, payload: unknown) =>
        socket.send(JSON.stringify({ id, channel: `natter:invoke:${command}`, payload }));
      invoke(1, 'call', { target: 'x;rm -rf' });
      invoke(2, 'formatDisk', {});
      invoke(3, 'saveSettings', { hasPassword: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      return answers.filter((answer) => (answer as { id?: number }).id !== undefined);
    }, bridge.url);
    expect(outcome).toEqual([
      { id: 1, result: { ok: false, error: { code: 'bad-payload', message: expect.any(String) } } },
      {
        id: 2,
        result: { ok: false, error: { code: 'unknown-channel', message: expect.any(String) } },
      },
      { id: 3, result: { ok: false, error: { code: 'bad-payload', message: expect.any(String) } } },
    ]);
  });
});
