import { useState } from 'react';
import { stunServerSchema } from '../../../src-shared/engine-contract.js';
import type { Settings } from '../../../src-shared/settings.js';
import { describeRelay } from '../network/relay-words.js';
import { SecretField } from '../ui/SecretField.js';
import { useFieldError } from '../ui/field-error.js';
import { useStore, type Store } from '../state/store.js';

const POLICY_WORDS: Record<Settings['turnPolicy'], string> = {
  never: 'Never',
  symmetric: 'Only behind a symmetric NAT',
  always: 'Always',
};

/** The TURN relay for a symmetric NAT: server, user, password (write-only) and when to use it. */
export function TurnSettings({ store, settings }: { store: Store; settings: Settings }) {
  const relay = useStore(store, (s) => s.nat?.turn);
  const [server, setServer] = useState(settings.turnServer ?? '');
  const [user, setUser] = useState(settings.turnUser ?? '');
  const [password, setPassword] = useState('');
  const [policy, setPolicy] = useState(settings.turnPolicy);
  const serverValid = server === '' || stunServerSchema.safeParse(server).success;
  const serverError = useFieldError(
    serverValid ? null : 'Not a server address: write host:port, like turn.example.net:3478.',
  );
  const complete = server !== '' && user !== '' && (password !== '' || settings.hasTurnPassword);

  const save = async (change: Parameters<typeof store.bridge.invoke<'saveSettings'>>[1]) => {
    const result = await store.act(() => store.bridge.invoke('saveSettings', change));
    if (result) {
      store.setSettings(result);
      setPassword('');
    }
  };

  return (
    <fieldset className="turn-settings">
      <legend>TURN relay</legend>
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
        <label>
          Server (host:port)
          <input
            value={server}
            placeholder="turn.example.net:3478"
            {...serverError.fieldProps}
            onChange={(event) => setServer(event.target.value.trim())}
          />
        </label>
        {serverError.message}
        <label>
          User
          <input value={user} onChange={(event) => setUser(event.target.value.trim())} />
        </label>
        <SecretField
          label="Password"
          saved={settings.hasTurnPassword}
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
        <button type="submit" disabled={!serverValid || (server !== '' && !complete)}>
          Save relay
        </button>
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
