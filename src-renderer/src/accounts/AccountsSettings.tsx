import { useState } from 'react';
import {
  FIRST_ACCOUNT_ID,
  MAX_AUTO_ANSWER_SECONDS,
  MAX_MORE_ACCOUNTS,
  type MoreAccount,
} from '../../../src-shared/accounts.js';
import type { SipTransport } from '../../../src-shared/domain.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import { Switch } from '../ui/Switch.js';
import { useStore } from '../state/store.js';
import { saveSettings } from '../settings/save-settings.js';
import type { SettingsSectionProps } from '../settings/section-props.js';
import { REGISTRATION_WORDS } from './account-words.js';
import './accounts.css';

interface Draft {
  id: string | null;
  label: string;
  server: string;
  user: string;
  password: string;
  sipTransport: SipTransport;
  doNotDisturb: boolean;
  autoAnswerSeconds: string;
}

const EMPTY: Draft = {
  id: null,
  label: '',
  server: '',
  user: '',
  password: '',
  sipTransport: 'udp',
  doNotDisturb: false,
  autoAnswerSeconds: '0',
};

const draftOf = (more: MoreAccount): Draft => ({
  id: more.id,
  label: more.label,
  server: more.account.server,
  user: more.account.user,
  password: '',
  sipTransport: more.sipTransport,
  doNotDisturb: more.doNotDisturb,
  autoAnswerSeconds: String(more.autoAnswerSeconds),
});

const newId = () => `acct-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * Settings → Accounts: every account the phone runs with its registration; further accounts
 * added, edited and removed here; do not disturb and auto-answer per account.
 */
export function AccountsSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const accounts = useStore(store, (s) => s.accounts);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, confirm] = useConfirmation();
  const stateOf = (id: string) =>
    accounts.find((account) => account.id === id)?.registration ?? null;
  const first = stateOf(FIRST_ACCOUNT_ID);

  const save = async (moreAccounts: MoreAccount[], passwords = {}, said: string) => {
    const result = await saveSettings(store, { moreAccounts, accountPasswords: passwords });
    if ('settings' in result) {
      confirm(said);
      return true;
    }
    confirm(`Not saved: ${result.error}`, 'failed');
    return false;
  };

  const submit = async () => {
    if (!draft) return;
    const seconds = Number(draft.autoAnswerSeconds || '0');
    if (!draft.label.trim() || !draft.server.trim() || !draft.user.trim()) {
      setError('Give the account a name, its server and its user.');
      return;
    }
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_AUTO_ANSWER_SECONDS) {
      setError(`Auto-answer takes whole seconds from 0 to ${MAX_AUTO_ANSWER_SECONDS}.`);
      return;
    }
    const existing = settings.moreAccounts.find((more) => more.id === draft.id);
    if (!existing && !draft.password) {
      setError('Enter the password of the account.');
      return;
    }
    const id = draft.id ?? newId();
    const more: MoreAccount = {
      id,
      label: draft.label.trim(),
      account: { server: draft.server.trim(), user: draft.user.trim() },
      sipTransport: draft.sipTransport,
      doNotDisturb: draft.doNotDisturb,
      autoAnswerSeconds: seconds,
      hasPassword: existing?.hasPassword ?? false,
    };
    const list = existing
      ? settings.moreAccounts.map((other) => (other.id === id ? more : other))
      : [...settings.moreAccounts, more];
    const passwords = draft.password ? { [id]: draft.password } : {};
    setError(null);
    if (await save(list, passwords, `Saved: ${more.label}`)) setDraft(null);
  };

  const remove = (more: MoreAccount) =>
    void save(
      settings.moreAccounts.filter((other) => other.id !== more.id),
      {},
      `Removed: ${more.label}`,
    );

  const toggleDnd = (more: MoreAccount, on: boolean) =>
    void save(
      settings.moreAccounts.map((other) =>
        other.id === more.id ? { ...other, doNotDisturb: on } : other,
      ),
      {},
      on ? `Saved: ${more.label} gives callers a busy signal` : `Saved: ${more.label} rings again`,
    );

  const setFirstAutoAnswer = async (value: string) => {
    const seconds = Number(value || '0');
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_AUTO_ANSWER_SECONDS) return;
    const result = await saveSettings(store, { autoAnswerSeconds: seconds });
    if ('settings' in result) {
      confirm(seconds > 0 ? `Saved: answered after ${seconds} s` : 'Saved: auto-answer off');
    } else confirm(`Not saved: ${result.error}`, 'failed');
  };

  return (
    <div className="settings-card" role="group" aria-labelledby={labelledBy}>
      <ul className="accounts-list" aria-label="Accounts">
        <li data-account-id={FIRST_ACCOUNT_ID}>
          <span className="account-name">
            {settings.account
              ? (settings.account.displayName ?? settings.account.user)
              : 'No account yet'}
          </span>
          <span className="account-state" data-state={first?.state ?? 'unregistered'}>
            {first ? REGISTRATION_WORDS[first.state] : 'Not registered'}
          </span>
          {/* user@server, as the other accounts below it are shown. */}
          <span className="muted">
            {settings.account
              ? `${settings.account.user}@${settings.account.server}`
              : 'set it up under Account'}
          </span>
        </li>
        {settings.moreAccounts.map((more) => {
          const registration = stateOf(more.id);
          return (
            <li key={more.id} data-account-id={more.id}>
              <span className="account-name">{more.label}</span>
              <span className="account-state" data-state={registration?.state ?? 'unregistered'}>
                {registration ? REGISTRATION_WORDS[registration.state] : 'Starting…'}
                {registration?.error ? `: ${registration.error.message}` : ''}
              </span>
              <span className="muted">
                {more.account.user}@{more.account.server}
                {more.doNotDisturb ? ' · Do not disturb' : ''}
                {more.autoAnswerSeconds > 0 ? ` · answers after ${more.autoAnswerSeconds} s` : ''}
              </span>
              <div className="account-actions">
                <Switch
                  label="Do not disturb"
                  checked={more.doNotDisturb}
                  onChange={(on) => toggleDnd(more, on)}
                />
                <button
                  type="button"
                  aria-label={`Edit ${more.label}`}
                  onClick={() => setDraft(draftOf(more))}
                >
                  Edit
                </button>
                <button
                  type="button"
                  aria-label={`Remove ${more.label}`}
                  onClick={() => remove(more)}
                >
                  Remove
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <Field
        label="Answer calls to the main account by themselves after (seconds)"
        hint="0 keeps them ringing until you answer. A call that comes in while you are on another call always waits for you."
      >
        {(control) => (
          <input
            {...control}
            type="number"
            min={0}
            max={MAX_AUTO_ANSWER_SECONDS}
            defaultValue={settings.autoAnswerSeconds}
            onBlur={(event) => void setFirstAutoAnswer(event.target.value)}
          />
        )}
      </Field>
      {draft ? (
        <form
          className="account-form"
          aria-label={draft.id ? 'Edit account' : 'Add an account'}
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <Field label="Name" hint="What the dialer and your calls show, e.g. Office.">
            {(control) => (
              <input
                {...control}
                value={draft.label}
                maxLength={40}
                onChange={(event) => setDraft({ ...draft, label: event.target.value })}
              />
            )}
          </Field>
          <Field label="Server" hint="e.g. montreal5.voip.ms">
            {(control) => (
              <input
                {...control}
                value={draft.server}
                autoComplete="off"
                onChange={(event) => setDraft({ ...draft, server: event.target.value })}
              />
            )}
          </Field>
          <Field label="User" hint="The sub-account, e.g. 123456_office">
            {(control) => (
              <input
                {...control}
                value={draft.user}
                autoComplete="off"
                onChange={(event) => setDraft({ ...draft, user: event.target.value })}
              />
            )}
          </Field>
          <Field
            label="Password"
            hint={draft.id ? 'Leave empty to keep the saved password.' : 'Saved encrypted.'}
          >
            {(control) => (
              <input
                {...control}
                type="password"
                autoComplete="new-password"
                value={draft.password}
                onChange={(event) => setDraft({ ...draft, password: event.target.value })}
              />
            )}
          </Field>
          <Field label="Transport">
            {(control) => (
              <select
                {...control}
                value={draft.sipTransport}
                onChange={(event) =>
                  setDraft({ ...draft, sipTransport: event.target.value as SipTransport })
                }
              >
                <option value="udp">UDP</option>
                <option value="tcp">TCP</option>
                <option value="tls">TLS (encrypted)</option>
              </select>
            )}
          </Field>
          <Switch
            label="Do not disturb"
            checked={draft.doNotDisturb}
            onChange={(on) => setDraft({ ...draft, doNotDisturb: on })}
            hint="Callers to this account hear a busy signal; voip.ms then sends them to voicemail."
          />
          <Field label="Answer by itself after (seconds)" hint="0: never.">
            {(control) => (
              <input
                {...control}
                type="number"
                min={0}
                max={MAX_AUTO_ANSWER_SECONDS}
                value={draft.autoAnswerSeconds}
                onChange={(event) => setDraft({ ...draft, autoAnswerSeconds: event.target.value })}
              />
            )}
          </Field>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="account-form-actions">
            <button type="submit" className="primary">
              {draft.id ? 'Save account' : 'Add account'}
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        settings.moreAccounts.length < MAX_MORE_ACCOUNTS && (
          <button type="button" onClick={() => setDraft({ ...EMPTY })}>
            Add an account
          </button>
        )
      )}
      <Confirmation note={note} />
    </div>
  );
}
