import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../src-main/storage/settings-store.js';
import { DEFAULT_SETTINGS, settingsUpdateSchema } from '../../../src-shared/settings.js';
import { xorCipher } from '../../support/ciphers.js';

/** Reversible but visibly not the plaintext: enough to see what reaches the disk. */
const cipher = xorCipher;

const file = () => join(mkdtempSync(join(tmpdir(), 'natter-settings-')), 'settings.json');

describe('settings store', () => {
  it('falls back to the defaults when the file is missing or holds nothing usable', async () => {
    const path = file();
    expect(await new SettingsStore(path, cipher).load()).toEqual(DEFAULT_SETTINGS);
    writeFileSync(path, '{ not json');
    expect(await new SettingsStore(path, cipher).load()).toEqual(DEFAULT_SETTINGS);
    writeFileSync(path, JSON.stringify({ settings: { keepaliveSeconds: 'often' } }));
    expect(await new SettingsStore(path, cipher).load()).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps the password encrypted at rest and out of the settings the renderer reads', async () => {
    const path = file();
    const store = new SettingsStore(path, cipher);
    await store.load();
    const settings = await store.update({
      account: { server: 'montreal.voip.ms', user: '123456_home' },
      password: 'hunter2-secret',
    });
    expect(settings.hasPassword).toBe(true);
    expect(JSON.stringify(settings)).not.toContain('hunter2');
    expect(readFileSync(path, 'utf8')).not.toContain('hunter2');
    const reloaded = new SettingsStore(path, cipher);
    expect((await reloaded.load()).account?.user).toBe('123456_home');
    expect(reloaded.password()).toBe('hunter2-secret');
  });

  it('without secure storage keeps the password for the session only: never on disk', async () => {
    const path = file();
    const noStorage = { ...cipher, isAvailable: () => false };
    const store = new SettingsStore(path, noStorage);
    expect((await store.load()).secureStorage).toBe(false);
    const settings = await store.update({
      account: { server: 'montreal.voip.ms', user: '123456_home' },
      password: 'session-only-pw',
      turnPassword: 'session-turn-pw',
    });
    expect(settings).toMatchObject({
      hasPassword: true,
      hasTurnPassword: true,
      secureStorage: false,
    });
    expect(store.password()).toBe('session-only-pw');
    expect(store.turnPassword()).toBe('session-turn-pw');
    const written = readFileSync(path, 'utf8');
    // Neither in plain text nor in the (reversible) cipher's form, nor any key for it.
    for (const secret of ['session-only-pw', 'session-turn-pw']) {
      expect(written).not.toContain(secret);
      expect(written).not.toContain(cipher.encrypt(secret).toString('base64'));
    }
    expect(JSON.parse(written)).not.toHaveProperty('password');
    expect(written).toContain('123456_home');
    // The next start has no password: the user is asked again.
    const next = new SettingsStore(path, noStorage);
    expect(await next.load()).toMatchObject({ hasPassword: false, secureStorage: false });
    expect(next.password()).toBeNull();
  });

  it('with secure storage says so and keeps no session copy once the password is saved', async () => {
    const store = new SettingsStore(file(), cipher);
    expect((await store.load()).secureStorage).toBe(true);
    await store.update({ password: 'first' });
    await store.update({ password: 'second' });
    expect(store.password()).toBe('second');
  });

  it('validates updates: bad STUN servers, keepalive and unknown fields are refused', () => {
    expect(settingsUpdateSchema.safeParse({ stunServers: ['stun.example.com:3478'] }).success).toBe(
      true,
    );
    expect(settingsUpdateSchema.safeParse({ stunServers: ['bad host'] }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ keepaliveSeconds: -1 }).success).toBe(false);
    expect(settingsUpdateSchema.safeParse({ hasPassword: true }).success).toBe(false);
  });

  it('keeps the call volumes the user set, and refuses one out of range', async () => {
    expect(settingsUpdateSchema.safeParse({ speakerVolume: 150 }).success).toBe(true);
    for (const bad of [-5, 201, 50.5, '80', null]) {
      expect(settingsUpdateSchema.safeParse({ microphoneVolume: bad }).success, String(bad)).toBe(
        false,
      );
    }
    // A file from before volumes were kept loads at 100 % (the sound unchanged), without a word.
    const path = file();
    const account = { server: 'montreal.voip.ms', user: '123456_home' };
    writeFileSync(path, JSON.stringify({ settings: { account } }));
    const store = new SettingsStore(path, cipher);
    expect(await store.load()).toMatchObject({ microphoneVolume: 100, speakerVolume: 100 });
    expect(store.loadProblem).toBeNull();
    await store.update({ microphoneVolume: 60, speakerVolume: 180 });
    expect(await new SettingsStore(path, cipher).load()).toMatchObject({
      account,
      microphoneVolume: 60,
      speakerVolume: 180,
    });
  });
});

const encrypted = (plain: string) => cipher.encrypt(plain).toString('base64');
const folderFiles = (path: string) => readdirSync(dirname(path)).sort();

describe('settings file damaged by hand, by an older or newer version, or by a crash', () => {
  const account = { server: 'montreal.voip.ms', user: '123456_home' };

  it('drops an unknown key and keeps every setting beside it', async () => {
    const path = file();
    writeFileSync(
      path,
      JSON.stringify({
        settings: { account, keepaliveSeconds: 40, ringVolume: 11 },
        password: encrypted('hunter2'),
        lastWindowSize: [800, 600],
      }),
    );
    const lines: string[] = [];
    const store = new SettingsStore(path, cipher, { log: (line) => lines.push(line) });
    const settings = await store.load();
    expect(settings).toEqual({
      ...DEFAULT_SETTINGS,
      account,
      keepaliveSeconds: 40,
      hasPassword: true,
    });
    expect(store.password()).toBe('hunter2');
    expect(store.loadProblem).toMatchObject({
      kind: 'keys-dropped',
      invalidKeys: [],
      unknownKeys: ['lastWindowSize', 'ringVolume'],
      backup: null,
    });
    expect(lines).toHaveLength(1);
    await store.update({ theme: 'dark' });
    const written = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(written).sort()).toEqual(['password', 'settings', 'version']);
    expect(written.settings).not.toHaveProperty('ringVolume');
  });

  it('resets only the invalid key to its default and keeps the valid ones', async () => {
    const path = file();
    const stunServers = ['stun.example.net:3478'];
    writeFileSync(
      path,
      JSON.stringify({
        settings: {
          account,
          stunServers,
          keepaliveSeconds: 'often',
          theme: 'light',
          turnPolicy: 'always',
          // What the file says here is ignored: it follows from the stored secrets.
          hasPassword: true,
        },
      }),
    );
    const lines: string[] = [];
    const store = new SettingsStore(path, cipher, { log: (line) => lines.push(line) });
    expect(await store.load()).toEqual({
      ...DEFAULT_SETTINGS,
      account,
      stunServers,
      theme: 'light',
      turnPolicy: 'always',
    });
    expect(store.loadProblem).toMatchObject({
      kind: 'keys-dropped',
      invalidKeys: ['keepaliveSeconds'],
    });
    // The log names the key, never what it held.
    expect(lines[0]).toContain('keepaliveSeconds');
    expect(lines[0]).not.toContain('often');
  });

  it('keeps both stored passwords when a sibling setting is invalid, and across the next save', async () => {
    const path = file();
    writeFileSync(
      path,
      JSON.stringify({
        settings: {
          account,
          turnServer: 'turn.example.net:3478',
          turnUser: 'relay',
          audioInputId: 7,
        },
        password: encrypted('sip-secret'),
        turnPassword: encrypted('turn-secret'),
      }),
    );
    const store = new SettingsStore(path, cipher);
    const settings = await store.load();
    expect(store.loadProblem?.invalidKeys).toEqual(['audioInputId']);
    expect(settings).toMatchObject({
      account,
      hasPassword: true,
      hasTurnPassword: true,
      audioInputId: null,
    });
    expect(store.password()).toBe('sip-secret');
    expect(store.turnPassword()).toBe('turn-secret');
    await store.update({ doNotDisturb: true });
    const reloaded = new SettingsStore(path, cipher);
    expect(await reloaded.load()).toMatchObject({ account, doNotDisturb: true, hasPassword: true });
    expect(reloaded.loadProblem).toBeNull();
    expect(reloaded.password()).toBe('sip-secret');
    expect(reloaded.turnPassword()).toBe('turn-secret');
  });

  it('drops a stored password that is not ciphertext, keeping the other one', async () => {
    const path = file();
    writeFileSync(
      path,
      JSON.stringify({
        settings: { account },
        password: 42,
        turnPassword: encrypted('turn-secret'),
      }),
    );
    const store = new SettingsStore(path, cipher);
    expect(await store.load()).toMatchObject({
      account,
      hasPassword: false,
      hasTurnPassword: true,
    });
    expect(store.loadProblem?.invalidKeys).toEqual(['password']);
    expect(store.turnPassword()).toBe('turn-secret');
  });

  it.each([
    ['broken JSON', '{ "settings": { "account": '],
    ['a list', '[{"settings":{}}]'],
    ['a string', '"settings"'],
    ['null', 'null'],
    ['nothing', ''],
  ])(
    'keeps a file holding %s as a backup, uses the defaults, and never overwrites it',
    async (_, text) => {
      const path = file();
      writeFileSync(path, text);
      const lines: string[] = [];
      const store = new SettingsStore(path, cipher, { log: (line) => lines.push(line) });
      expect(await store.load()).toEqual(DEFAULT_SETTINGS);
      const problem = store.loadProblem;
      expect(problem).toMatchObject({ kind: 'unreadable' });
      const backup = problem?.backup ?? '';
      expect(basename(backup)).toMatch(
        /^settings\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/,
      );
      expect(readFileSync(backup, 'utf8')).toBe(text);
      expect(lines[0]).toContain(backup);
      await store.update({ account });
      expect(readFileSync(backup, 'utf8')).toBe(text);
      expect(await new SettingsStore(path, cipher).load()).toMatchObject({ account });
      expect(folderFiles(path)).toEqual([basename(backup), 'settings.json'].sort());
    },
  );

  it('ignores a temporary file a crashed save left, and removes it once it is stale', async () => {
    const path = file();
    const store = new SettingsStore(path, cipher);
    await store.load();
    await store.update({ account });
    const stale = `${path}.999999-deadbeef.tmp`;
    const fresh = `${path}.999998-cafe.tmp`;
    const legacy = `${path}.tmp`;
    for (const temporary of [stale, fresh, legacy]) writeFileSync(temporary, '{"settings":{"acc');
    const longAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stale, longAgo, longAgo);
    utimesSync(legacy, longAgo, longAgo);
    const reloaded = new SettingsStore(path, cipher);
    expect(await reloaded.load()).toMatchObject({ account });
    expect(reloaded.loadProblem).toBeNull();
    // A young one may be another process's save about to be renamed: it stays.
    expect(folderFiles(path)).toEqual([basename(fresh), 'settings.json'].sort());
  });
});

describe('saving settings', () => {
  it('keeps every one of many quick saves, and leaves no temporary file', async () => {
    const path = file();
    const store = new SettingsStore(path, cipher);
    await store.load();
    const saves = [
      store.update({ account: { server: 'montreal.voip.ms', user: '123456_home' } }),
      store.update({ password: 'sip-secret' }),
      store.update({ keepaliveSeconds: 40 }),
      store.update({ theme: 'light' }),
      store.update({ turnServer: 'turn.example.net:3478', turnUser: 'relay' }),
      store.update({ turnPassword: 'turn-secret' }),
      store.update({ doNotDisturb: true }),
      store.update({ stunServers: ['stun.example.net:3478'] }),
      ...Array.from({ length: 20 }, (_, index) => store.update({ audioInputId: `mic-${index}` })),
    ];
    await Promise.all(saves);
    const expected = {
      ...DEFAULT_SETTINGS,
      account: { server: 'montreal.voip.ms', user: '123456_home' },
      hasPassword: true,
      keepaliveSeconds: 40,
      theme: 'light',
      turnServer: 'turn.example.net:3478',
      turnUser: 'relay',
      hasTurnPassword: true,
      doNotDisturb: true,
      stunServers: ['stun.example.net:3478'],
      audioInputId: 'mic-19',
    };
    expect(store.settings).toEqual(expected);
    const reloaded = new SettingsStore(path, cipher);
    expect(await reloaded.load()).toEqual(expected);
    expect(reloaded.password()).toBe('sip-secret');
    expect(reloaded.turnPassword()).toBe('turn-secret');
    expect(folderFiles(path)).toEqual(['settings.json']);
  });

  it('takes nothing of a refused change, not even its password', async () => {
    const path = file();
    const store = new SettingsStore(path, cipher);
    await store.load();
    await store.update({ password: 'old-secret', keepaliveSeconds: 30 });
    await expect(
      store.update({ password: 'new-secret', keepaliveSeconds: 9999 } as never),
    ).rejects.toThrow();
    expect(store.password()).toBe('old-secret');
    expect(store.settings.keepaliveSeconds).toBe(30);
  });

  it.skipIf(process.platform === 'win32')(
    'writes the file readable by its owner only',
    async () => {
      const path = file();
      const store = new SettingsStore(path, cipher);
      await store.load();
      await store.update({ password: 'sip-secret' });
      expect(statSync(path).mode & 0o777).toBe(0o600);
    },
  );
});

describe('the keepalive of files written before it could be automatic', () => {
  const write = (path: string, content: unknown) => writeFileSync(path, JSON.stringify(content));

  it('reads the old default of 25 s, which every old file carries, as automatic', async () => {
    const path = file();
    write(path, { settings: { keepaliveSeconds: 25, theme: 'dark' } });
    const store = new SettingsStore(path, cipher);
    const settings = await store.load();
    expect(settings.keepaliveSeconds).toBeNull();
    expect(settings.theme).toBe('dark');
    expect(store.loadProblem).toBeNull();
  });

  it('keeps any other old value: the user chose it', async () => {
    const path = file();
    write(path, { settings: { keepaliveSeconds: 40 } });
    expect((await new SettingsStore(path, cipher).load()).keepaliveSeconds).toBe(40);
    write(path, { settings: { keepaliveSeconds: 0 } });
    expect((await new SettingsStore(path, cipher).load()).keepaliveSeconds).toBe(0);
  });

  it('keeps 25 s chosen in a file of this version, through a save and a load', async () => {
    const path = file();
    const store = new SettingsStore(path, cipher);
    await store.load();
    await store.update({ keepaliveSeconds: 25 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ version: 2 });
    expect((await new SettingsStore(path, cipher).load()).keepaliveSeconds).toBe(25);
  });

  it('stores a measured binding lifetime beside it', async () => {
    const path = file();
    const store = new SettingsStore(path, cipher);
    await store.load();
    await store.update({ bindingLifetimeSeconds: 17 });
    const loaded = await new SettingsStore(path, cipher).load();
    expect(loaded).toMatchObject({ keepaliveSeconds: null, bindingLifetimeSeconds: 17 });
    expect(settingsUpdateSchema.safeParse({ bindingLifetimeSeconds: 0 }).success).toBe(false);
  });
});
