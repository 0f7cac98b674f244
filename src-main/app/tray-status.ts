/**
 * What the tray shows: one of four icons and a tooltip a person can read at a glance. A call in
 * progress matters most; otherwise the icon carries the status pill's colour (red `offline`,
 * amber `nat-problem`, green `registered`), so tray and window never disagree. With several
 * accounts the icon takes the worst account's colour and the tooltip names each one, so an
 * office line that dropped is not hidden behind a home line that works. Do not disturb is said
 * too: a phone that refuses every call must not look like one waiting for them.
 */
import type { CallInfo, NatStatus, Registration } from '../../src-shared/domain.js';
import { refusingAccountsWords } from '../../src-shared/do-not-disturb.js';
import { natVerdict } from '../../src-shared/nat-verdict.js';
import {
  mailboxesLabel,
  totalVoicemail,
  voicemailWaiting,
  type Mailbox,
} from '../../src-shared/voicemail-words.js';
import { partyNameOf } from '../../src-shared/number-display.js';

export type TrayState = 'in-call' | 'offline' | 'nat-problem' | 'registered';

export interface TrayStatus {
  state: TrayState;
  tooltip: string;
  /**
   * The tray menu's voicemail line ("Voicemail: 2 new messages"; with several accounts, which
   * account: "Voicemail: 2 new (Home), 1 new (Office)"); absent before any report.
   */
  voicemailLabel?: string;
  /** The tray menu's do not disturb switch. */
  doNotDisturb: TrayDoNotDisturb;
}

/**
 * The tray's do not disturb switch: ticked while every account refuses calls. With some on and
 * some off it is not ticked, and choosing it turns every account's on (the tooltip names which
 * are on), so one choice always leaves the phone in the state its tick shows.
 */
export interface TrayDoNotDisturb {
  label: string;
  checked: boolean;
}

export function trayDoNotDisturb(accounts: readonly TrayAccount[]): TrayDoNotDisturb {
  return {
    label: accounts.length > 1 ? 'Do not disturb on every account' : 'Do not disturb',
    checked: accounts.length > 0 && accounts.every((account) => account.doNotDisturb),
  };
}

/** One account as the tray weighs it. */
export interface TrayAccount {
  label: string;
  registration: Registration;
  nat: NatStatus | null;
  doNotDisturb: boolean;
}

export interface TrayExtras {
  /**
   * Every account, the first one's first; absent, the registration and NAT given are the only
   * account's, with do not disturb off.
   */
  accounts?: readonly TrayAccount[];
  /** Each account's mailbox, the first one's first. */
  mailboxes?: readonly Mailbox[];
  /** The name to show for a caller: the address book's, else the one the caller presented. */
  nameFor?: (number: string, presented: string | null) => string | null;
}

export function trayStatus(
  registration: Registration,
  nat: NatStatus | null,
  calls: readonly CallInfo[],
  {
    accounts: given = [],
    mailboxes = [],
    nameFor = (_number, presented) => presented,
  }: TrayExtras = {},
): TrayStatus {
  const accounts: readonly TrayAccount[] =
    given.length > 0 ? given : [{ label: '', registration, nat, doNotDisturb: false }];
  const status = callStatus(calls, nameFor) ?? connectionStatus(accounts);
  const label = mailboxesLabel(mailboxes);
  const waiting = voicemailWaiting(totalVoicemail(mailboxes));
  return {
    ...status,
    tooltip: label && waiting ? `${status.tooltip} · ${label}` : status.tooltip,
    ...(label ? { voicemailLabel: label } : {}),
    doNotDisturb: trayDoNotDisturb(accounts),
  };
}

function callStatus(
  calls: readonly CallInfo[],
  nameFor: NonNullable<TrayExtras['nameFor']>,
): Pick<TrayStatus, 'state' | 'tooltip'> | null {
  const call = calls.find((candidate) => candidate.state !== 'ended');
  if (!call) return null;
  const who = partyNameOf(nameFor(call.remote, call.remoteDisplayName ?? null), call.remote);
  const what =
    call.state === 'incoming'
      ? `Incoming call from ${who}`
      : call.state === 'on-hold'
        ? `On hold with ${who}`
        : `In call with ${who}`;
  return { state: 'in-call', tooltip: `Natter — ${what}` };
}

const STATE_OF_COLOUR = { red: 'offline', amber: 'nat-problem', green: 'registered' } as const;
/** Worst first: the tray shows the first of these that any account is in. */
const WORST_FIRST: readonly TrayState[] = ['offline', 'nat-problem', 'registered'];

function connectionStatus(accounts: readonly TrayAccount[]): Pick<TrayStatus, 'state' | 'tooltip'> {
  const weighed = accounts.map((account) => {
    const verdict = natVerdict(account.nat, account.registration);
    return { account, verdict, state: STATE_OF_COLOUR[verdict.color] };
  });
  const state = WORST_FIRST.find((worst) => weighed.some((w) => w.state === worst)) ?? 'offline';
  const refusing = refusingAccountsWords(accounts);
  const dnd = refusing ? ` · ${refusing}` : '';
  if (weighed.length === 1) {
    const [{ account, verdict }] = weighed as [(typeof weighed)[number]];
    const user = account.registration.account?.user;
    const words =
      state === 'registered'
        ? `Registered${user ? ` as ${user}` : ''} · ${verdict.title}`
        : verdict.title;
    return { state, tooltip: `Natter — ${words}${dnd}` };
  }
  const each = weighed.map(({ account, verdict }) => `${account.label}: ${verdict.title}`);
  return { state, tooltip: `Natter — ${each.join(' · ')}${dnd}` };
}
