/**
 * Keeps the accounts beside the first running as the settings list them: an added account gets
 * an engine of its own and registers, an edited one registers again where its server, user,
 * transport, keepalive or password changed (its DND and auto-answer apply at once), a removed
 * one unregisters and closes its sockets.
 */
import type { MoreAccount } from '../../src-shared/accounts.js';
import { keepaliveIntervalSeconds } from '../../src-shared/keepalive-interval.js';
import type { Settings } from '../../src-shared/settings.js';
import type { NatterEngine } from '../engine/natter-engine.js';
import type { EngineOptions } from '../engine/engine-options.js';
import { describeError } from '../engine/engine-error.js';
import type { AccountFleet } from './account-fleet.js';

export interface MoreAccountsDeps {
  fleet: AccountFleet;
  /** The engine options an account's settings give it. */
  optionsFor(settings: Settings, account: MoreAccount): Partial<EngineOptions>;
  /** A new engine for an account. */
  engineFor(id: string, options: Partial<EngineOptions>): NatterEngine;
  /** The account's stored password (decrypted), or null. */
  password(id: string): string | null;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export class MoreAccountsRunner {
  /** What each running account registered with, to tell whether it must register again. */
  private readonly registeredWith = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: MoreAccountsDeps) {}

  /**
   * Brings the running accounts in line with the settings; `newPasswords` names the accounts
   * whose password was just saved. Runs after any apply still in progress.
   */
  apply(settings: Settings, newPasswords: readonly string[] = []): Promise<void> {
    const run = this.queue.then(() => this.applyNow(settings, new Set(newPasswords)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once no apply is running. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  private async applyNow(settings: Settings, newPasswords: ReadonlySet<string>): Promise<void> {
    const { fleet } = this.deps;
    const listed = new Map(settings.moreAccounts.map((more) => [more.id, more]));
    for (const id of fleet.ids.slice(1)) {
      if (listed.has(id)) continue;
      this.registeredWith.delete(id);
      await fleet.remove(id);
    }
    await Promise.all([...listed.values()].map((more) => this.run(settings, more, newPasswords)));
  }

  private async run(
    settings: Settings,
    more: MoreAccount,
    newPasswords: ReadonlySet<string>,
  ): Promise<void> {
    const { fleet } = this.deps;
    const { label, doNotDisturb, autoAnswerSeconds } = more;
    const line = { label, doNotDisturb, autoAnswerSeconds };
    const options = this.deps.optionsFor(settings, more);
    let engine = fleet.engineOf(more.id);
    if (engine) {
      engine.configure(options);
      fleet.update(more.id, line);
    } else {
      engine = this.deps.engineFor(more.id, options);
      fleet.add(more.id, engine, line);
    }
    const password = this.deps.password(more.id);
    const key = JSON.stringify([
      more.account,
      more.sipTransport,
      keepaliveIntervalSeconds(settings),
      settings.tlsCaFile,
    ]);
    if (!password) return;
    if (this.registeredWith.get(more.id) === key && !newPasswords.has(more.id)) return;
    this.registeredWith.set(more.id, key);
    try {
      await engine.invoke('register', { account: more.account, password });
    } catch (error) {
      // The account's registration state says what went wrong; the other accounts go on.
      this.deps.log?.('warn', `account ${more.label} did not register: ${describeError(error)}`);
    }
  }
}
