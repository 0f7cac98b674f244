import { useEffect, useState } from 'react';
import { STUN_PRESETS, VOIPMS_SERVERS, type Settings } from '../../src-shared/settings.js';
import { stunServerSchema } from '../../src-shared/engine-contract.js';
import { useStore, type Store } from './store.js';

export function SettingsView({ store }: { store: Store }) {
  const settings = useStore(store, (s) => s.settings);
  if (!settings) return <p className="muted">Loading settings…</p>;
  return <SettingsForm store={store} settings={settings} />;
}

function SettingsForm({ store, settings }: { store: Store; settings: Settings }) {
  const [server, setServer] = useState(settings.account?.server ?? 'montreal.voip.ms');
  const [user, setUser] = useState(settings.account?.user ?? '');
  const [displayName, setDisplayName] = useState(settings.account?.displayName ?? '');
  const [password, setPassword] = useState('');
  const [stunServers, setStunServers] = useState(settings.stunServers);
  const [custom, setCustom] = useState('');
  const [keepalive, setKeepalive] = useState(settings.keepaliveSeconds);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => setStunServers(settings.stunServers), [settings.stunServers]);

  const userValid = /^\d{6}_[A-Za-z0-9_.-]+$|^[A-Za-z0-9_.-]+$/.test(user);
  const customValid = custom === '' || stunServerSchema.safeParse(custom).success;

  const saveAccount = async () => {
    const result = await store.act(() =>
      store.bridge.invoke('saveSettings', {
        account: { server, user, ...(displayName ? { displayName } : {}) },
        ...(password ? { password } : {}),
        keepaliveSeconds: keepalive,
      }),
    );
    if (result) {
      store.setSettings(result);
      setPassword('');
      setSaved('Account saved');
    }
  };
  const applyStun = async (servers: string[]) => {
    setStunServers(servers);
    const result = await store.act(() => store.bridge.invoke('setStunServers', { servers }));
    if (result) setSaved(`Now using ${servers[0] ?? 'no STUN server'}`);
  };

  return (
    <section className="settings" aria-label="Settings">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void saveAccount();
        }}
      >
        <fieldset>
          <legend>voip.ms account</legend>
          <label>
            Server
            <input list="pops" value={server} onChange={(event) => setServer(event.target.value)} />
            <datalist id="pops">
              {VOIPMS_SERVERS.map((pop) => (
                <option key={pop} value={pop} />
              ))}
            </datalist>
          </label>
          <label>
            Sub-account user
            <input
              value={user}
              placeholder="123456_home"
              aria-invalid={user !== '' && !userValid}
              onChange={(event) => setUser(event.target.value.trim())}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              value={password}
              placeholder={settings.hasPassword ? 'saved (leave empty to keep)' : ''}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
          <label>
            Display name
            <input value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
          </label>
          <label>
            Keepalive (seconds)
            <input
              type="number"
              min={0}
              max={300}
              value={keepalive}
              onChange={(event) => setKeepalive(Number(event.target.value))}
            />
          </label>
          <button type="submit" disabled={!user || !userValid}>
            Save and register
          </button>
        </fieldset>
      </form>
      <fieldset>
        <legend>STUN servers</legend>
        <ol className="stun-list">
          {stunServers.map((stun, index) => (
            <li key={stun} className={index === 0 ? 'active' : ''}>
              <span>{stun}</span>
              {index === 0 ? (
                <em>active</em>
              ) : (
                <button
                  type="button"
                  onClick={() => void applyStun([stun, ...stunServers.filter((s) => s !== stun)])}
                >
                  Use
                </button>
              )}
              <button
                type="button"
                aria-label={`Remove ${stun}`}
                onClick={() => void applyStun(stunServers.filter((s) => s !== stun))}
              >
                ✕
              </button>
            </li>
          ))}
        </ol>
        <div className="presets">
          {STUN_PRESETS.filter((preset) => !stunServers.includes(preset.server)).map((preset) => (
            <button
              key={preset.server}
              type="button"
              onClick={() => void applyStun([...stunServers, preset.server])}
            >
              Add {preset.name}
            </button>
          ))}
        </div>
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            if (custom && customValid) {
              void applyStun([custom, ...stunServers.filter((s) => s !== custom)]);
              setCustom('');
            }
          }}
        >
          <label>
            Custom server (host:port)
            <input
              value={custom}
              aria-invalid={!customValid}
              onChange={(event) => setCustom(event.target.value.trim())}
            />
          </label>
          <button type="submit" disabled={!custom || !customValid}>
            Use this one
          </button>
        </form>
      </fieldset>
      {saved && (
        <p className="saved" role="status">
          {saved}
        </p>
      )}
    </section>
  );
}
