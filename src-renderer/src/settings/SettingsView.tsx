import { useEffect, useId, useRef, useState } from 'react';
import { STUN_PRESETS, VOIPMS_SERVERS, type Settings } from '../../../src-shared/settings.js';
import { stunServerSchema } from '../../../src-shared/engine-contract.js';
import {
  MAX_PROBED_SERVERS,
  sipServerSchema,
  type ServerProbe,
  type StunServerTest,
} from '../../../src-shared/ipc-contract.js';
import { AudioSettings } from './AudioSettings.js';
import { SecretField } from '../ui/SecretField.js';
import { TurnSettings } from './TurnSettings.js';
import { CallSettings } from './CallSettings.js';
import { useStore, type Store } from '../state/store.js';
import './settings.css';

export function SettingsView({ store }: { store: Store }) {
  const settings = useStore(store, (s) => s.settings);
  if (!settings) return <p className="muted">Loading settings…</p>;
  return <SettingsForm store={store} settings={settings} />;
}

/** The typed server, the saved one and every voip.ms POP, each once, as "Nearest" probes them. */
function serversToProbe(typed: string, saved: string | undefined): string[] {
  const seen = new Set<string>();
  const servers: string[] = [];
  for (const candidate of [typed.trim(), saved ?? '', ...VOIPMS_SERVERS]) {
    const key = candidate.toLowerCase();
    if (seen.has(key) || !sipServerSchema.safeParse(candidate).success) continue;
    seen.add(key);
    servers.push(candidate);
  }
  return servers.slice(0, MAX_PROBED_SERVERS);
}

/** Answered servers fastest first, then the silent ones in the order they were asked. */
function byRoundTrip(results: ServerProbe[]): ServerProbe[] {
  const answered = results.filter((result) => result.rttMs !== null);
  answered.sort((a, b) => (a.rttMs ?? 0) - (b.rttMs ?? 0));
  return [...answered, ...results.filter((result) => result.rttMs === null)];
}

type AnsweredProbe = ServerProbe & { rttMs: number };

function fastestOf(results: ServerProbe[]): AnsweredProbe | null {
  const first = byRoundTrip(results)[0];
  return first && first.rttMs !== null ? { ...first, rttMs: first.rttMs } : null;
}

function formatRtt(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type StunTestState = StunServerTest | 'testing';
type MoveDirection = 'up' | 'down';

function SettingsForm({ store, settings }: { store: Store; settings: Settings }) {
  const [server, setServer] = useState(settings.account?.server ?? 'montreal.voip.ms');
  const [user, setUser] = useState(settings.account?.user ?? '');
  const [displayName, setDisplayName] = useState(settings.account?.displayName ?? '');
  const [password, setPassword] = useState('');
  const [stunServers, setStunServers] = useState(settings.stunServers);
  const [custom, setCustom] = useState('');
  const [keepalive, setKeepalive] = useState(settings.keepaliveSeconds);
  const [saved, setSaved] = useState<string | null>(null);
  const [probing, setProbing] = useState(false);
  const [probes, setProbes] = useState<ServerProbe[] | null>(null);
  const [stunTests, setStunTests] = useState<Record<string, StunTestState>>({});
  useEffect(() => setStunServers(settings.stunServers), [settings.stunServers]);
  const serverInputId = useId();
  const stunListRef = useRef<HTMLOListElement>(null);
  const focusAfterMove = useRef<{ server: string; direction: MoveDirection } | null>(null);
  // Each STUN change saves the whole list; only the latest save's answer may update the form.
  const latestStunSave = useRef(0);

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
    const save = ++latestStunSave.current;
    // saveSettings stores the order and hands it to the engine, which re-checks the NAT at once.
    const result = await store.act(() =>
      store.bridge.invoke('saveSettings', { stunServers: servers }),
    );
    if (save !== latestStunSave.current) return;
    if (result) {
      store.setSettings(result);
      setSaved(`Now using ${servers[0] ?? 'no STUN server'}`);
    } else {
      setStunServers(store.getState().settings?.stunServers ?? settings.stunServers);
    }
  };

  const moveStun = (index: number, direction: MoveDirection) => {
    const target = direction === 'up' ? index - 1 : index + 1;
    const moved = stunServers[index];
    const displaced = stunServers[target];
    if (moved === undefined || displaced === undefined) return;
    const next = [...stunServers];
    next[target] = moved;
    next[index] = displaced;
    focusAfterMove.current = { server: moved, direction };
    void applyStun(next);
  };

  // Moving a row re-inserts its element, which drops keyboard focus: put it back on the moved
  // server's button, or on its other arrow once it reached the end of the list.
  useEffect(() => {
    const pending = focusAfterMove.current;
    const list = stunListRef.current;
    if (!pending || !list) return;
    focusAfterMove.current = null;
    const buttonOf = (direction: MoveDirection) =>
      Array.from(list.querySelectorAll<HTMLButtonElement>('button[data-move]')).find(
        (button) => button.dataset.server === pending.server && button.dataset.move === direction,
      );
    const same = buttonOf(pending.direction);
    (same && !same.disabled ? same : buttonOf(pending.direction === 'up' ? 'down' : 'up'))?.focus();
  }, [stunServers]);

  const testStun = async (stun: string) => {
    setStunTests((tests) => ({ ...tests, [stun]: 'testing' }));
    const result = await store.act(() => store.bridge.invoke('testStunServer', { server: stun }));
    setStunTests((tests) => {
      const rest = { ...tests };
      delete rest[stun];
      return result ? { ...rest, [stun]: result } : rest;
    });
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
    <section className="settings" aria-label="Settings">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void saveAccount();
        }}
      >
        <fieldset id="account-settings">
          <legend>voip.ms account</legend>
          <div className="settings-server">
            <label htmlFor={serverInputId}>Server</label>
            <div className="settings-server-row">
              <input
                id={serverInputId}
                list="pops"
                value={server}
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
          <label>
            Sub-account user
            <input
              value={user}
              placeholder="123456_home"
              aria-invalid={user !== '' && !userValid}
              onChange={(event) => setUser(event.target.value.trim())}
            />
          </label>
          <SecretField
            label="Password"
            saved={settings.hasPassword}
            value={password}
            onChange={setPassword}
          />
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
      <fieldset id="stun-settings">
        <legend>STUN servers</legend>
        <p className="settings-hint">The first server is the active one; the others stand by.</p>
        <ol className="stun-list" ref={stunListRef}>
          {stunServers.map((stun, index) => {
            const test = stunTests[stun];
            return (
              <li key={stun} className={`settings-stun-row${index === 0 ? ' active' : ''}`}>
                <span className="settings-stun-name">{stun}</span>
                {index === 0 && <em>active</em>}
                <div className="settings-stun-actions">
                  {index > 0 && (
                    <button
                      type="button"
                      className="settings-small"
                      onClick={() =>
                        void applyStun([stun, ...stunServers.filter((s) => s !== stun)])
                      }
                    >
                      Use
                    </button>
                  )}
                  <button
                    type="button"
                    className="settings-small"
                    aria-label={`Test ${stun}`}
                    aria-disabled={test === 'testing'}
                    onClick={() => {
                      if (test !== 'testing') void testStun(stun);
                    }}
                  >
                    Test
                  </button>
                  <span className="settings-stun-spacer" />
                  <button
                    type="button"
                    className="settings-small settings-icon"
                    aria-label={`Move ${stun} up`}
                    data-move="up"
                    data-server={stun}
                    disabled={index === 0}
                    onClick={() => moveStun(index, 'up')}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="settings-small settings-icon"
                    aria-label={`Move ${stun} down`}
                    data-move="down"
                    data-server={stun}
                    disabled={index === stunServers.length - 1}
                    onClick={() => moveStun(index, 'down')}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="settings-small settings-icon"
                    aria-label={`Remove ${stun}`}
                    onClick={() => void applyStun(stunServers.filter((s) => s !== stun))}
                  >
                    ✕
                  </button>
                </div>
                <p
                  className={`settings-stun-result${test && test !== 'testing' && test.error ? ' failed' : ''}`}
                  role="status"
                >
                  {test === 'testing'
                    ? 'Testing…'
                    : test?.error
                      ? sentence(test.error)
                      : test?.mapped && test.rttMs !== null
                        ? `Answered in ${formatRtt(test.rttMs)} · sees you as ${test.mapped.address}:${test.mapped.port}`
                        : null}
                </p>
              </li>
            );
          })}
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
      <TurnSettings store={store} settings={settings} />
      <AudioSettings store={store} settings={settings} />
      <CallSettings store={store} settings={settings} />
      {saved && (
        <p className="saved" role="status">
          {saved}
        </p>
      )}
    </section>
  );
}
