import { useEffect, useRef, useState } from 'react';
import { stunServerSchema } from '../../../src-shared/engine-contract.js';
import type { StunServerTest } from '../../../src-shared/ipc-contract.js';
import { STUN_PRESETS } from '../../../src-shared/settings.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { Field } from '../ui/Field.js';
import { Switch } from '../ui/Switch.js';
import { saveSettings } from './save-settings.js';
import { formatRtt } from './server-probe-model.js';
import {
  automaticKeepalive,
  checkKeepalive,
  KEEPALIVE_MAX_SECONDS,
  keepaliveSaved,
  stunSwitchSaved,
} from './settings-model.js';
import type { SettingsSectionProps } from './section-props.js';

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type StunTestState = StunServerTest | 'testing';
type MoveDirection = 'up' | 'down';

/** STUN on or off, its servers in order (each testable), and the NAT keepalive. */
export function StunSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const [stunServers, setStunServers] = useState(settings.stunServers);
  const [custom, setCustom] = useState('');
  const [keepalive, setKeepalive] = useState(
    settings.keepaliveSeconds === null ? '' : String(settings.keepaliveSeconds),
  );
  const [keepaliveSubmitted, setKeepaliveSubmitted] = useState(false);
  const [stunTests, setStunTests] = useState<Record<string, StunTestState>>({});
  const [switchNote, confirmSwitch] = useConfirmation();
  const [listNote, confirmList] = useConfirmation();
  const [keepaliveNote, confirmKeepalive] = useConfirmation();
  useEffect(() => setStunServers(settings.stunServers), [settings.stunServers]);
  const stunListRef = useRef<HTMLOListElement>(null);
  const focusAfterMove = useRef<{ server: string; direction: MoveDirection } | null>(null);
  // Each STUN change saves the whole list; only the latest save's answer may update the form.
  const latestStunSave = useRef(0);

  const customError =
    custom === '' || stunServerSchema.safeParse(custom).success
      ? null
      : 'Type a server as host:port, for example stun.example.net:3478.';
  const keepaliveCheck = checkKeepalive(keepalive);

  const applyStun = async (servers: string[]) => {
    setStunServers(servers);
    const save = ++latestStunSave.current;
    // saveSettings stores the order and hands it to the engine, which re-checks the NAT at once.
    const result = await saveSettings(store, { stunServers: servers });
    if (save !== latestStunSave.current) return;
    if ('settings' in result) {
      confirmList(`Now using ${servers[0] ?? 'no STUN server'}`);
    } else {
      setStunServers(store.getState().settings?.stunServers ?? settings.stunServers);
      confirmList(`Not saved: ${result.error}`, 'failed');
    }
  };

  const switchStun = async (enabled: boolean) => {
    const result = await saveSettings(store, { stunEnabled: enabled });
    if ('settings' in result) confirmSwitch(stunSwitchSaved(result.settings));
    else confirmSwitch(`Not saved: ${result.error}`, 'failed');
  };

  const saveKeepalive = async () => {
    setKeepaliveSubmitted(true);
    if (!keepaliveCheck.valid) return;
    const seconds = keepaliveCheck.seconds;
    const result = await saveSettings(store, { keepaliveSeconds: seconds });
    if ('settings' in result) confirmKeepalive(keepaliveSaved(seconds));
    else confirmKeepalive(`Not saved: ${result.error}`, 'failed');
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

  return (
    <div className="settings-card" role="group" aria-labelledby={labelledBy}>
      <div className="settings-switch-row">
        <Switch
          label="Use STUN"
          checked={settings.stunEnabled}
          onChange={(enabled) => void switchStun(enabled)}
          hint="STUN asks a server on the internet which public address your router gives Natter, so that callers’ audio finds its way back. Turn it off only if Check my connection says calls work better without it."
        />
        <Confirmation note={switchNote} />
      </div>
      <h3 className="settings-subhead">STUN servers</h3>
      <p className="settings-hint">
        {!settings.stunEnabled
          ? 'STUN is off: these servers are kept for when you turn it on again.'
          : stunServers.length === 0
            ? 'The list is empty, so STUN is in effect off: add a server below.'
            : 'The first server is the active one; the others stand by.'}
      </p>
      <ol
        className={`stun-list${settings.stunEnabled ? '' : ' off'}`}
        ref={stunListRef}
        aria-label="STUN servers, active first"
      >
        {stunServers.map((stun, index) => {
          const test = stunTests[stun];
          return (
            <li key={stun} className={`settings-stun-row${index === 0 ? ' active' : ''}`}>
              <span className="settings-stun-name">{stun}</span>
              {index === 0 && <em>{settings.stunEnabled ? 'active' : 'first'}</em>}
              <div className="settings-stun-actions">
                {index > 0 && (
                  <button
                    type="button"
                    className="settings-small"
                    onClick={() => void applyStun([stun, ...stunServers.filter((s) => s !== stun)])}
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
      <Confirmation note={listNote} />
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
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (custom && !customError) {
            void applyStun([custom, ...stunServers.filter((s) => s !== custom)]);
            setCustom('');
          }
        }}
      >
        <Field label="Custom server (host:port)" error={customError}>
          {(control) => (
            <input
              {...control}
              value={custom}
              spellCheck={false}
              onChange={(event) => setCustom(event.target.value.trim())}
            />
          )}
        </Field>
        <button type="submit" disabled={!custom || customError !== null}>
          Use this one
        </button>
      </form>
      <h3 className="settings-subhead">Keepalive</h3>
      <form
        className="settings-keepalive"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void saveKeepalive();
        }}
      >
        <Field
          label="Keepalive interval (seconds)"
          hint={`How often Natter tells your router to keep the way open for incoming calls. Leave it empty for automatic: ${automaticKeepalive(settings.bindingLifetimeSeconds)}. 0 turns it off; otherwise 10 to 300 seconds.`}
          error={keepaliveSubmitted || keepalive !== '' ? keepaliveCheck.error : null}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={0}
              max={KEEPALIVE_MAX_SECONDS}
              placeholder="Automatic"
              value={keepalive}
              onChange={(event) => setKeepalive(event.target.value)}
            />
          )}
        </Field>
        <div className="settings-submit">
          <button type="submit">Save keepalive</button>
          <Confirmation note={keepaliveNote} />
        </div>
      </form>
    </div>
  );
}
