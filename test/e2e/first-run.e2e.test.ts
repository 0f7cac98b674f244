/**
 * First run in Debian's Chromium against the real engine: the app starts with no account and
 * opens on the set-up screen; an unknown server, a registrar that never answers (Registering…,
 * amber, then "did not answer") and a refused password are each said under their field; the
 * right password registers (sipp's registrar with digest auth, on loopback) and offers "Check
 * my connection". Then the settings page: its sections and jump list, the STUN switch, the
 * keepalive's bounds, confirmations beside their controls, and a refused password said under
 * the password field there too.
 */
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VOIPMS_SERVERS } from '../../src-shared/settings.js';
import { announceSkip } from '../support/lab-guard.js';
import {
  LAB_PASSWORD,
  LAB_USER,
  startLoopbackSipp,
  type LoopbackSipp,
} from '../lab/support/peers.js';
import { startBridge, type Bridge } from './support/bridge-server.js';
import {
  DOCS_SCREENS,
  fullPageScreenshot,
  loopbackAppUnavailableReason,
  RENDERER,
  SCREENS,
} from './support/browser.js';
import { publishScreen } from './support/lab-app.js';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app.js';

const skip = announceSkip('e2e: first run and settings sections', loopbackAppUnavailableReason());

const children: ChildProcess[] = [];
let app: LoopbackApp;
let browser: Browser;
let bridge: Bridge;
let page: Page;
let provider: LoopbackSipp;
let silent: dgram.Socket;
let stun: string;

/** Screenshots of the states a new user meets, kept for the README. */
async function shot(name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SCREENS, name), fullPage });
  publishScreen(name);
}

/** The error said in words under the field with this label (empty when there is none). */
function errorUnder(label: string): Locator {
  return page
    .locator('.field', { has: page.getByLabel(label, { exact: true }) })
    .locator('.field-error');
}

function errorText(label: string): Promise<string> {
  return errorUnder(label)
    .textContent({ timeout: 200 })
    .then((text) => text ?? '')
    .catch(() => '');
}

function stored(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(bridge.settingsFile, 'utf8')) as { settings: Record<string, unknown> }
  ).settings;
}

async function fillAccount(server: string, password: string): Promise<void> {
  await page.getByLabel('Server', { exact: true }).selectOption({ label: 'Another server…' });
  await page.getByLabel('Server address', { exact: true }).fill(server);
  await page.getByLabel('Sub-account user', { exact: true }).fill(LAB_USER);
  await page.getByLabel('SIP password', { exact: true }).fill(password);
}

describe.skipIf(skip)('first run and the settings page', () => {
  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    mkdirSync(DOCS_SCREENS, { recursive: true });
    provider = await startLoopbackSipp('provider-registrar.xml', ['-m', '100', '-timeout', '170s']);
    children.push(provider.child);
    // A registrar that never answers: REGISTER goes out and nothing comes back.
    silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    app = await startLoopbackApp({
      ports: { stun: 'any' },
      // No account: only the STUN server, so the NAT status after registering is a real one.
      settings: ({ stunPort }) => ({ stunServers: [`127.0.0.1:${stunPort}`] }),
    });
    ({ bridge, browser, page } = app);
    stun = `127.0.0.1:${app.stunPort}`;
    // Timer F at 64·T1: 64 · 150 ms, so the silent registrar's timeout comes within the test.
    bridge.service.engine.configure({ sipTimers: { t1: 150, t2: 4000 } });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    silent?.close();
    for (const child of children) child.kill('SIGKILL');
  });

  it('opens on the set-up screen, measures the nearest server, and checks the fields in words', async () => {
    expect(stored().account).toBeNull();
    await page.goto(bridge.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Set up Natter' }).count()).toBe(1);
    // No tabs and no dialer before there is an account.
    expect(await page.getByRole('button', { name: 'Dialer', exact: true }).count()).toBe(0);
    const server = page.getByLabel('Server', { exact: true });
    // The POPs are out of reach here: the measurement ends and says so, in bounded time.
    await expect
      .poll(() => page.locator('.field-hint').first().textContent(), { timeout: 8000 })
      .toBe('No server answered the round-trip test: choose the city nearest to you.');
    expect(await server.inputValue()).toBe('montreal.voip.ms');
    // With no answer at all, the names stand alone; the hint says why none was chosen.
    const names = await server.locator('option').allTextContents();
    expect(names.slice(0, -1)).toEqual([...VOIPMS_SERVERS]);
    expect(names.at(-1)).toBe('Another server…');

    await page.getByRole('button', { name: 'Register' }).click();
    expect(await errorText('Sub-account user')).toMatch(/Enter the sub-account user/);
    expect(await errorText('SIP password')).toMatch(/without it Natter cannot register/);
    // The keyboard is taken to the first field to fix.
    expect(await page.locator(':focus').getAttribute('placeholder')).toBe('123456_home');
    await page.getByLabel('Sub-account user', { exact: true }).fill('123456');
    expect(await errorText('Sub-account user')).toMatch(
      /account number alone\. Add an underscore and the sub-account name/,
    );
    // The user field is described by its error and by the explanation of the format.
    const described = await page
      .getByLabel('Sub-account user', { exact: true })
      .getAttribute('aria-describedby');
    expect(described?.split(' ')).toHaveLength(2);
    await page.getByLabel('Sub-account user', { exact: true }).fill('');
    await page.getByLabel('SIP password', { exact: true }).fill('');
    await page.reload();
    await expect
      .poll(() => page.locator('.field-hint').first().textContent(), { timeout: 8000 })
      .toMatch(/No server answered/);
    await shot('first-run.png');
  });

  it('an unknown server is said under the server field', async () => {
    await fillAccount('nosuch.invalid', 'anything');
    await page.getByRole('button', { name: 'Register' }).click();
    // The resolver here answers NXDOMAIN at once, but a loaded machine has seen it miss the
    // engine's 5 s bound: then the app says the lookup took too long, also under the server.
    await expect
      .poll(() => errorText('Server address'), { timeout: 10_000 })
      .toMatch(
        /^⚠ (There is no server called nosuch\.invalid\. Check the spelling, or choose one from the list\.|Looking up nosuch\.invalid took too long\. Check that this computer is online\.)$/,
      );
    const { registration } = await bridge.service.engine.invoke('snapshot', {});
    if (registration.error?.code !== 'unknown-host') {
      console.log(`first run: the lookup of nosuch.invalid ended as ${registration.error?.code}`);
    }
    expect(await page.locator('.first-run-result.red').textContent()).toContain(
      'What went wrong is said under the server.',
    );
    expect(await errorText('SIP password')).toBe('');
  });

  it('"Registering…" reads amber while the registrar is silent, then says it did not answer', async () => {
    const silentServer = `127.0.0.1:${silent.address().port}`;
    let registers = 0;
    silent.on('message', (message) => {
      if (message.toString().startsWith('REGISTER')) registers++;
    });
    await fillAccount(silentServer, 'anything');
    await page.getByRole('button', { name: 'Try again' }).click();
    const pending = page.locator('.first-run-result.amber');
    await expect.poll(() => pending.textContent(), { timeout: 5000 }).toContain('Registering…');
    await expect.poll(() => registers, { timeout: 5000 }).toBeGreaterThan(0);
    expect(await pending.textContent()).toContain(`Asking ${silentServer} to accept ${LAB_USER}`);
    // Amber, not red: the colour a person reads as "under way".
    // The theme's own amber (`--warn`), whichever theme the page is in, and not its red.
    const colours = (await page.evaluate(`(() => {
      const probe = (token) => {
        const span = document.createElement('span');
        span.style.color = 'var(' + token + ')';
        document.body.append(span);
        const colour = getComputedStyle(span).color;
        span.remove();
        return colour;
      };
      const shown = document.querySelector('.first-run-result.amber strong');
      return {
        shown: shown ? getComputedStyle(shown).color : null,
        warn: probe('--warn'),
        danger: probe('--danger'),
      };
    })()`)) as { shown: string | null; warn: string; danger: string };
    expect(colours.shown).toBe(colours.warn);
    expect(colours.shown).not.toBe(colours.danger);
    expect(
      await page.getByRole('button', { name: 'Registering…' }).getAttribute('aria-disabled'),
    ).toBe('true');
    // The engine's own registration says the same, so the header pill agrees once it is shown.
    const { registration } = await bridge.service.engine.invoke('snapshot', {});
    expect(registration.state).toBe('registering');
    await shot('registering.png', true);
    await expect
      .poll(() => errorText('Server address'), { timeout: 20_000 })
      .toMatch(
        new RegExp(
          `${silentServer.replace(/\./g, '\\.')} did not answer\\. Check that this computer is online`,
        ),
      );
  });

  it('a refused password is said under the password field, not as a server problem', async () => {
    await fillAccount(`127.0.0.1:${provider.port}`, 'not-the-secret');
    await page.getByRole('button', { name: /^(Register|Try again)$/ }).click();
    await expect
      .poll(() => errorText('SIP password'), { timeout: 10_000 })
      .toMatch(
        /The server refused this password\. Use the SIP password set for this sub-account under Sub Accounts, not the password of the voip\.ms portal\./,
      );
    expect(await errorText('Server address')).toBe('');
    expect(await errorText('Sub-account user')).toBe('');
    // Focus went to the field to fix.
    expect(await page.locator(':focus').getAttribute('type')).toBe('password');
    const { registration } = await bridge.service.engine.invoke('snapshot', {});
    expect(registration.error?.code).toBe('auth-failed');
    await shot('wrong-password.png', true);
    // Typing a new password takes the old refusal away.
    await page.getByLabel('SIP password', { exact: true }).fill('x');
    expect(await errorText('SIP password')).toBe('');
  });

  it('the right password registers, says so in plain words and offers "Check my connection"', async () => {
    await page.getByLabel('SIP password', { exact: true }).fill(LAB_PASSWORD);
    await page.getByRole('button', { name: 'Try again' }).click();
    const result = page.locator('.first-run-result.green');
    await expect.poll(() => result.count(), { timeout: 10_000 }).toBe(1);
    expect(await result.locator('strong').textContent()).toBe('Registered');
    expect(await result.textContent()).toContain(
      `${LAB_USER} is registered with 127.0.0.1:${provider.port}: calls can come in and go out.`,
    );
    expect(await page.locator('.field-error').count()).toBe(0);
    // Done: no second "Register" competes with the next steps.
    expect(await page.getByRole('button', { name: /Register/ }).count()).toBe(0);
    expect(stored()).toMatchObject({
      account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER },
      hasPassword: true,
    });
    await shot('first-run-registered.png', true);

    await page.getByRole('button', { name: 'Check my connection' }).click();
    await expect
      .poll(() => page.getByRole('heading', { name: 'Check my connection' }).count())
      .toBe(1);
    // The app frame is back, with the pill saying registered (not red).
    await expect
      .poll(() => page.getByRole('button', { name: /^Network:/ }).getAttribute('class'), {
        timeout: 8000,
      })
      .toMatch(/green|amber/);
    // A reload with the account saved opens the app, not the set-up screen.
    await page.reload();
    await expect.poll(() => page.getByLabel('Number to call').count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Set up Natter' }).count()).toBe(0);
  });

  it('settings: sections with a jump list, the STUN switch, keepalive bounds, confirmations beside their controls', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const jump = page.getByRole('navigation', { name: 'Settings sections' });
    expect(await jump.getByRole('link').allTextContents()).toEqual([
      'Account',
      'Accounts',
      'Encryption',
      'STUN & keepalive',
      'Relay',
      'Audio',
      'Codecs',
      'Calls',
      'Recording',
      'App',
    ]);
    // The account section reads the registration honestly.
    await expect
      .poll(() => page.locator('.settings-registration').textContent())
      .toBe('Registered: calls can come in and go out.');
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('settings-sections.png');

    // Jumping moves the view and the keyboard to the section (clear of a header kept in view).
    const headingTop = (name: string) =>
      page
        .getByRole('heading', { name, exact: true })
        .boundingBox()
        .then((box) => box?.y ?? Infinity);
    const focused = () =>
      page.evaluate("document.activeElement.tagName + ' ' + document.activeElement.textContent");
    await jump.getByRole('link', { name: 'Relay' }).click();
    await expect.poll(focused).toBe('H2 Relay');
    await expect.poll(() => headingTop('Relay')).toBeLessThan(120);
    // The last section cannot reach the top: it is in view at the page's end.
    await jump.getByRole('link', { name: 'App' }).click();
    await expect.poll(focused).toBe('H2 App');
    await expect.poll(() => headingTop('App')).toBeLessThan(700);
    expect(await page.evaluate('window.scrollY')).toBeGreaterThan(0);

    // STUN off: the engine asks no STUN server, the list is kept, the pill says STUN off.
    const stunSwitch = page.getByRole('switch', { name: 'Use STUN' });
    expect(await stunSwitch.isChecked()).toBe(true);
    await stunSwitch.focus();
    await page.keyboard.press('Space');
    const switchRow = page.locator('.settings-switch-row', { has: stunSwitch });
    await expect
      .poll(() => switchRow.getByRole('status').textContent())
      .toBe('✓ STUN off: calls carry this computer’s own address');
    expect(stored()).toMatchObject({ stunEnabled: false, stunServers: [stun] });
    expect(bridge.service.engine.engineOptions.stunServers).toEqual([]);
    await expect
      .poll(() => page.getByRole('button', { name: /^Network:/ }).textContent(), { timeout: 8000 })
      .toContain('STUN off');
    // Confirmations stay beside their controls: nothing at the page's top or bottom.
    expect(await page.locator('.settings > .saved').count()).toBe(0);
    await stunSwitch.click();
    await expect
      .poll(() => switchRow.getByRole('status').textContent())
      .toBe(`✓ STUN on: now using ${stun}`);
    expect(bridge.service.engine.engineOptions.stunServers).toEqual([stun]);

    // Keepalive: its meaning, its bounds, in words.
    const keepalive = page.getByLabel('Keepalive interval (seconds)');
    const keepaliveHint = await page
      .locator('.field', { has: keepalive })
      .locator('.field-hint')
      .textContent();
    expect(keepaliveHint).toMatch(
      /keep the way open for incoming calls\. Leave it empty for automatic: every 15 s, or below what “Check my connection” measures for your router\. 0 turns it off; otherwise 10 to 300 seconds/,
    );
    expect(await keepalive.inputValue()).toBe('');
    expect(await keepalive.getAttribute('placeholder')).toBe('Automatic');
    await keepalive.fill('5');
    await page.getByRole('button', { name: 'Save keepalive' }).click();
    expect(await errorText('Keepalive interval (seconds)')).toMatch(/5 s is out of bounds/);
    expect(stored().keepaliveSeconds).toBeNull();
    await keepalive.fill('30');
    await page.getByRole('button', { name: 'Save keepalive' }).click();
    const keepaliveSubmit = page.locator('.settings-submit', {
      has: page.getByRole('button', { name: 'Save keepalive' }),
    });
    await expect
      .poll(() => keepaliveSubmit.getByRole('status').textContent(), { timeout: 10_000 })
      .toBe('✓ Saved: every 30 s');
    expect(stored().keepaliveSeconds).toBe(30);
    expect(bridge.service.engine.engineOptions.keepaliveSeconds).toBe(30);
    await keepalive.fill('');
    await page.getByRole('button', { name: 'Save keepalive' }).click();
    await expect
      .poll(() => keepaliveSubmit.getByRole('status').textContent(), { timeout: 10_000 })
      .toBe('✓ Saved: automatic');
    expect(stored().keepaliveSeconds).toBeNull();
    expect(bridge.service.engine.engineOptions.keepaliveSeconds).toBeNull();

    // Calls and App: each switch and the theme saved, each confirmed beside itself.
    const dnd = page.getByRole('switch', { name: 'Do not disturb' });
    await dnd.click();
    await expect
      .poll(() =>
        page.locator('.settings-switch-row', { has: dnd }).getByRole('status').textContent(),
      )
      .toBe('✓ Saved: incoming calls get a busy signal');
    await page.getByRole('switch', { name: 'Start Natter when I log in' }).click();
    await page
      .getByRole('switch', { name: 'Keep running in the tray when the window is closed' })
      .click();
    await page.getByLabel('Theme', { exact: true }).selectOption('dark');
    const choiceSaid = (label: string) =>
      page
        .locator('.settings-choice')
        .filter({ has: page.getByLabel(label, { exact: true }) })
        .getByRole('status')
        .textContent();
    await expect.poll(() => choiceSaid('Theme')).toBe('✓ Saved: dark');
    await page.getByLabel('Keypad digits during a call', { exact: true }).selectOption('sip-info');
    await expect
      .poll(() => choiceSaid('Keypad digits during a call'))
      .toBe('✓ Saved: digits go by SIP INFO');
    expect((await bridge.service.handlers.getSettings({})).dtmfMethod).toBe('sip-info');
    await expect.poll(() => bridge.service.engine.engineOptions.dtmfMethod).toBe('sip-info');
    // The whole page as a window that tall shows it: the header at the top, the tabs at the foot.
    await fullPageScreenshot(page, join(SCREENS, 'settings-full.png'));
    publishScreen('settings-full.png');
    for (const [name, file] of [
      ['STUN & keepalive', 'settings-stun.png'],
      ['App', 'settings-app.png'],
    ] as const) {
      await page.getByRole('region', { name }).screenshot({ path: join(SCREENS, file) });
    }
    expect(stored()).toMatchObject({
      doNotDisturb: true,
      startAtLogin: true,
      closeToTray: false,
      theme: 'dark',
    });
  });

  it('settings: a refused password is said under the password field there too', async () => {
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    const password = page.getByLabel('SIP password', { exact: true });
    await password.fill('not-the-secret');
    await page.getByRole('button', { name: 'Save and register' }).click();
    await expect
      .poll(() => errorText('SIP password'), { timeout: 10_000 })
      .toMatch(/The server refused this password/);
    expect(await page.locator('.settings-registration').textContent()).toBe('Not registered.');
    expect(await errorText('Server')).toBe('');
    await password.fill(LAB_PASSWORD);
    await page.getByRole('button', { name: 'Save and register' }).click();
    await expect
      .poll(() => page.locator('.settings-registration').textContent(), { timeout: 10_000 })
      .toBe('Registered: calls can come in and go out.');
    expect(await errorText('SIP password')).toBe('');
  });
  it('settings: an account saved without a password says it will not register', async () => {
    const bare = await startBridge({
      rendererDir: RENDERER,
      localAddress: '127.0.0.1',
      settings: { account: { server: `127.0.0.1:${provider.port}`, user: LAB_USER } },
    });
    const other = await browser.newPage({ viewport: { width: 420, height: 760 } });
    try {
      await other.goto(`${bare.url.split('?')[0]}?${new URL(bare.url).searchParams}&tab=settings`);
      const hint = other
        .locator('.field', { has: other.getByLabel('SIP password', { exact: true }) })
        .locator('.field-hint');
      await expect
        .poll(() => hint.textContent())
        .toMatch(/None is saved: the account cannot register without it\./);
      await other.getByRole('button', { name: 'Save and register' }).click();
      const beside = other.locator('.settings-submit', {
        has: other.getByRole('button', { name: 'Save and register' }),
      });
      await expect
        .poll(() => beside.getByRole('status').textContent())
        .toBe('⚠ Account saved. It will not register until you enter its SIP password.');
      const { registration } = await bare.service.engine.invoke('snapshot', {});
      expect(registration.state).toBe('unregistered');
    } finally {
      await other.close();
      await bare.close();
    }
  });
});
