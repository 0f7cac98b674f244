import { useEffect, useRef, useState } from 'react';
import type { Registration } from '../../../src-shared/domain.js';
import type { ServerProbe } from '../../../src-shared/ipc-contract.js';
import { VOIPMS_SERVERS } from '../../../src-shared/settings.js';
import {
  byRoundTrip,
  fastestOf,
  formatRtt,
  serversToProbe,
} from '../settings/server-probe-model.js';
import { Field } from '../ui/Field.js';
import { SecretField } from '../ui/SecretField.js';
import { useStore, type Store } from '../state/store.js';
import {
  checkAccountForm,
  firstInvalid,
  isRegistrationOf,
  registrationProblem,
  type AccountField,
  type FieldErrors,
} from './account-model.js';
import './first-run.css';

/** The server select's choice for a server that is not a voip.ms POP (a PBX, the lab). */
const ANOTHER_SERVER = 'another';
const DEFAULT_SERVER = 'montreal.voip.ms';
const FIELD_NAMES: Record<AccountField, string> = {
  server: 'the server',
  user: 'the sub-account user',
  password: 'the SIP password',
};

type Attempt = { server: string; user: string; before: Registration };

/**
 * The set-up screen of a first start: server (nearest preselected), sub-account user and its SIP
 * password, then the registration's outcome right here, with the next steps once it worked.
 */
export function FirstRun({
  store,
  onDone,
}: {
  store: Store;
  onDone: (next: 'doctor' | 'dialer') => void;
}) {
  const registration = useStore(store, (s) => s.registration);
  const secureStorage = useStore(store, (s) => s.settings?.secureStorage ?? true);
  const [choice, setChoice] = useState<string>(DEFAULT_SERVER);
  const [otherServer, setOtherServer] = useState('');
  const [serverTouched, setServerTouched] = useState(false);
  const [probes, setProbes] = useState<ServerProbe[] | null>(null);
  const [user, setUser] = useState('');
  const [userBlurred, setUserBlurred] = useState(false);
  const [password, setPassword] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const [editedSinceAttempt, setEditedSinceAttempt] = useState<ReadonlySet<AccountField>>(
    new Set(),
  );
  const [saveError, setSaveError] = useState<string | null>(null);
  const refs = {
    server: useRef<HTMLSelectElement>(null),
    other: useRef<HTMLInputElement>(null),
    user: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
  };
  const outcomeRef = useRef<HTMLDivElement>(null);
  const serverChoiceTouched = useRef(false);
  serverChoiceTouched.current = serverTouched;

  // Measure the round trip to every POP once, and preselect the fastest unless one was chosen.
  useEffect(() => {
    let current = true;
    void store
      .act(() => store.bridge.invoke('probeServers', { servers: serversToProbe('', undefined) }))
      .then((results) => {
        if (!current || !results) return;
        setProbes(results);
        const fastest = fastestOf(results);
        if (fastest && !serverChoiceTouched.current) setChoice(fastest.server);
      });
    return () => {
      current = false;
    };
  }, [store]);

  const server = choice === ANOTHER_SERVER ? otherServer.trim() : choice;
  const form = { server, user, password, passwordSaved: false };
  const checks = checkAccountForm(form, true);
  const shownChecks: FieldErrors = submitted
    ? checks
    : userBlurred && checks.user && user !== ''
      ? { user: checks.user }
      : {};

  // The outcome shown is the attempt's own: a registration event from before it does not count.
  const outcome: Registration['state'] | null = !attempt
    ? null
    : registration !== attempt.before && isRegistrationOf(registration, attempt)
      ? registration.state
      : 'registering';
  const problem = outcome === 'failed' ? registrationProblem(registration) : null;
  const errors: FieldErrors = { ...shownChecks };
  if (problem?.field && !editedSinceAttempt.has(problem.field)) {
    errors[problem.field] ??= problem.text;
  }

  // Once the outcome is known, take the keyboard to it: the field concerned, or the result.
  useEffect(() => {
    if (outcome === 'failed' && problem?.field) {
      focusField(problem.field);
    } else if (outcome === 'registered' || outcome === 'failed') {
      outcomeRef.current?.focus();
    }
    // Only a change of outcome moves focus, not every render.
  }, [outcome]);

  function focusField(field: AccountField) {
    if (field === 'server') {
      (choice === ANOTHER_SERVER ? refs.other : refs.server).current?.focus();
    } else {
      refs[field].current?.focus();
    }
  }

  const edited = (field: AccountField) => {
    if (!editedSinceAttempt.has(field)) {
      setEditedSinceAttempt(new Set([...editedSinceAttempt, field]));
    }
  };

  const register = async () => {
    setSubmitted(true);
    const invalid = firstInvalid(checks);
    if (invalid) {
      focusField(invalid);
      return;
    }
    setSaveError(null);
    setEditedSinceAttempt(new Set());
    setAttempt({ server, user, before: store.getState().registration });
    const saved = await store.act(() =>
      store.bridge.invoke('saveSettings', { account: { server, user }, password }),
    );
    // The typed password stays in its (masked) field: "Try again" after a timeout resends it.
    if (saved) {
      store.setSettings(saved);
    } else {
      setAttempt(null);
      setSaveError(store.getState().error ?? 'The account could not be saved.');
      store.clearError();
    }
  };

  const busy = outcome === 'registering';
  const probeHint = !probes
    ? 'Measuring the round trip to each voip.ms server…'
    : fastestOf(probes)
      ? `Nearest to you: ${fastestOf(probes)?.server} (${formatRtt(fastestOf(probes)?.rttMs ?? 0)}), chosen for you.`
      : 'No server answered the round-trip test: choose the city nearest to you.';
  // Round trips beside the names only when some server answered: "no answer" on every line
  // says nothing the hint does not.
  const options: Array<{ server: string; rttMs?: number | null }> =
    probes && fastestOf(probes)
      ? byRoundTrip(probes)
      : VOIPMS_SERVERS.map((pop) => ({ server: pop }));
  const registeredAsTyped = outcome === 'registered' && editedSinceAttempt.size === 0;

  // The page's main landmark: before there is an account there is no header or tab bar around it.
  return (
    <main className="first-run">
      <div className="first-run-head">
        <span className="logo" aria-hidden="true" />
        <div>
          <h1>Set up Natter</h1>
          <p className="muted">Connect your voip.ms sub-account to make and take calls.</p>
        </div>
      </div>
      <p className="first-run-intro">
        Open the voip.ms portal at <strong>Sub Accounts</strong>: you need the sub-account’s user
        and its SIP password.
      </p>
      <form
        className="first-run-form"
        aria-label="voip.ms account"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) void register();
        }}
      >
        <Field
          label="Server"
          hint={choice === ANOTHER_SERVER ? null : probeHint}
          error={choice === ANOTHER_SERVER ? null : errors.server}
        >
          {(control) => (
            <select
              {...control}
              ref={refs.server}
              value={choice}
              onChange={(event) => {
                setServerTouched(true);
                setChoice(event.target.value);
                edited('server');
              }}
            >
              {options.map((option) => (
                <option key={option.server} value={option.server}>
                  {option.server}
                  {option.rttMs === undefined
                    ? ''
                    : option.rttMs === null
                      ? ' · no answer'
                      : ` · ${formatRtt(option.rttMs)}`}
                </option>
              ))}
              <option value={ANOTHER_SERVER}>Another server…</option>
            </select>
          )}
        </Field>
        {choice === ANOTHER_SERVER && (
          <Field
            label="Server address"
            hint="A host name or address, with :port if it is not 5060."
            error={errors.server}
          >
            {(control) => (
              <input
                {...control}
                ref={refs.other}
                value={otherServer}
                placeholder="sip.example.net:5060"
                autoComplete="off"
                spellCheck={false}
                onChange={(event) => {
                  setOtherServer(event.target.value);
                  edited('server');
                }}
              />
            )}
          </Field>
        )}
        <Field
          label="Sub-account user"
          hint={
            <>
              Under <strong>Sub Accounts</strong> in the voip.ms portal: your 6-digit account
              number, an underscore, then the sub-account’s name, for example{' '}
              <code>123456_home</code>.
            </>
          }
          error={errors.user}
        >
          {(control) => (
            <input
              {...control}
              ref={refs.user}
              value={user}
              placeholder="123456_home"
              autoComplete="username"
              spellCheck={false}
              onBlur={() => setUserBlurred(true)}
              onChange={(event) => {
                setUser(event.target.value.trim());
                edited('user');
              }}
            />
          )}
        </Field>
        <SecretField
          label="SIP password"
          saved={false}
          sessionOnly={!secureStorage}
          value={password}
          inputRef={refs.password}
          onChange={(value) => {
            setPassword(value);
            edited('password');
          }}
          // A refusal under the field already says which password it wants: not said twice.
          hint={
            errors.password
              ? undefined
              : 'The password you gave this sub-account. It is not the password you log in to the voip.ms portal with.'
          }
          error={errors.password}
        />
        {!registeredAsTyped && (
          <div className="first-run-actions">
            <button type="submit" className="primary" aria-disabled={busy}>
              {busy
                ? 'Registering…'
                : outcome === 'failed'
                  ? 'Try again'
                  : outcome === 'registered'
                    ? 'Register again'
                    : 'Register'}
            </button>
          </div>
        )}
      </form>
      <div className="first-run-outcome" aria-live="polite">
        {saveError && (
          <div className="first-run-result red" ref={outcomeRef} tabIndex={-1}>
            <strong>Not saved</strong>
            <p>{saveError}</p>
          </div>
        )}
        {attempt && outcome === 'registering' && (
          <div className="first-run-result amber">
            <strong>
              <span className="first-run-spinner" aria-hidden="true" />
              Registering…
            </strong>
            <p>
              Asking {attempt.server} to accept {attempt.user}. This takes a few seconds.
            </p>
          </div>
        )}
        {attempt && outcome === 'failed' && problem && (
          <div className="first-run-result red" ref={outcomeRef} tabIndex={-1}>
            <strong>Not registered</strong>
            <p>
              {problem.field
                ? `What went wrong is said under ${FIELD_NAMES[problem.field]}.`
                : problem.text}
            </p>
          </div>
        )}
        {attempt && outcome === 'registered' && (
          <div className="first-run-result green" ref={outcomeRef} tabIndex={-1}>
            <strong>Registered</strong>
            <p>
              {attempt.user} is registered with {attempt.server}: calls can come in and go out.
            </p>
            <p className="muted">
              Check my connection places two short test calls to the voip.ms echo service, to see
              that audio gets through your router both ways. It takes about a minute.
            </p>
            <div className="first-run-next">
              <button type="button" className="primary" onClick={() => onDone('doctor')}>
                Check my connection
              </button>
              <button type="button" onClick={() => onDone('dialer')}>
                Start calling
              </button>
            </div>
          </div>
        )}
      </div>
    </main>
  );
}
