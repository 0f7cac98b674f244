import type { MoreAccount } from '../../src-shared/accounts.js';

/** An account beside the first, on a loopback registrar nobody answers at, with no password. */
export function officeAccount(patch: Partial<MoreAccount> = {}): MoreAccount {
  return {
    id: 'office',
    label: 'Office',
    account: { server: '127.0.0.1:5060', user: 'office' },
    sipTransport: 'udp',
    doNotDisturb: false,
    autoAnswerSeconds: 0,
    hasPassword: false,
    ...patch,
  };
}
