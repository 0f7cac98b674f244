/**
 * Do not disturb, per account: what a caller gets while it is on. `busy` answers 486 Busy Here
 * (voip.ms then routes the call as its DID's busy failover says, usually to voicemail);
 * `forward` answers 302 Moved Temporarily naming a number the user chose (RFC 3261 §21.3.3).
 */
import { z } from 'zod';
import { normalizeDialString } from './dial-string.js';
import { dialTargetSchema } from './engine-contract.js';

export const doNotDisturbActionSchema = z.enum(['busy', 'forward']);
export type DoNotDisturbAction = z.infer<typeof doNotDisturbActionSchema>;

/** The number calls are forwarded to, stored as the dialer would dial it. */
export const doNotDisturbForwardToSchema = dialTargetSchema.nullable();

/** One account's do not disturb, as its settings hold it (absent action: busy). */
export interface DoNotDisturbSetting {
  doNotDisturb: boolean;
  doNotDisturbAction?: DoNotDisturbAction | undefined;
  doNotDisturbForwardTo?: string | null | undefined;
}

/**
 * The number a user typed for forwarding, as the dialer would dial it (spaces and dashes
 * dropped, `+1…` and 10-digit North-American numbers written `1…`); null when nothing dialable
 * is left.
 */
export function forwardNumberOf(typed: string): string | null {
  const number = normalizeDialString(typed);
  return dialTargetSchema.safeParse(number).success ? number : null;
}

/**
 * Where the engine forwards calls while do not disturb is on: the number, or null for "busy"
 * (also when forwarding is chosen without a usable number, so a caller never hears nothing).
 */
export function doNotDisturbForwardOf(setting: DoNotDisturbSetting): string | null {
  if (!setting.doNotDisturb || setting.doNotDisturbAction !== 'forward') return null;
  const typed = setting.doNotDisturbForwardTo;
  return typed === null || typed === undefined ? null : forwardNumberOf(typed);
}

/** What the account list and the settings say of an account's do not disturb; null when off. */
export function doNotDisturbWords(setting: DoNotDisturbSetting): string | null {
  if (!setting.doNotDisturb) return null;
  const forwardTo = doNotDisturbForwardOf(setting);
  return forwardTo === null
    ? 'Do not disturb: callers hear busy'
    : `Do not disturb: forwarded to ${forwardTo}`;
}

/**
 * "Do not disturb" while every account refuses calls, "Do not disturb (Office)" while only some
 * do, null while none does: the words the header and the tray both show.
 */
export function refusingAccountsWords(
  accounts: ReadonlyArray<{ label: string; doNotDisturb: boolean }>,
): string | null {
  const refusing = accounts.filter((account) => account.doNotDisturb);
  if (refusing.length === 0) return null;
  if (refusing.length === accounts.length) return 'Do not disturb';
  return `Do not disturb (${refusing.map((account) => account.label).join(', ')})`;
}
