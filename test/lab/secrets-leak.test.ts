/**
 * Nothing secret in anything Natter says. One session on loopback with known secrets: a digest
 * registrar and proxy that checks the answers (SHA-256 and MD5 offered), coturn as the TURN
 * relay with long-term credentials, and calls relayed through it. Every text the app and the
 * CLI emit is collected: the engine's log lines, the SIP trace, every event main sends the
 * renderer and every IPC answer, the errors of a refused registration and of a refused TURN
 * allocation, the settings file, the CLI's stdout and stderr (text and --json) for listen, call
 * and doctor. None may hold the SIP password, the TURN password, a wrong password typed, a
 * digest response the registrar received, HA1, or the TURN key, in plain text or base64, hex,
 * or URL encoding.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppService, type AppService } from '../../src-main/app/app-service.js';
import { createIpcRouter } from '../../src-main/app/ipc-router.js';
import { CallHistoryStore } from '../../src-main/storage/call-history-store.js';
import { SettingsStore } from '../../src-main/storage/settings-store.js';
import { EVENT_NAMES } from '../../src-shared/ipc-contract.js';
import { xorCipher } from '../support/ciphers.js';
import { startDigestRegistrar, type DigestRegistrar } from '../support/digest-registrar.js';
import { hasCommand } from '../support/lab-guard.js';
import { announceSkip } from '../support/lab-guard.js';
import { startLoopbackCoturn, type LoopbackCoturn } from '../support/loopback-coturn.js';
import { REPO } from './support/peers.js';

const skip = announceSkip(
  'lab: no secret in any output',
  hasCommand('turnserver') ? null : 'needs coturn (turnserver)',
);

const APP = 'file:///opt/natter/renderer/index.html';
const USER = '123456_home';
const SIP_PASSWORD = 'Sip-Secret-4711!';
const WRONG_PASSWORD = 'Wrong-Typed-2323';
const TURN_USER = 'relayuser';
const TURN_PASSWORD = 'Turn-Secret-0815?';
const WRONG_TURN_PASSWORD = 'Wrong-Turn-9191';
const TURN_REALM = 'relay.lab.test';

/** Each text the session produced, named by where it came from. */
const emitted: { source: string; text: string }[] = [];
const emit = (source: string, value: unknown) =>
  emitted.push({ source, text: typeof value === 'string' ? value : JSON.stringify(value) });

let registrar: DigestRegistrar;
let coturn: LoopbackCoturn;
let service: AppService;
let route: ReturnType<typeof createIpcRouter>;
let settingsFile: string;
/** The messages as they went on the wire, before any redaction: the control. */
const rawTrace: string[] = [];

/** The forms a secret could take in a log line: plain, base64, hex, URL-encoded. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
  ];
  // A digest in hex is also leaked as its bytes in base64, or in upper case.
  if (/^[0-9a-f]{32,}$/.test(secret)) {
    forms.push(Buffer.from(secret, 'hex').toString('base64'), secret.toUpperCase());
  }
  return [...new Set(forms)].filter((form) => form.length >= 8);
}

function runCli(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/natter.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const name = `cli ${args.slice(0, 1).join(' ')} ${args.includes('--json') ? '--json' : 'text'}`;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', () => {
      clearTimeout(timer);
      emit(`${name} stdout`, stdout);
      emit(`${name} stderr`, stderr);
      resolve();
    });
  });
}

async function invoke(name: string, payload: unknown): Promise<unknown> {
  const result = await route(name, payload, APP);
  emit(`ipc ${name}`, result);
  return result;
}

describe.skipIf(skip)('no secret in anything the app or the CLI emits', () => {
  beforeAll(async () => {
    registrar = await startDigestRegistrar({
      user: USER,
      password: SIP_PASSWORD,
      algorithms: ['MD5', 'SHA-256'],
      inviteAnswer: 'SIP/2.0 486 Busy Here',
    });
    const min = 52000 + 100 * Math.floor(Math.random() * 50);
    coturn = await startLoopbackCoturn({
      stunOnly: false,
      args: [
        '--relay-ip',
        '127.0.0.1',
        '--min-port',
        String(min),
        '--max-port',
        String(min + 99),
        '--lt-cred-mech',
        '--user',
        `${TURN_USER}:${TURN_PASSWORD}`,
        '--realm',
        TURN_REALM,
        '--allow-loopback-peers',
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'natter-secrets-'));
    settingsFile = join(dir, 'settings.json');
    const store = new SettingsStore(settingsFile, xorCipher, {
      log: (line) => emit('settings log', line),
    });
    await store.load();
    await store.update({
      account: { server: `127.0.0.1:${registrar.port}`, user: USER },
      password: SIP_PASSWORD,
      stunServers: [coturn.server],
      turnServer: coturn.server,
      turnUser: TURN_USER,
      turnPassword: TURN_PASSWORD,
      turnPolicy: 'always',
      keepaliveSeconds: 0,
    });
    const history = new CallHistoryStore(join(dir, 'history.json'));
    await history.load();
    service = createAppService({
      store,
      history,
      hooks: {
        log: (level, message) => emit(`engine log ${level}`, message),
        onTrace: (_direction, message) => rawTrace.push(message),
      },
    });
    service.engine.configure({ localAddress: '127.0.0.1' });
    for (const name of EVENT_NAMES) {
      service.on(name as never, (payload: unknown) => emit(`event ${name}`, payload));
    }
    route = createIpcRouter({
      handlers: service.handlers,
      isTrustedSender: (url) => url === APP,
      onRefused: (reason) => emit('ipc refused', reason),
    });
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    registrar?.close();
    coturn?.stop();
  });

  it('runs a session that uses every secret, then finds none of them in what was emitted', async () => {
    // Registered (digest), a call relayed through TURN and challenged by the proxy (407).
    const registered = (await invoke('snapshot', {})) as { ok: boolean };
    expect(registered.ok).toBe(true);
    await invoke('getSettings', {});
    await invoke('call', { target: '4443' });
    await expect
      .poll(() => registrar.requests.filter((r) => r.method === 'INVITE').length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await invoke('snapshot', {});
    await invoke('getHistory', {});
    await invoke('testStunServer', { server: coturn.server });

    // A wrong TURN password: the allocation is refused.
    await invoke('saveSettings', { turnPassword: WRONG_TURN_PASSWORD });
    await invoke('call', { target: '4444' });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await invoke('snapshot', {});
    // A wrong SIP password: the registration is refused.
    await invoke('saveSettings', { password: WRONG_PASSWORD });
    await invoke('snapshot', {});
    await invoke('getSipTrace', {});
    // A payload main refuses, with a password in it.
    await invoke('saveSettings', { password: SIP_PASSWORD, bogus: SIP_PASSWORD });
    emit('settings file', readFileSync(settingsFile, 'utf8'));

    // The CLI, text and --json, listen, call (TURN) and doctor; right and wrong passwords.
    const account = ['--server', `127.0.0.1:${registrar.port}`, '--user', USER];
    const env = { NATTER_PASSWORD: SIP_PASSWORD, NATTER_TURN_PASSWORD: TURN_PASSWORD };
    const local = ['--local-address', '127.0.0.1', '--no-stun'];
    const turn = ['--turn', coturn.server, '--turn-user', TURN_USER, '--turn-policy', 'always'];
    for (const json of [[], ['--json']]) {
      await runCli(['listen', ...account, ...local, '--seconds', '2', ...json], env);
      await runCli(['call', '4443', ...account, ...local, ...turn, '--seconds', '2', ...json], env);
      await runCli(['listen', ...account, ...local, '--seconds', '1', ...json], {
        ...env,
        NATTER_PASSWORD: WRONG_PASSWORD,
      });
      await runCli(['call', '4443', ...account, ...local, ...turn, '--seconds', '1', ...json], {
        ...env,
        NATTER_TURN_PASSWORD: WRONG_TURN_PASSWORD,
      });
    }
    const doctor = ['doctor', ...account, '--stun', coturn.server];
    const doctorTurn = ['--turn', coturn.server, '--turn-user', TURN_USER];
    await runCli([...doctor, ...doctorTurn, '--json'], env);
    await runCli([...doctor, ...doctorTurn], env);

    // The session did use the secrets: digest answers on the wire, for both challenges' kinds.
    const checked = registrar.requests.flatMap((r) => (r.credentials ? [r.credentials] : []));
    expect(checked.some((c) => c.valid && c.header === 'Authorization')).toBe(true);
    expect(checked.some((c) => c.valid && c.header === 'Proxy-Authorization')).toBe(true);
    expect(checked.some((c) => !c.valid)).toBe(true);
    expect(emitted.some((e) => e.source.startsWith('event '))).toBe(true);
    expect(emitted.some((e) => e.source === 'ipc getSipTrace' && e.text.includes('REGISTER'))).toBe(
      true,
    );
    for (const form of ['--json', 'text']) {
      const report = emitted.find((e) => e.source === `cli doctor ${form} stdout`);
      expect(report?.text.length, form).toBeGreaterThan(100);
    }

    const turnKey = createHash('md5').update(`${TURN_USER}:${TURN_REALM}:${TURN_PASSWORD}`);
    const secrets = [
      SIP_PASSWORD,
      WRONG_PASSWORD,
      TURN_PASSWORD,
      WRONG_TURN_PASSWORD,
      turnKey.digest('hex'),
      ...registrar.derivedSecrets(),
    ];
    const leaksIn = (texts: { source: string; text: string }[]) =>
      texts.flatMap(({ source, text }) =>
        secrets.flatMap((secret) =>
          encodings(secret)
            .filter((form) => text.includes(form))
            .map((form) => `${source}: ${form} (${text.slice(0, 200)})`),
        ),
      );
    // Control: the search finds the digest responses in the unredacted wire messages.
    expect(leaksIn(rawTrace.map((text) => ({ source: 'raw', text }))).length).toBeGreaterThan(0);
    const leaks = leaksIn(emitted);
    expect(leaks).toEqual([]);
    expect(emitted.length).toBeGreaterThan(40);
  }, 240_000);
});
