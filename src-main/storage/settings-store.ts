/**
 * Settings persisted as JSON in the user data folder; the defaults live in src-shared and the
 * file only overrides them. The SIP and TURN passwords are stored only as ciphertext from the
 * platform's secret store (Electron `safeStorage`, passed in as a {@link SecretCipher} so this
 * module stays testable and free of Electron). Where the system offers no real encryption, a
 * password is never written: it is held in memory for this session only, and the settings say
 * so (`secureStorage: false`) for the app to tell the user.
 *
 * Nothing the user saved is lost to one bad value: each setting is checked on its own and only
 * an invalid one falls back to its default; a file that cannot be parsed at all is moved aside
 * as `settings.json.corrupt-<time>` rather than overwritten by the next save. Writes replace the
 * file atomically (see atomic-file.ts) and run one at a time.
 */
import { readFile } from 'node:fs/promises';
import type { ZodType } from 'zod';
import {
  DEFAULT_SETTINGS,
  settingsSchema,
  type Settings,
  type SettingsUpdate,
} from '../../src-shared/settings.js';
import {
  keepAsBackup,
  removeStaleTemporaries,
  writeFileAtomic,
  WriteQueue,
} from './atomic-file.js';

export interface SecretCipher {
  isAvailable(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

/**
 * Layout of the file. 2: a stored keepalive is the user's choice; before it, every file carried
 * the old default of 25 s whether or not the user chose it.
 */
const FILE_VERSION = 2;
const OLD_DEFAULT_KEEPALIVE_SECONDS = 25;

/** The file as it is written. */
export interface StoredFile {
  version?: number;
  settings: Settings;
  /** Base64 ciphertext of the SIP password. */
  password?: string;
  /** Base64 ciphertext of the TURN password. */
  turnPassword?: string;
  /** Base64 ciphertext of each further account's SIP password, by account id. */
  accountPasswords?: Record<string, string>;
}

type SecretName = 'password' | 'turnPassword';
const SECRET_NAMES: readonly SecretName[] = ['password', 'turnPassword'];

/** Derived from the secrets on every load and save; what the file says about them is ignored. */
const DERIVED_KEYS = new Set<string>(['hasPassword', 'hasTurnPassword', 'secureStorage']);

/** What went wrong reading the settings file, for the app to tell the user. */
export interface SettingsLoadProblem {
  /**
   * `unreadable`: the file could not be parsed (or read) at all and the defaults are in use;
   * `keys-dropped`: some stored values were invalid or unknown, every other one was kept.
   */
  kind: 'unreadable' | 'keys-dropped';
  /** One plain sentence naming the file and what was done about it; never a value. */
  message: string;
  /** Where the unreadable file was moved to; null when nothing was moved. */
  backup: string | null;
  /** Settings (or stored passwords) whose value was invalid and fell back to the default. */
  invalidKeys: string[];
  /** Names the file carried that no setting has; they are not written back. */
  unknownKeys: string[];
}

export interface SettingsStoreOptions {
  /** Receives one line per load problem; lines carry key and file names, never a value. */
  log?: (line: string) => void;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class SettingsStore {
  private current: StoredFile = { version: FILE_VERSION, settings: DEFAULT_SETTINGS };
  private readonly writes = new WriteQueue();
  private problem: SettingsLoadProblem | null = null;
  /** Passwords given where nothing can encrypt them: kept until the app quits, never written. */
  private readonly sessionSecrets = new Map<SecretName, string>();
  /** The same for further accounts' passwords, by account id. */
  private readonly sessionAccountSecrets = new Map<string, string>();

  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
    private readonly options: SettingsStoreOptions = {},
  ) {}

  /** What the last {@link load} had to repair or set aside; null when the file was sound. */
  get loadProblem(): SettingsLoadProblem | null {
    return this.problem;
  }

  async load(): Promise<Settings> {
    // A writer that crashed may have left its temporary file; it is never read, only removed.
    await removeStaleTemporaries(this.file);
    const { stored, problem } = await this.readStored();
    this.current = { ...stored, settings: this.withSecretFlags(stored.settings, stored) };
    this.problem = problem;
    if (problem) this.options.log?.(problem.message);
    return this.current.settings;
  }

  private async readStored(): Promise<Loaded> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'ENOENT') return { stored: { settings: DEFAULT_SETTINGS }, problem: null };
      return {
        stored: { settings: DEFAULT_SETTINGS },
        problem: unreadable(
          `The settings file ${this.file} could not be read (${code}); the defaults are in use.`,
          null,
        ),
      };
    }
    const loaded = settingsFromText(text);
    if (loaded) return loaded;
    const backup = await keepAsBackup(this.file);
    return {
      stored: { settings: DEFAULT_SETTINGS },
      problem: unreadable(
        backup
          ? `The settings file could not be read and was kept as ${backup}; the defaults are in use.`
          : `The settings file ${this.file} could not be read; the defaults are in use.`,
        backup,
      ),
    };
  }

  private withSecretFlags(settings: Settings, secrets: Partial<StoredFile>): Settings {
    const secure = this.cipher.isAvailable();
    const held = (name: SecretName) =>
      this.sessionSecrets.has(name) || (secure && secrets[name] !== undefined);
    const accountHeld = (id: string) =>
      this.sessionAccountSecrets.has(id) ||
      (secure && secrets.accountPasswords?.[id] !== undefined);
    return {
      ...settings,
      moreAccounts: settings.moreAccounts.map((more) => ({
        ...more,
        hasPassword: accountHeld(more.id),
      })),
      hasPassword: held('password'),
      hasTurnPassword: held('turnPassword'),
      secureStorage: secure,
    };
  }

  get settings(): Settings {
    return this.current.settings;
  }

  /** The decrypted SIP password, for main's own use only. */
  password(): string | null {
    return this.secret('password');
  }

  /** The decrypted TURN password, for main's own use only. */
  turnPassword(): string | null {
    return this.secret('turnPassword');
  }

  /** The decrypted SIP password of a further account, for main's own use only. */
  accountPassword(id: string): string | null {
    const session = this.sessionAccountSecrets.get(id);
    if (session !== undefined) return session;
    const stored = this.current.accountPasswords?.[id];
    return stored === undefined ? null : this.decrypted(stored);
  }

  private secret(name: SecretName): string | null {
    const session = this.sessionSecrets.get(name);
    if (session !== undefined) return session;
    const stored = this.current[name];
    return stored === undefined ? null : this.decrypted(stored);
  }

  private decrypted(stored: string): string | null {
    if (!this.cipher.isAvailable()) return null;
    try {
      return this.cipher.decrypt(Buffer.from(stored, 'base64'));
    } catch {
      return null;
    }
  }

  /**
   * Applies a change and saves it. The change is checked in full before anything is taken, so a
   * refused change leaves the settings as they were; saves are written in the order asked for.
   * Without secure storage a password is kept for the session and nothing of it is written.
   */
  async update(change: SettingsUpdate): Promise<Settings> {
    const { password, turnPassword, accountPasswords, ...rest } = change;
    const next: StoredFile = { ...this.current, version: FILE_VERSION };
    const forSession: [SecretName, string][] = [];
    const secure = this.cipher.isAvailable();
    for (const [name, plain] of [
      ['password', password],
      ['turnPassword', turnPassword],
    ] as const) {
      if (plain === undefined) continue;
      if (secure) {
        next[name] = this.cipher.encrypt(plain).toString('base64');
      } else {
        // An older ciphertext would outlive the new password; it cannot be read here anyway.
        delete next[name];
        forSession.push([name, plain]);
      }
    }
    const settings = settingsSchema.parse({ ...next.settings, ...rest });
    const accountsForSession = this.withAccountPasswords(next, settings, accountPasswords ?? {});
    for (const [name, plain] of forSession) this.sessionSecrets.set(name, plain);
    if (secure) for (const name of SECRET_NAMES) if (next[name]) this.sessionSecrets.delete(name);
    this.sessionAccountSecrets.clear();
    for (const [id, plain] of accountsForSession) this.sessionAccountSecrets.set(id, plain);
    next.settings = this.withSecretFlags(settings, next);
    this.current = next;
    await this.writes.run(() =>
      // The newest settings at the time the write runs: a save queued behind it is included.
      writeFileAtomic(this.file, JSON.stringify(this.current, null, 2), { mode: 0o600 }),
    );
    return next.settings;
  }

  /**
   * Puts the further accounts' new passwords into the file (encrypted) and drops those of
   * accounts no longer listed; returns what must be held for the session instead (no secure
   * storage), passwords already held for accounts still listed included.
   */
  private withAccountPasswords(
    next: StoredFile,
    settings: Settings,
    fresh: Record<string, string>,
  ): [string, string][] {
    const secure = this.cipher.isAvailable();
    const stored: Record<string, string> = {};
    const forSession: [string, string][] = [];
    for (const { id } of settings.moreAccounts) {
      const plain = fresh[id];
      const before = next.accountPasswords?.[id];
      const held = this.sessionAccountSecrets.get(id);
      if (plain !== undefined && secure) stored[id] = this.cipher.encrypt(plain).toString('base64');
      else if (plain !== undefined) forSession.push([id, plain]);
      else if (before !== undefined && secure) stored[id] = before;
      else if (held !== undefined) forSession.push([id, held]);
    }
    if (Object.keys(stored).length > 0) next.accountPasswords = stored;
    else delete next.accountPasswords;
    return forSession;
  }
}

/** What a settings file's text holds: the settings kept and what had to be repaired. */
export interface Loaded {
  stored: StoredFile;
  problem: SettingsLoadProblem | null;
}

/**
 * Turns the text of a settings file into settings, keeping every valid value; null when the text
 * is not a JSON object at all (the caller sets the file aside). Never throws, whatever the file
 * holds.
 */
export function settingsFromText(text: string): Loaded | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  return isRecord(raw) ? salvage(raw) : null;
}

const unreadable = (message: string, backup: string | null): SettingsLoadProblem => ({
  kind: 'unreadable',
  message,
  backup,
  invalidKeys: [],
  unknownKeys: [],
});

/** Keeps every valid value of a file that parsed; each invalid one takes its default. */
function salvage(raw: Record<string, unknown>): Loaded {
  const invalidKeys: string[] = [];
  const unknownKeys = Object.keys(raw).filter(
    (key) =>
      key !== 'settings' &&
      key !== 'version' &&
      key !== 'accountPasswords' &&
      !SECRET_NAMES.includes(key as SecretName),
  );
  const stored = raw.settings === undefined ? {} : raw.settings;
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  if (isRecord(stored)) {
    const shape: Record<string, ZodType> = settingsSchema.shape;
    for (const [key, value] of Object.entries(stored)) {
      const schema = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : undefined;
      if (!schema) {
        unknownKeys.push(key);
        continue;
      }
      if (DERIVED_KEYS.has(key)) continue;
      const parsed = schema.safeParse(value);
      if (parsed.success) settings[key] = parsed.data;
      else invalidKeys.push(key);
    }
  } else {
    invalidKeys.push('settings');
  }
  // The old default, written into every file, would otherwise pin 25 s for good: it becomes
  // "let the engine choose", as a user who never touched it meant.
  if (raw.version !== FILE_VERSION && settings.keepaliveSeconds === OLD_DEFAULT_KEEPALIVE_SECONDS) {
    settings.keepaliveSeconds = null;
  }
  // Each value passed its own schema and the object has no rule across keys, so this holds.
  const whole = settingsSchema.safeParse(settings);
  const result: StoredFile = {
    version: FILE_VERSION,
    settings: whole.success ? whole.data : DEFAULT_SETTINGS,
  };
  for (const name of SECRET_NAMES) {
    const secret = raw[name];
    if (secret === undefined) continue;
    if (typeof secret === 'string' && BASE64.test(secret)) result[name] = secret;
    else invalidKeys.push(name);
  }
  const accountPasswords = raw.accountPasswords;
  if (isRecord(accountPasswords)) {
    const listed = new Set(result.settings.moreAccounts.map((more) => more.id));
    const kept = Object.entries(accountPasswords).filter(
      ([id, secret]) => listed.has(id) && typeof secret === 'string' && BASE64.test(secret),
    ) as [string, string][];
    if (kept.length > 0) result.accountPasswords = Object.fromEntries(kept);
  } else if (accountPasswords !== undefined) {
    invalidKeys.push('accountPasswords');
  }
  if (invalidKeys.length === 0 && unknownKeys.length === 0)
    return { stored: result, problem: null };
  const parts = [
    invalidKeys.length > 0 ? `reset to the default: ${invalidKeys.join(', ')}` : null,
    unknownKeys.length > 0 ? `ignored as unknown: ${unknownKeys.join(', ')}` : null,
  ].filter((part) => part !== null);
  return {
    stored: result,
    problem: {
      kind: 'keys-dropped',
      message: `The settings file had values that could not be used (${parts.join('; ')}); every other setting was kept.`,
      backup: null,
      invalidKeys,
      unknownKeys,
    },
  };
}
