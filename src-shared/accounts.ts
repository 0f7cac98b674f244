/**
 * Several accounts registered at once: the first is the settings' `account` (the one the first
 * run, the doctor and the CLI know); the further ones are listed in `moreAccounts`. Each has an
 * id that calls, the dialer and History name it by.
 */
import { z } from 'zod';
import {
  accountSchema,
  dtmfMethodSchema,
  natStatusSchema,
  registrationSchema,
  sipTransportSchema,
  voicemailSchema,
} from './domain.js';
import { dialTargetSchema } from './engine-contract.js';
import { doNotDisturbActionSchema, doNotDisturbForwardToSchema } from './do-not-disturb.js';

/** The id of the first account (the settings' `account`). */
export const FIRST_ACCOUNT_ID = 'first';

/** How many accounts may be added beside the first. */
export const MAX_MORE_ACCOUNTS = 7;

/** Longest wait before auto-answer picks up, in seconds. */
export const MAX_AUTO_ANSWER_SECONDS = 120;

export const accountIdSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,32}$/, 'expected lower-case letters, digits and dashes');

/** Seconds an incoming call rings before it is answered by itself; 0: never. */
export const autoAnswerSecondsSchema = z.number().int().min(0).max(MAX_AUTO_ANSWER_SECONDS);

/** An account beside the first, as stored; its password is kept apart, encrypted. */
export const moreAccountSchema = z.object({
  id: accountIdSchema,
  /** What the dialer, the call screen and History call it, e.g. "Office". */
  label: z.string().trim().min(1).max(40),
  account: accountSchema,
  sipTransport: sipTransportSchema,
  /** Incoming calls on this account are refused (486) or forwarded, as doNotDisturbAction says. */
  doNotDisturb: z.boolean(),
  autoAnswerSeconds: autoAnswerSecondsSchema,
  /** Whether a password is stored for it (derived by main; what the renderer sends is ignored). */
  hasPassword: z.boolean(),
  // Voicemail per account.
  /** What the Voicemail button dials for this account; absent: the settings' voicemailNumber. */
  voicemailNumber: dialTargetSchema.optional(),
  // Do not disturb: busy (486) or forwarded (302). Absent (accounts saved before): busy, no number.
  doNotDisturbAction: doNotDisturbActionSchema.optional(),
  doNotDisturbForwardTo: doNotDisturbForwardToSchema.optional(),
  /**
   * How keypad digits go on this account's calls, as its voip.ms sub-account's DTMF mode asks;
   * absent: the settings' dtmfMethod.
   */
  dtmfMethod: dtmfMethodSchema.optional(),
});
export type MoreAccount = z.infer<typeof moreAccountSchema>;

/** One account as the phone runs it: its registration and its own NAT status. */
export const accountStatusSchema = z.object({
  id: accountIdSchema,
  label: z.string(),
  registration: registrationSchema,
  nat: natStatusSchema.nullable(),
  doNotDisturb: z.boolean(),
  autoAnswerSeconds: autoAnswerSecondsSchema,
  /** The account's mailbox as its provider last reported it; null (or absent) before a report. */
  voicemail: voicemailSchema.nullable().optional(),
});
export type AccountStatus = z.infer<typeof accountStatusSchema>;

export const accountStatusListSchema = z.array(accountStatusSchema).max(MAX_MORE_ACCOUNTS + 1);

/** The label of the first account: its display name, else its user. */
export function firstAccountLabel(account: z.infer<typeof accountSchema> | null): string {
  return account?.displayName?.trim() || account?.user || 'Main account';
}

/** What another account may set for itself, in place of the settings' own value. */
type AccountOwnSettings = Required<Pick<MoreAccount, 'dtmfMethod' | 'voicemailNumber'>>;

/**
 * An account's value of a setting it may set for itself (keypad way, voicemail number): its
 * own, else the settings' one, which the first account always uses.
 */
export function accountSettingOf<Key extends keyof AccountOwnSettings>(
  settings: Pick<AccountOwnSettings, Key> & { moreAccounts: readonly MoreAccount[] },
  accountId: string,
  key: Key,
): AccountOwnSettings[Key] {
  const more: Partial<AccountOwnSettings> | undefined = settings.moreAccounts.find(
    (account) => account.id === accountId,
  );
  const own = more?.[key];
  const common: Pick<AccountOwnSettings, Key> = settings;
  return own ?? common[key];
}
