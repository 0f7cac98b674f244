import { describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../../src-shared/accounts.js';
import type { Voicemail } from '../../../src-shared/domain.js';
import { accountWithNews } from '../../../src-renderer/src/voicemail/mailboxes.js';

function mailbox(newMessages: number | null, waiting = newMessages !== null && newMessages > 0) {
  const voicemail: Voicemail = {
    waiting,
    newMessages,
    oldMessages: 0,
    urgentNew: null,
    urgentOld: null,
    at: '2026-12-02T10:00:00Z',
  };
  return voicemail;
}

function account(id: string, voicemail: Voicemail | null): AccountStatus {
  return {
    id,
    label: id,
    registration: {
      state: 'registered',
      account: null,
      contact: null,
      expiresAt: null,
      error: null,
    },
    nat: null,
    doNotDisturb: false,
    autoAnswerSeconds: 0,
    voicemail,
  };
}

describe('the account the voicemail badge opens the dialer on', () => {
  it('is the first account with new messages when the chosen one has none', () => {
    const accounts = [account('first', mailbox(0)), account('office', mailbox(1))];
    expect(accountWithNews(accounts, 'first')).toBe('office');
  });

  it('keeps the chosen account when it has new messages too', () => {
    const accounts = [account('first', mailbox(2)), account('office', mailbox(1))];
    expect(accountWithNews(accounts, 'office')).toBe('office');
    expect(accountWithNews(accounts, 'first')).toBe('first');
  });

  it('counts a mailbox that says only "waiting", without a number', () => {
    const accounts = [account('first', null), account('office', mailbox(null, true))];
    expect(accountWithNews(accounts, 'first')).toBe('office');
  });

  it('leaves the choice alone when no mailbox has news', () => {
    const accounts = [account('first', mailbox(0)), account('office', null)];
    expect(accountWithNews(accounts, 'office')).toBeNull();
    expect(accountWithNews([], 'first')).toBeNull();
  });
});
