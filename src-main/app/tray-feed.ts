/**
 * Keeps the tray current without asking the phone for more than the tray shows. A call reports
 * itself about once a second while it lasts (its statistics); the tray shows only who the call
 * is with and what state it is in, so only a change of those (or a call coming or going) takes a
 * fresh look at the phone. Registration, NAT and mailbox changes, rare, always do.
 */
import type { CallInfo } from '../../src-shared/domain.js';
import type { CommandResponse } from '../../src-shared/engine-contract.js';
import type { Mailbox } from '../../src-shared/voicemail-words.js';
import { trayStatus, type TrayAccount, type TrayStatus } from './tray-status.js';

export interface TrayFeedDeps {
  /** The phone as it is now: the first account's registration and NAT, and every call. */
  snapshot(): Promise<Pick<CommandResponse<'snapshot'>, 'registration' | 'nat' | 'calls'>>;
  /** Every account's registration, NAT and do not disturb, the first one's first. */
  accounts(): readonly TrayAccount[];
  /** Each account's mailbox, the first one's first. */
  mailboxes(): readonly Mailbox[];
  /** The address book's name for a caller, else the one presented. */
  nameFor(number: string, presented: string | null): string | null;
  /** Puts a new status on the tray; called only when it differs from the last one. */
  show(status: TrayStatus): void;
  log?(message: string): void;
}

/** What the tray shows of a call: a change of anything else does not concern it. */
const shownOf = (call: CallInfo) =>
  JSON.stringify([call.state, call.remote, call.remoteDisplayName]);

export class TrayFeed {
  /** The calls not yet ended, as the tray last took them in. */
  private readonly shown = new Map<string, string>();
  private last: string | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly deps: TrayFeedDeps) {}

  /** A call reported itself: a fresh look only when what the tray shows of it changed. */
  onCall(call: CallInfo): void {
    const before = this.shown.get(call.id);
    if (call.state === 'ended') {
      if (before === undefined) return;
      this.shown.delete(call.id);
    } else {
      const now = shownOf(call);
      if (before === now) return;
      this.shown.set(call.id, now);
    }
    this.refresh();
  }

  /**
   * Takes a fresh look at the phone and shows it. One look at a time: changes that arrive
   * during one take one more look after it, so the last change is always shown.
   */
  refresh(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.look()
      .catch((error: unknown) => this.deps.log?.(`tray: ${String(error)}`))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  /** Resolves once no look is running (for tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async look(): Promise<void> {
    const { registration, nat, calls } = await this.deps.snapshot();
    const status = trayStatus(registration, nat, calls, {
      accounts: this.deps.accounts(),
      mailboxes: this.deps.mailboxes(),
      nameFor: (number, presented) => this.deps.nameFor(number, presented),
    });
    const key = JSON.stringify(status);
    if (key === this.last) return;
    this.last = key;
    this.deps.show(status);
  }
}
