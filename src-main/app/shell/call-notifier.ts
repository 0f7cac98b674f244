/**
 * The desktop's notifications for calls: an incoming call raises the window when its
 * notification is clicked and, where notifications carry buttons, offers Answer and Decline; a
 * call that rang unanswered (and was not declined by the user) leaves a "Missed call"
 * notification and counts toward the badge until the user looks at the window.
 */
import type { Notification } from 'electron';
import { outcomeOfCall } from '../../../src-shared/call-history.js';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { ElectronPorts } from './electron-ports.js';
import { partyLine } from '../../../src-shared/number-display.js';

export interface CallNotifierOptions {
  Notification: ElectronPorts['Notification'];
  /**
   * Whether notifications show action buttons: Electron's `NotificationAction` buttons work on
   * macOS (for a signed app whose Info.plist asks for alert-style notifications, see
   * electron-builder.yml) and Windows; on Linux the notification is plain, clicked to answer
   * from the window.
   */
  supportsActions: boolean;
  showWindow(): void;
  /** The window, on History's missed calls: where a click on a missed-call notification leads. */
  showMissedCalls(): void;
  /** True while the user has the window in front of them: a missed call is then seen at once. */
  isWindowInView(): boolean;
  answer(callId: string): Promise<unknown>;
  decline(callId: string): Promise<unknown>;
  /** The number of missed calls not yet seen, after each change (for the badge and the tray). */
  onMissedChange(count: number): void;
  /** The label of the account a call is on, when the phone runs several; null otherwise. */
  accountLabel?(call: CallInfo): string | null;
  log?: (message: string) => void;
  /** The address book's name for a number, else the caller's own (storage/contacts-store.ts). */
  nameFor?: (number: string, presented: string | null) => string | null;
}

const ANSWER = 0;
const DECLINE = 1;

/**
 * An incoming call that ended unanswered and not by the user's own doing: the same rule as the
 * History page's "Missed" (src-shared/call-history.ts), so the badge and the list agree.
 */
export function isMissed(call: CallInfo): boolean {
  return call.state === 'ended' && outcomeOfCall(call) === 'missed';
}

export class CallNotifier {
  private readonly ringing = new Map<string, Notification>();
  private readonly missedNotes: Notification[] = [];
  private readonly missedIds = new Set<string>();

  constructor(private readonly options: CallNotifierOptions) {}

  get missedCount(): number {
    return this.missedIds.size;
  }

  onCall(call: CallInfo): void {
    if (call.direction !== 'incoming') return;
    if (call.state === 'incoming') {
      if (!this.ringing.has(call.id)) this.ring(call);
      return;
    }
    this.ringing.get(call.id)?.close();
    this.ringing.delete(call.id);
    if (isMissed(call) && !this.missedIds.has(call.id) && !this.options.isWindowInView()) {
      this.missed(call);
    }
  }

  /** The user looked at the window: missed calls are seen (History still lists them). */
  seen(): void {
    if (this.missedIds.size === 0) return;
    this.missedIds.clear();
    for (const note of this.missedNotes.splice(0)) note.close();
    this.options.onMissedChange(0);
  }

  /** "Incoming call on Office": which account rings, once there are several. */
  private titled(title: string, call: CallInfo): string {
    const label = this.options.accountLabel?.(call);
    return label ? `${title} on ${label}` : title;
  }

  private ring(call: CallInfo): void {
    const note = this.notify({
      title: this.titled('Incoming call', call),
      body: this.who(call),
      urgency: 'critical',
      timeoutType: 'never',
      ...(this.options.supportsActions
        ? {
            actions: [
              { type: 'button', text: 'Answer' },
              { type: 'button', text: 'Decline' },
            ],
          }
        : {}),
    });
    if (!note) return;
    this.ringing.set(call.id, note);
    note.on('click', () => this.options.showWindow());
    note.on('action', (details) => {
      const index = details.actionIndex;
      if (index === ANSWER) {
        this.options.showWindow();
        void this.options.answer(call.id).catch((error: unknown) => this.fail('answer', error));
      } else if (index === DECLINE) {
        void this.options.decline(call.id).catch((error: unknown) => this.fail('decline', error));
      }
    });
  }

  private missed(call: CallInfo): void {
    this.missedIds.add(call.id);
    const note = this.notify({ title: this.titled('Missed call', call), body: this.who(call) });
    if (note) {
      this.missedNotes.push(note);
      note.on('click', () => this.options.showMissedCalls());
    }
    this.options.onMissedChange(this.missedIds.size);
  }

  private notify(options: ConstructorParameters<ElectronPorts['Notification']>[0]) {
    if (!this.options.Notification.isSupported()) return null;
    const note = new this.options.Notification(options);
    note.show();
    return note;
  }

  private who(call: CallInfo): string {
    const name = this.options.nameFor
      ? this.options.nameFor(call.remote, call.remoteDisplayName)
      : call.remoteDisplayName;
    return partyLine(name, call.remote);
  }

  private fail(what: string, error: unknown): void {
    this.options.log?.(`${what} from the notification: ${String(error)}`);
  }
}
