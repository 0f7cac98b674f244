import type { ReactNode } from 'react';
import type { NatStatus, Registration } from '../../../src-shared/domain.js';
import { natVerdict } from '../../../src-shared/nat-verdict.js';
import { REGISTRATION_WORDS } from './account-words.js';

/**
 * One account in Settings → Accounts: its name, its registration in words, where it registers
 * and what is set on it (do not disturb, auto-answer), and its controls.
 */
export function AccountRow({
  id,
  name,
  registration,
  notYet,
  where,
  notes,
  nat,
  voicemail,
  children,
}: {
  id: string;
  name: string;
  registration: Registration | null;
  /** What the state says before the account has reported one. */
  notYet: string;
  where: string;
  /** Short facts joined after `where`, e.g. "answers after 5 s"; empty ones are left out. */
  notes: ReadonlyArray<string | null>;
  /** The account's own NAT status: each account has its own socket and so its own mapping. */
  nat?: NatStatus | null;
  /** The account's mailbox: its count and the number its Voicemail button dials. */
  voicemail?: ReactNode;
  children?: ReactNode;
}) {
  const said = notes.filter((note): note is string => note !== null && note !== '');
  // Until it is registered, the state beside the name says all there is: the network's verdict
  // would only repeat it ("Not registered"), or name a cause it does not have ("No account").
  const network =
    registration?.state === 'registered' ? natVerdict(nat ?? null, registration) : null;
  const seenAs = nat?.contact ? `${nat.contact.address}:${nat.contact.port}` : null;
  return (
    <li data-account-id={id}>
      <span className="account-name">{name}</span>
      <span className="account-state" data-state={registration?.state ?? 'unregistered'}>
        {registration ? REGISTRATION_WORDS[registration.state] : notYet}
        {registration?.error ? `: ${registration.error.message}` : ''}
      </span>
      <span className="muted account-notes">{[where, ...said].join(' · ')}</span>
      {network && (
        <span className="account-network" data-color={network.color}>
          Network: {network.title}
          {seenAs ? ` · calls reach it at ${seenAs}` : ''}
        </span>
      )}
      {voicemail}
      {children && <div className="account-actions">{children}</div>}
    </li>
  );
}
