import { useState } from 'react';
import { stunServerSchema } from '../../../src-shared/engine-contract.js';
import type { Settings, SettingsUpdate } from '../../../src-shared/settings.js';
import { describeRelay } from '../network/relay-words.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import { SecretField } from '../ui/SecretField.js';
import { saveSettings } from './save-settings.js';
import { useStore } from '../state/store.js';
import type { SettingsSectionProps } from './section-props.js';

const POLICY_WORDS: Record<Settings['turnPolicy'], string> = {
  never: 'Never',
  symmetric: 'Only behind a symmetric NAT',
  always: 'Always',
};

/** The TURN relay for a symmetric NAT: server, user, password (write-only) and when to use it. */
export function TurnSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const relay = useStore(store, (s) => s.nat?.turn);
  const [server, setServer] = useState(settings.turnServer ?? '');
  const [user, setUser] = useState(settings.turnUser ?? '');
  const [password, setPassword] = useState('');
  const [policy, setPolicy] = useState(settings.turnPolicy);
  const serverValid = server === '' || stunServerSchema.safeParse(server).success;
  const complete = server !== '' && user !== '' && (password !== '' || settings.hasTurnPassword);

  const [note, confirm] = useConfirmation();
  const save = async (change: SettingsUpdate) => {
    const result = await saveSettings(store, change);
    if ('error' in result) {
      confirm(`Not saved: ${result.error}`, 'failed');
      return;
    }
    setPassword('');
    confirm(result.settings.turnServer ? 'Relay saved' : 'Saved: no relay');
  };

  return (
    <fieldset className="turn-settings settings-card" aria-labelledby={labelledBy}>
      <p className="muted settings-hint">
        A symmetric NAT gives every destination another port, so STUN cannot help: calls need a
        relay. Enter a TURN server (for example coturn) you have an account on.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!serverValid) return;
          void save({
            turnServer: server || null,
            turnUser: user || null,
            turnPolicy: policy,
            ...(password ? { turnPassword: password } : {}),
          });
        }}
      >
        <Field
          label="Server (host:port)"
          error={
            serverValid ? null : 'Type the relay as host:port, for example turn.example.net:3478.'
          }
        >
          {(control) => (
            <input
              {...control}
              value={server}
              placeholder="turn.example.net:3478"
              spellCheck={false}
              onChange={(event) => setServer(event.target.value.trim())}
            />
          )}
        </Field>
        <label>
          User
          <input value={user} onChange={(event) => setUser(event.target.value.trim())} />
        </label>
        <SecretField
          label="Password"
          saved={settings.hasTurnPassword}
          sessionOnly={!settings.secureStorage}
          value={password}
          onChange={setPassword}
        />
        <label>
          Use the relay
          <select
            value={policy}
            onChange={(event) => setPolicy(event.target.value as Settings['turnPolicy'])}
          >
            {(Object.keys(POLICY_WORDS) as Settings['turnPolicy'][]).map((key) => (
              <option key={key} value={key}>
                {POLICY_WORDS[key]}
              </option>
            ))}
          </select>
        </label>
        <div className="settings-submit">
          <button type="submit" disabled={!serverValid || (server !== '' && !complete)}>
            Save relay
          </button>
          <Confirmation note={note} />
        </div>
        {serverValid && server !== '' && !complete && (
          <p className="settings-hint">
            A relay needs its user and password before it can be saved.
          </p>
        )}
      </form>
      {settings.turnServer && (
        <p
          className={relay?.state === 'failed' ? 'warning' : 'muted'}
          role="status"
          aria-label="Relay status"
        >
          {describeRelay(relay)}
        </p>
      )}
    </fieldset>
  );
}
