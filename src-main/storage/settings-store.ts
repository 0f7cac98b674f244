/**
 * Settings persisted as JSON in the user data folder. A missing or corrupt file falls back to
 * the defaults; the SIP and TURN passwords are stored only as ciphertext from the platform's secret store
 * (Electron `safeStorage`, passed in as a {@link SecretCipher} so this module stays testable).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DEFAULT_SETTINGS,
  settingsSchema,
  type Settings,
  type SettingsUpdate,
} from '../../src-shared/settings.js';

export interface SecretCipher {
  isAvailable(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

interface StoredFile {
  settings: Settings;
  /** Base64 ciphertext of the SIP password. */
  password?: string;
  /** Base64 ciphertext of the TURN password. */
  turnPassword?: string;
}

type SecretName = 'password' | 'turnPassword';

export class SettingsStore {
  private current: StoredFile = { settings: DEFAULT_SETTINGS };

  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
  ) {}

  async load(): Promise<Settings> {
    try {
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as Partial<StoredFile>;
      const merged = settingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...raw.settings });
      this.current = {
        settings: merged.success ? merged.data : DEFAULT_SETTINGS,
        ...(typeof raw.password === 'string' ? { password: raw.password } : {}),
        ...(typeof raw.turnPassword === 'string' ? { turnPassword: raw.turnPassword } : {}),
      };
    } catch {
      this.current = { settings: DEFAULT_SETTINGS };
    }
    this.current.settings = {
      ...this.current.settings,
      hasPassword: this.current.password !== undefined,
      hasTurnPassword: this.current.turnPassword !== undefined,
    };
    return this.current.settings;
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

  private secret(name: SecretName): string | null {
    const stored = this.current[name];
    if (stored === undefined || !this.cipher.isAvailable()) return null;
    try {
      return this.cipher.decrypt(Buffer.from(stored, 'base64'));
    } catch {
      return null;
    }
  }

  async update(change: SettingsUpdate): Promise<Settings> {
    const { password, turnPassword, ...rest } = change;
    for (const [name, plain] of [
      ['password', password],
      ['turnPassword', turnPassword],
    ] as const) {
      if (plain === undefined) continue;
      if (!this.cipher.isAvailable()) {
        throw Object.assign(new Error('this system offers no secure storage for the password'), {
          code: 'no-secure-storage',
        });
      }
      this.current[name] = this.cipher.encrypt(plain).toString('base64');
    }
    this.current.settings = settingsSchema.parse({
      ...this.current.settings,
      ...rest,
      hasPassword: this.current.password !== undefined,
      hasTurnPassword: this.current.turnPassword !== undefined,
    });
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    await writeFile(temporary, JSON.stringify(this.current, null, 2), { mode: 0o600 });
    await rename(temporary, this.file);
    return this.current.settings;
  }
}
