import { useState } from 'react';
import type { ServerProbe } from '../../../src-shared/ipc-contract.js';
import { VOIPMS_SERVERS } from '../../../src-shared/settings.js';
import {
  accountSavedWords,
  checkServer,
  checkUser,
  isRegistrationOf,
  registrationProblem,
  registrationStatus,
} from '../first-run/account-model.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import { SecretField } from '../ui/SecretField.js';
import { useStore } from '../state/store.js';
import { saveSettings } from './save-settings.js';
import { byRoundTrip, fastestOf, formatRtt, serversToProbe } from './server-probe-model.js';
import type { SettingsSectionProps } from './section-props.js';

/** The voip.ms account: server (with "Nearest"), sub-account user, SIP password, display name. */
export function AccountSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const registration = useStore(store, (s) => s.registration);
  const [server, setServer] = useState(settings.account?.server ?? 'montreal.voip.ms');
  const [user, setUser] = useState(settings.account?.user ?? '');
  const [displayName, setDisplayName] = useState(settings.account?.displayName ?? '');
  const [password, setPassword] = useState('');
  const [probing, setProbing] = useState(false);
  const [probes, setProbes] = useState<ServerProbe[] | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const [note, confirm] = useConfirmation();

  const serverError = checkServer(server);
  const userError = user === '' && !submitted ? null : checkUser(user, server);
  // What the registrar said, under the field it concerns, while that field still holds what
  // was registered (a new password typed, or another server or user, hides it).
  const registered = isRegistrationOf(registration, { server: server.trim(), user });
  const problem = registered ? registrationProblem(registration) : null;
  const problemFor = (field: 'server' | 'user' | 'password') =>
    problem?.field === field && !(field === 'password' && password !== '') ? problem.text : null;
  const status = registered ? registrationStatus(registration) : null;

  const saveAccount = async () => {
    setSubmitted(true);
    if (serverError || checkUser(user, server)) return;
    const result = await saveSettings(store, {
      account: {
        server: server.trim(),
        user,
        ...(displayName ? { displayName } : {}),
      },
      ...(password ? { password } : {}),
    });
    if ('error' in result) {
      confirm(`Not saved: ${result.error}`, 'failed');
      return;
    }
    setPassword('');
    const saved = accountSavedWords(result.settings.hasPassword);
    confirm(saved.text, saved.warning ? 'warning' : 'done');
  };

  const findNearest = async () => {
    setProbing(true);
    const servers = serversToProbe(server, settings.account?.server);
    const results = await store.act(() => store.bridge.invoke('probeServers', { servers }));
    setProbing(false);
    if (!results) return;
    setProbes(results);
    const fastest = fastestOf(results);
    if (fastest) setServer(fastest.server);
  };

  const nearest = probes ? fastestOf(probes) : null;
  const probeSummary = probing
    ? 'Measuring the round trip to each server…'
    : !probes
      ? null
      : nearest
        ? `Nearest: ${nearest.server} (${formatRtt(nearest.rttMs)}). Save to use it.`
        : 'No server answered.';

  return (
    <form
      className="settings-card"
      aria-labelledby={labelledBy}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void saveAccount();
      }}
    >
      <div className="settings-server">
        <Field label="Server" error={serverError ?? problemFor('server')}>
          {(control) => (
            <div className="settings-server-row">
              <input
                {...control}
                list="pops"
                value={server}
                autoComplete="off"
                spellCheck={false}
                onChange={(event) => setServer(event.target.value)}
              />
              {/* aria-disabled, not disabled: a disabled button drops keyboard focus. */}
              <button
                type="button"
                aria-disabled={probing}
                aria-busy={probing}
                title="Measure the round trip to each voip.ms server and pick the fastest"
                onClick={() => {
                  if (!probing) void findNearest();
                }}
              >
                {probing ? 'Measuring…' : 'Nearest'}
              </button>
            </div>
          )}
        </Field>
        <datalist id="pops">
          {VOIPMS_SERVERS.map((pop) => (
            <option key={pop} value={pop} />
          ))}
        </datalist>
        {probeSummary && (
          <p className="settings-probe-summary" role="status">
            {probeSummary}
          </p>
        )}
        {probes && !probing && (
          <ul className="settings-probe-list" aria-label="Round trip to each server">
            {byRoundTrip(probes).map((probe) => (
              <li key={probe.server}>
                {probe.rttMs === null ? (
                  <span className="settings-probe-cell silent" title={probe.error ?? ''}>
                    <span className="settings-probe-name">{probe.server}</span>
                    <span className="settings-probe-rtt">no answer</span>
                    <span className="visually-hidden">: {probe.error}</span>
                  </span>
                ) : (
                  <button
                    type="button"
                    className="settings-probe-cell"
                    aria-pressed={probe.server === server}
                    onClick={() => setServer(probe.server)}
                  >
                    <span className="settings-probe-name">{probe.server}</span>
                    <span className="settings-probe-rtt">{formatRtt(probe.rttMs)}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
      <Field
        label="Sub-account user"
        hint="Under Sub Accounts in the voip.ms portal: your 6-digit account number, an underscore and the sub-account’s name, for example 123456_home."
        error={userError ?? problemFor('user')}
      >
        {(control) => (
          <input
            {...control}
            value={user}
            placeholder="123456_home"
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setUser(event.target.value.trim())}
          />
        )}
      </Field>
      <SecretField
        label="SIP password"
        saved={settings.hasPassword}
        sessionOnly={!settings.secureStorage}
        value={password}
        onChange={setPassword}
        hint={
          settings.hasPassword
            ? `The sub-account’s SIP password, not the voip.ms portal login. Leave empty to keep the ${settings.secureStorage ? 'saved one' : 'one you gave'}.`
            : 'The sub-account’s SIP password, not the voip.ms portal login. None is saved: the account cannot register without it.'
        }
        error={problemFor('password')}
      />
      <Field
        label="Display name"
        hint="Shown to the people you call, where their phone shows names."
      >
        {(control) => (
          <input
            {...control}
            value={displayName}
            onChange={(event) => setDisplayName(event.target.value)}
          />
        )}
      </Field>
      <div className="settings-submit">
        <button type="submit">Save and register</button>
        <Confirmation note={note} />
      </div>
      {status && (
        <p className={`settings-registration ${status.tone}`} role="status">
          <span className="dot" aria-hidden="true" />
          {status.text}
          {problem && problem.field === null ? ` ${problem.text}` : ''}
        </p>
      )}
    </form>
  );
}
