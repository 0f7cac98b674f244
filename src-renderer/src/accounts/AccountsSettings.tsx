import { useState } from 'react';
import {
  accountSettingOf,
  FIRST_ACCOUNT_ID,
  MAX_AUTO_ANSWER_SECONDS,
  MAX_MORE_ACCOUNTS,
  type MoreAccount,
} from '../../../src-shared/accounts.js';
import {
  dtmfMethodSchema,
  type DtmfMethod,
  type SipTransport,
} from '../../../src-shared/domain.js';
import { DTMF_METHOD_WORDS } from '../settings/settings-model.js';
import { dialTargetSchema } from '../../../src-shared/engine-contract.js';
import { AccountVoicemail } from '../voicemail/AccountVoicemail.js';
import { doNotDisturbWords } from '../../../src-shared/do-not-disturb.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import { useStore } from '../state/store.js';
import { saveSettings } from '../settings/save-settings.js';
import type { SettingsSectionProps } from '../settings/section-props.js';
import { AccountRow } from './AccountRow.js';
import {
  DoNotDisturbChoice,
  doNotDisturbSaid,
  doNotDisturbValueOf,
  type DoNotDisturbValue,
} from './DoNotDisturbChoice.js';
import './accounts.css';

interface Draft extends DoNotDisturbValue {
  id: string | null;
  label: string;
  server: string;
  user: string;
  password: string;
  sipTransport: SipTransport;
  autoAnswerSeconds: string;
  /** Empty: the voicemail number in Settings. */
  voicemailNumber: string;
  /** Empty: the keypad digits' way in Settings → Calls. */
  dtmfMethod: DtmfMethod | '';
}

const EMPTY: Draft = {
  id: null,
  label: '',
  server: '',
  user: '',
  password: '',
  sipTransport: 'udp',
  doNotDisturb: false,
  doNotDisturbAction: 'busy',
  doNotDisturbForwardTo: null,
  autoAnswerSeconds: '0',
  voicemailNumber: '',
  dtmfMethod: '',
};

const draftOf = (more: MoreAccount): Draft => ({
  id: more.id,
  label: more.label,
  server: more.account.server,
  user: more.account.user,
  password: '',
  sipTransport: more.sipTransport,
  ...doNotDisturbValueOf(more),
  autoAnswerSeconds: String(more.autoAnswerSeconds),
  voicemailNumber: more.voicemailNumber ?? '',
  dtmfMethod: more.dtmfMethod ?? '',
});

/** What an account's row says of it besides where it registers. */
const notesOf = (
  setting: Parameters<typeof doNotDisturbWords>[0],
  autoAnswerSeconds: number,
  ownDtmfMethod?: DtmfMethod,
): Array<string | null> => [
  doNotDisturbWords(setting),
  autoAnswerSeconds > 0 ? `answers after ${autoAnswerSeconds} s` : null,
  ownDtmfMethod ? `keypad digits: ${DTMF_METHOD_WORDS[ownDtmfMethod].choice}` : null,
];

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
  const statusOf = (id: string) => accounts.find((account) => account.id === id);
  const stateOf = (id: string) => statusOf(id)?.registration ?? null;
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
    const voicemailNumber = draft.voicemailNumber.trim();
    if (voicemailNumber && !dialTargetSchema.safeParse(voicemailNumber).success) {
      setError('The voicemail number takes digits, * and # (up to 64), as you would dial them.');
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
      doNotDisturbAction: draft.doNotDisturbAction,
      doNotDisturbForwardTo: draft.doNotDisturbForwardTo,
      hasPassword: existing?.hasPassword ?? false,
      ...(voicemailNumber ? { voicemailNumber } : {}),
      ...(draft.dtmfMethod ? { dtmfMethod: draft.dtmfMethod } : {}),
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

  const changeDnd = (more: MoreAccount, next: DoNotDisturbValue) =>
    void save(
      settings.moreAccounts.map((other) => (other.id === more.id ? { ...other, ...next } : other)),
      {},
      doNotDisturbSaid(next, more.label),
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
        <AccountRow
          id={FIRST_ACCOUNT_ID}
          name={
            settings.account
              ? (settings.account.displayName ?? settings.account.user)
              : 'No account yet'
          }
          registration={first}
          notYet="Not registered"
          where={
            settings.account
              ? `${settings.account.user}@${settings.account.server}`
              : 'set it up under Account'
          }
          notes={notesOf(settings, settings.autoAnswerSeconds)}
          nat={statusOf(FIRST_ACCOUNT_ID)?.nat}
          voicemail={
            <AccountVoicemail
              voicemail={statusOf(FIRST_ACCOUNT_ID)?.voicemail}
              number={settings.voicemailNumber}
            />
          }
        >
          {/* In its own row, worded as the other accounts' form words it. */}
          <div className="account-auto-answer">
            <Field
              label="Answer by itself after (seconds)"
              hint="0: never, they ring until you answer. A call that comes in while you are on another call always waits for you."
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
          </div>
        </AccountRow>
        {settings.moreAccounts.map((more) => (
          <AccountRow
            key={more.id}
            id={more.id}
            name={more.label}
            registration={stateOf(more.id)}
            notYet="Starting…"
            where={`${more.account.user}@${more.account.server}`}
            notes={notesOf(more, more.autoAnswerSeconds, more.dtmfMethod)}
            nat={statusOf(more.id)?.nat}
            voicemail={
              <AccountVoicemail
                voicemail={statusOf(more.id)?.voicemail}
                number={accountSettingOf(settings, more.id, 'voicemailNumber')}
              />
            }
          >
            <DoNotDisturbChoice
              setting={more}
              accountLabel={more.label}
              onChange={(next) => changeDnd(more, next)}
            />
            <button
              type="button"
              aria-label={`Edit ${more.label}`}
              onClick={() => setDraft(draftOf(more))}
            >
              Edit
            </button>
            <button type="button" aria-label={`Remove ${more.label}`} onClick={() => remove(more)}>
              Remove
            </button>
          </AccountRow>
        ))}
      </ul>
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
          <DoNotDisturbChoice
            setting={draft}
            accountLabel={draft.label || 'this account'}
            onChange={(next) => setDraft({ ...draft, ...next })}
            hint="Nothing rings for this account while it is on."
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
          <Field
            label="Voicemail number"
            hint={`What the Voicemail button calls for this account. Empty: ${settings.voicemailNumber}, as set under Calls.`}
          >
            {(control) => (
              <input
                {...control}
                inputMode="tel"
                autoComplete="off"
                value={draft.voicemailNumber}
                placeholder={settings.voicemailNumber}
                onChange={(event) => setDraft({ ...draft, voicemailNumber: event.target.value })}
              />
            )}
          </Field>
          <Field
            label="Keypad digits during a call"
            hint="Match this sub-account's DTMF mode in the voip.ms portal. “As in Settings → Calls” follows the setting there."
          >
            {(control) => (
              <select
                {...control}
                value={draft.dtmfMethod}
                onChange={(event) =>
                  setDraft({ ...draft, dtmfMethod: event.target.value as DtmfMethod | '' })
                }
              >
                <option value="">
                  As in Settings → Calls ({DTMF_METHOD_WORDS[settings.dtmfMethod].choice})
                </option>
                {dtmfMethodSchema.options.map((method) => (
                  <option key={method} value={method}>
                    {DTMF_METHOD_WORDS[method].choice}
                  </option>
                ))}
              </select>
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
