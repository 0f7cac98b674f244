import type { TransportAddress, Voicemail } from '../../src-shared/domain.js';
import { parseMessageSummary } from '../sip/message-summary.js';

export interface VoicemailIndicatorOptions {
  /** Where the registrar's requests come from: only its reports count. */
  registrar: () => TransportAddress;
  onChange: (voicemail: Voicemail) => void;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  now?: () => Date;
}

/**
 * The voicemail count the provider reports, from our subscription's NOTIFYs and from those it
 * sends unasked (Asterisk, and so voip.ms, sends them to a registered phone without any
 * SUBSCRIBE). Like any other request, a report believed only from the registrar's address: a
 * stranger who can reach the NAT's mapped port must not light the mailbox.
 */
export class VoicemailIndicator {
  private current: Voicemail | null = null;

  constructor(private readonly options: VoicemailIndicatorOptions) {}

  get status(): Voicemail | null {
    return this.current;
  }

  /** A message-summary body received from `from`; true when it was believed. */
  report(body: string, from: TransportAddress): boolean {
    const registrar = this.options.registrar();
    if (from.address !== registrar.address) {
      this.options.log?.(
        'warn',
        `ignored a voicemail report from ${from.address}, not the registrar`,
      );
      return false;
    }
    const parsed = parseMessageSummary(body);
    if (!parsed.ok) {
      this.options.log?.('warn', `ignored an unreadable voicemail report: ${parsed.reason}`);
      return false;
    }
    const { waiting, voice } = parsed.summary;
    const next: Voicemail = {
      waiting,
      newMessages: voice?.newMessages ?? null,
      oldMessages: voice?.oldMessages ?? null,
      urgentNew: voice?.urgentNew ?? null,
      urgentOld: voice?.urgentOld ?? null,
      at: (this.options.now?.() ?? new Date()).toISOString(),
    };
    const changed = !this.current || !sameCounts(this.current, next);
    this.current = next;
    // A provider repeats the same count on every refresh: only a change is news.
    if (changed) this.options.onChange(next);
    return true;
  }
}

function sameCounts(a: Voicemail, b: Voicemail): boolean {
  return (
    a.waiting === b.waiting &&
    a.newMessages === b.newMessages &&
    a.oldMessages === b.oldMessages &&
    a.urgentNew === b.urgentNew &&
    a.urgentOld === b.urgentOld
  );
}
