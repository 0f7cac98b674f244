/**
 * What the tray shows: one of four icons and a tooltip a person can read at a glance. A call in
 * progress matters most; otherwise the icon carries the status pill's colour (red `offline`,
 * amber `nat-problem`, green `registered`), so tray and window never disagree.
 */
import type { CallInfo, NatStatus, Registration } from '../../src-shared/domain.js';
import { natVerdict } from '../../src-shared/nat-verdict.js';
import {
  mailboxesLabel,
  totalVoicemail,
  voicemailWaiting,
  type Mailbox,
} from '../../src-shared/voicemail-words.js';

export type TrayState = 'in-call' | 'offline' | 'nat-problem' | 'registered';

export interface TrayStatus {
  state: TrayState;
  tooltip: string;
  /**
   * The tray menu's voicemail line ("Voicemail: 2 new messages"; with several accounts, which
   * account: "Voicemail: 2 new (Home), 1 new (Office)"); absent before any report.
   */
  voicemailLabel?: string;
}

export interface TrayExtras {
  /** Each account's mailbox, the first one's first. */
  mailboxes?: readonly Mailbox[];
  /** The name to show for a caller: the address book's, else the one the caller presented. */
  nameFor?: (number: string, presented: string | null) => string | null;
}

export function trayStatus(
  registration: Registration,
  nat: NatStatus | null,
  calls: readonly CallInfo[],
  { mailboxes = [], nameFor = (_number, presented) => presented }: TrayExtras = {},
): TrayStatus {
  const status = callOrConnectionStatus(registration, nat, calls, nameFor);
  const label = mailboxesLabel(mailboxes);
  const waiting = voicemailWaiting(totalVoicemail(mailboxes));
  return {
    ...status,
    tooltip: label && waiting ? `${status.tooltip} · ${label}` : status.tooltip,
    ...(label ? { voicemailLabel: label } : {}),
  };
}

function callOrConnectionStatus(
  registration: Registration,
  nat: NatStatus | null,
  calls: readonly CallInfo[],
  nameFor: NonNullable<TrayExtras['nameFor']>,
): Omit<TrayStatus, 'voicemailLabel'> {
  const call = calls.find((candidate) => candidate.state !== 'ended');
  if (call) {
    const who = nameFor(call.remote, call.remoteDisplayName ?? null) ?? call.remote;
    const what =
      call.state === 'incoming'
        ? `Incoming call from ${who}`
        : call.state === 'on-hold'
          ? `On hold with ${who}`
          : `In call with ${who}`;
    return { state: 'in-call', tooltip: `Natter — ${what}` };
  }
  const verdict = natVerdict(nat, registration);
  if (verdict.color === 'red') return { state: 'offline', tooltip: `Natter — ${verdict.title}` };
  if (verdict.color === 'amber') {
    return { state: 'nat-problem', tooltip: `Natter — ${verdict.title}` };
  }
  const user = registration.account?.user;
  return {
    state: 'registered',
    tooltip: `Natter — Registered${user ? ` as ${user}` : ''} · ${verdict.title}`,
  };
}
