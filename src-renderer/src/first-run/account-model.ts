/**
 * The voip.ms account as a person types it (server, sub-account user, SIP password): what is
 * wrong with each field before anything is sent, and what a registration's outcome means, in
 * plain words and under the field it concerns. Shared by the first-run screen and Settings.
 */
import type { Registration } from '../../../src-shared/domain.js';
import { sipServerSchema } from '../../../src-shared/ipc-contract.js';

export type AccountField = 'server' | 'user' | 'password';
export type FieldErrors = Partial<Record<AccountField, string>>;

export interface AccountForm {
  server: string;
  user: string;
  password: string;
  /** A password is stored already, so an empty field keeps it. */
  passwordSaved: boolean;
}

/** A voip.ms sub-account user: the 6-digit main account number, `_`, the sub-account name. */
const SUB_ACCOUNT = /^\d{6}_[A-Za-z0-9_.-]+$/;
/** Any SIP user name another registrar might use (the lab's, a PBX's). */
const SIP_USER = /^[A-Za-z0-9_.+-]+$/;
const EXAMPLE = 'for example 123456_home';

export function isVoipmsServer(server: string): boolean {
  return /(^|\.)voip\.ms(:\d+)?$/i.test(server.trim());
}

export function checkServer(server: string): string | null {
  const typed = server.trim();
  if (typed === '') return 'Choose a server.';
  if (!sipServerSchema.safeParse(typed).success) {
    return 'This is not a server name: type one like montreal.voip.ms, or host:port.';
  }
  return null;
}

/**
 * The voip.ms format is checked strictly on voip.ms servers, where anything else cannot
 * register; another registrar gets any plain SIP user name.
 */
export function checkUser(user: string, server: string): string | null {
  const typed = user.trim();
  if (typed === '') return `Enter the sub-account user, ${EXAMPLE}.`;
  if (typed.includes('@')) {
    return `This looks like the e-mail address you log in to the voip.ms portal with. Natter needs the sub-account user, ${EXAMPLE}.`;
  }
  if (/\s/.test(typed)) return 'The user has no spaces in it.';
  if (!isVoipmsServer(server)) {
    return SIP_USER.test(typed) ? null : 'Use only letters, digits and . _ + -';
  }
  if (SUB_ACCOUNT.test(typed)) return null;
  if (/^\d+$/.test(typed)) {
    return `This is an account number alone. Add an underscore and the sub-account name, ${EXAMPLE}.`;
  }
  if (/^\d+_/.test(typed) && !/^\d{6}_/.test(typed)) {
    return `The main account number before the underscore has 6 digits, ${EXAMPLE}.`;
  }
  if (/^\d{6}_$/.test(typed)) return `Add the sub-account name after the underscore, ${EXAMPLE}.`;
  if (/^\d{6}_/.test(typed)) return 'The sub-account name has only letters, digits and . _ -';
  return `The user starts with your 6-digit account number and an underscore, ${EXAMPLE}.`;
}

/** The first run needs a password; Settings may save an account without one (it says so). */
export function checkPassword(form: AccountForm, required: boolean): string | null {
  if (!required || form.password !== '' || form.passwordSaved) return null;
  return 'Enter the SIP password of this sub-account: without it Natter cannot register.';
}

export function checkAccountForm(form: AccountForm, passwordRequired: boolean): FieldErrors {
  const errors: FieldErrors = {};
  const server = checkServer(form.server);
  const user = checkUser(form.user, form.server);
  const password = checkPassword(form, passwordRequired);
  if (server) errors.server = server;
  if (user) errors.user = user;
  if (password) errors.password = password;
  return errors;
}

/** The first field with an error, in the order they are on screen. */
export function firstInvalid(errors: FieldErrors): AccountField | null {
  return (['server', 'user', 'password'] as const).find((field) => errors[field]) ?? null;
}

export interface RegistrationProblem {
  /** The field the problem concerns, or null when it is none of them (network, router). */
  field: AccountField | null;
  text: string;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Why a registration failed, from the engine's error codes (sip-account.ts, server-address.ts). */
export function registrationProblem(registration: Registration): RegistrationProblem | null {
  if (registration.state !== 'failed') return null;
  const code = registration.error?.code ?? '';
  const server = registration.account?.server ?? 'the server';
  switch (code) {
    case 'auth-failed':
      return {
        field: 'password',
        text: 'The server refused this password. Use the SIP password set for this sub-account under Sub Accounts, not the password of the voip.ms portal.',
      };
    case 'forbidden':
      return {
        field: 'password',
        text: 'The server refused this sub-account. Check the password, and in the portal that the sub-account is enabled and may register from here.',
      };
    case 'not-found':
      return {
        field: 'user',
        text: 'The server does not know this user. Check the sub-account user under Sub Accounts in the voip.ms portal.',
      };
    case 'bad-user':
      return { field: 'user', text: 'This user cannot be used in SIP: check its spelling.' };
    case 'unknown-host':
      return {
        field: 'server',
        text: `There is no server called ${server}. Check the spelling, or choose one from the list.`,
      };
    case 'dns-timeout':
      return {
        field: 'server',
        text: `Looking up ${server} took too long. Check that this computer is online.`,
      };
    case 'timeout':
      return {
        field: 'server',
        text: `${server} did not answer. Check that this computer is online, or choose another server.`,
      };
    case 'bad-server':
    case 'bad-port':
      return { field: 'server', text: sentence(registration.error?.message ?? 'Not a server.') };
    case 'refresh':
      return {
        field: null,
        text: 'The registration lapsed (network gone, or the server restarted). Natter tries again in 30 seconds.',
      };
    default:
      return {
        field: null,
        text: sentence(registration.error?.message ?? 'The registration did not succeed.'),
      };
  }
}

export type StatusTone = 'green' | 'amber' | 'red' | 'muted';

/** The registration's state in a few words, coloured honestly: amber while it is under way. */
export function registrationStatus(registration: Registration): { tone: StatusTone; text: string } {
  switch (registration.state) {
    case 'registering':
      return { tone: 'amber', text: 'Registering…' };
    case 'registered':
      return registration.failover
        ? {
            tone: 'green',
            text: `Registered on ${registration.failover.to}, because ${registration.failover.from} stopped answering: calls can come in and go out.`,
          }
        : { tone: 'green', text: 'Registered: calls can come in and go out.' };
    case 'failed':
      return { tone: 'red', text: 'Not registered.' };
    default:
      return { tone: 'muted', text: 'Not registered.' };
  }
}

/** Whether a registration is the one for this server and user (not an earlier account's). */
export function isRegistrationOf(
  registration: Registration,
  account: { server: string; user: string } | null,
): boolean {
  // After a failover the registration is on another server, but still this account's.
  const server = registration.failover?.from ?? registration.account?.server;
  return (
    account !== null && server === account.server && registration.account?.user === account.user
  );
}

/** What saving the account says beside its button: without a password it cannot register. */
export function accountSavedWords(hasPassword: boolean): { text: string; warning: boolean } {
  return hasPassword
    ? { text: 'Account saved', warning: false }
    : {
        text: 'Account saved. It will not register until you enter its SIP password.',
        warning: true,
      };
}
