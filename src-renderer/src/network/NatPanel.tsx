import { Fragment, useEffect, useState } from 'react';
import type { CallInfo, NatStatus, TransportAddress } from '../../../src-shared/domain.js';
import {
  natVerdict,
  worstAccountVerdict,
  stunOff,
  type NatVerdict,
  type VerdictAction,
  type VerdictColor,
} from '../../../src-shared/nat-verdict.js';
import { FIRST_ACCOUNT_ID } from '../../../src-shared/accounts.js';
import { DEFAULT_SETTINGS } from '../../../src-shared/settings.js';
import { noAudioArriving } from '../call/call-watchdog.js';
import { callPathWords, healingEvents } from './healing-model.js';
import { addressSourceWords, networkChangeWords, routerLong, routerShort } from './nat-words.js';
import { describeRelay } from './relay-words.js';
import { useStore, type Store } from '../state/store.js';
import './network.css';
import { partyNameOf } from '../../../src-shared/number-display.js';

const show = (address: TransportAddress | null | undefined) =>
  address ? `${address.address}:${address.port}` : 'unknown';

function Hop({ title, lines, color }: { title: string; lines: string[]; color: VerdictColor }) {
  return (
    <div className={`hop ${color}`}>
      <span className="hop-dot" aria-hidden="true" />
      <strong>{title}</strong>
      {lines.map((line) => (
        <span key={line} className="hop-line">
          {/* Narrow boxes wrap an address before its port, never inside a number. */}
          {line.split(/(?=:)/).map((part, index) => (
            <Fragment key={index}>
              {index > 0 && <wbr />}
              {part}
            </Fragment>
          ))}
        </span>
      ))}
    </div>
  );
}

function hopColors(nat: NatStatus | null, registered: boolean) {
  const stun: VerdictColor = !nat || nat.natType === 'blocked' ? 'red' : 'green';
  // Without a STUN answer the router's behaviour is unknown, not at fault.
  const router: VerdictColor =
    !nat || nat.natType === 'blocked' || nat.natType === 'symmetric' ? 'amber' : 'green';
  const provider: VerdictColor = !registered
    ? 'red'
    : nat?.registrarAgrees === false
      ? 'amber'
      : 'green';
  return { stun, router, provider };
}

/** Where each settings section starts, for the advice buttons that open it. */
export const SETTINGS_SECTION = {
  account: 'account-settings',
  stun: 'stun-settings',
  relay: 'relay-settings',
} as const;

const ACTION_LABEL: Record<VerdictAction, string> = {
  'run-check': 'Check my connection',
  'open-relay-settings': 'Open relay settings',
  'open-stun-settings': 'Choose a STUN server',
  'turn-stun-on': 'Turn STUN on',
  'open-account-settings': 'Open account settings',
};

/** Saves STUN on; a list the check emptied gets the usual servers back, or nothing would change. */
async function turnStunOn(store: Store): Promise<void> {
  const servers = store.getState().settings?.stunServers ?? [];
  const settings = await store.act(() =>
    store.bridge.invoke('saveSettings', {
      stunEnabled: true,
      stunServers: servers.length > 0 ? servers : DEFAULT_SETTINGS.stunServers,
    }),
  );
  if (settings) store.setSettings(settings);
}

function VerdictButton({
  store,
  verdict,
  onOpenDoctor,
  onOpenSettings,
}: {
  store: Store;
  verdict: NatVerdict;
  onOpenDoctor: () => void;
  onOpenSettings: (section: string) => void;
}) {
  const [saving, setSaving] = useState(false);
  const { action } = verdict;
  if (!action) return null;
  const run = () => {
    switch (action) {
      case 'run-check':
        return onOpenDoctor();
      case 'open-relay-settings':
        return onOpenSettings(SETTINGS_SECTION.relay);
      case 'open-stun-settings':
        return onOpenSettings(SETTINGS_SECTION.stun);
      case 'open-account-settings':
        return onOpenSettings(SETTINGS_SECTION.account);
      case 'turn-stun-on':
        setSaving(true);
        return void turnStunOn(store).finally(() => setSaving(false));
    }
  };
  return (
    <button type="button" className="primary small" disabled={saving} onClick={run}>
      {saving ? 'Saving…' : ACTION_LABEL[action]}
    </button>
  );
}

export function NatPanel({
  store,
  onOpenDoctor,
  onOpenTrace,
  onOpenSettings,
}: {
  store: Store;
  /** Opens "Check my connection" (the NAT doctor). */
  onOpenDoctor: () => void;
  onOpenTrace: () => void;
  /** Opens Settings at the section with this element id. */
  onOpenSettings: (section: string) => void;
}) {
  const nat = useStore(store, (s) => s.nat);
  const registration = useStore(store, (s) => s.registration);
  const calls = useStore(store, (s) => s.calls);
  const liveCalls = calls.filter((call) => call.state !== 'ended');
  const healed = healingEvents(nat, registration, calls);
  const verdict = natVerdict(nat, registration);
  const colors = hopColors(nat, registration.state === 'registered');
  const activeStun = nat && stunOff(nat) ? 'none (STUN off)' : (nat?.servers[0]?.server ?? 'none');
  return (
    <section className="nat-panel" aria-label="Network status">
      <h1 className="visually-hidden">Network</h1>
      <div className={`verdict ${verdict.color}`} role="status">
        <strong>{verdict.title}</strong>
        <p>{verdict.advice}</p>
        {verdict.action && (
          <div className="verdict-action">
            <VerdictButton
              store={store}
              verdict={verdict}
              onOpenDoctor={onOpenDoctor}
              onOpenSettings={onOpenSettings}
            />
          </div>
        )}
      </div>
      {verdict.action !== 'run-check' && (
        <div className="doctor-cta">
          {/* The advice's own button leads; the check stays at hand beside it. */}
          <button
            type="button"
            className={verdict.action ? undefined : 'primary'}
            onClick={onOpenDoctor}
          >
            Check my connection
          </button>
          <span className="muted">Test calls find what fixes one-way audio.</span>
        </div>
      )}
      <div className="path" role="group" aria-label="Path from this computer to voip.ms">
        <Hop title="This computer" lines={[show(nat?.local)]} color="green" />
        <span className="arrow" aria-hidden="true">
          →
        </span>
        <Hop
          title="Router"
          lines={[
            // A symmetric NAT has no one public port: each destination gets its own.
            ...(nat?.mapped
              ? [nat.natType === 'symmetric' ? nat.mapped.address : show(nat.mapped)]
              : []),
            routerShort(nat),
          ]}
          color={colors.router}
        />
        <span className="arrow" aria-hidden="true">
          →
        </span>
        <div className="hop-pair">
          <Hop
            title="STUN server"
            lines={[
              nat && stunOff(nat)
                ? 'turned off'
                : nat?.natType === 'blocked'
                  ? 'no answer'
                  : `sees ${show(nat?.mapped)}`,
            ]}
            color={colors.stun}
          />
          <Hop
            title="voip.ms"
            lines={[
              // Only the registrar's Via received/rport says what it sees. Our Contact is no
              // stand-in: behind a symmetric NAT it carries the port STUN saw, not voip.ms.
              registration.state !== 'registered'
                ? 'not registered'
                : nat?.registrarSees
                  ? `sees ${show(nat.registrarSees)}`
                  : 'registered',
              ...(registration.failover
                ? [
                    `on ${registration.failover.to}: ${registration.failover.from} stopped answering`,
                  ]
                : []),
            ]}
            color={colors.provider}
          />
          {nat?.turn && (
            <Hop
              title="TURN relay"
              lines={
                nat.turn.state === 'failed'
                  ? ['not working']
                  : [
                      `relays ${show(nat.turn.relayed)}`,
                      nat.turn.rttMs === null ? '' : `${Math.round(nat.turn.rttMs)} ms`,
                    ].filter(Boolean)
              }
              color={nat.turn.state === 'failed' ? 'red' : 'green'}
            />
          )}
        </div>
      </div>
      <dl className="details">
        <dt>Local address</dt>
        <dd>{show(nat?.local)}</dd>
        <dt>Router</dt>
        <dd>{routerLong(nat)}</dd>
        <dt>Address in calls</dt>
        <dd>
          <span className="dd-line">{show(nat?.contact)}</span>
          {nat?.contactSource && (
            <span className="dd-line muted">{addressSourceWords(nat.contactSource)}</span>
          )}
        </dd>
        <dt>voip.ms sees</dt>
        <dd>
          {nat?.registrarSees
            ? show(nat.registrarSees)
            : registration.state === 'registered'
              ? 'not reported by the server'
              : 'not registered'}
        </dd>
        <dt>Keepalive</dt>
        <dd>{nat ? `every ${nat.keepaliveSeconds} s` : '—'}</dd>
        <dt>Active STUN server</dt>
        <dd>{activeStun}</dd>
        {nat?.turn && (
          <>
            <dt>TURN relay</dt>
            <dd>
              <span className="dd-line">{nat.turn.server}</span>
              <span className="dd-line">{describeRelay(nat.turn)}</span>
            </dd>
          </>
        )}
        <dt>Last check</dt>
        <dd>{nat ? new Date(nat.checkedAt).toLocaleTimeString() : '—'}</dd>
        {nat?.networkChange && (
          <>
            <dt>Network change</dt>
            <dd>
              <span className="dd-line">{networkChangeWords(nat.networkChange)}</span>
              <span className="dd-line muted">{nat.networkChange.detail}</span>
            </dd>
          </>
        )}
        {liveCalls.map((call) => (
          <Fragment key={call.id}>
            <dt>Call with {partyNameOf(call.remoteDisplayName, call.remote)}</dt>
            <dd>{callPathWords(call.localMedia)}</dd>
          </Fragment>
        ))}
      </dl>
      {healed.length > 0 && (
        <section className="healed" aria-labelledby="healed-title">
          <h3 id="healed-title">Fixed by Natter</h3>
          <ul>
            {healed.map((event) => (
              <li key={`${event.atMs}-${event.text}`}>
                <time dateTime={new Date(event.atMs).toISOString()}>
                  {new Date(event.atMs).toLocaleTimeString()}
                </time>{' '}
                {event.text}
              </li>
            ))}
          </ul>
        </section>
      )}
      <table className="servers">
        <caption>STUN answers</caption>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Public address</th>
            <th scope="col">Round trip</th>
          </tr>
        </thead>
        <tbody>
          {(nat?.servers ?? []).map((server) => (
            <tr key={server.server}>
              <td>{server.server}</td>
              <td title={server.error}>{server.mapped ? show(server.mapped) : 'No answer'}</td>
              <td>{server.rttMs === null ? '—' : `${server.rttMs.toFixed(1)} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="panel-actions">
        <button
          type="button"
          onClick={() => void store.act(() => store.bridge.invoke('checkNat', {}))}
        >
          Check again
        </button>
        <button type="button" onClick={onOpenTrace}>
          SIP trace
        </button>
      </div>
    </section>
  );
}

/** Whether the active call has sent audio and received none for a while, re-read each second. */
function useOneWayAudio(call: CallInfo | undefined): boolean {
  const [now, setNow] = useState(() => Date.now());
  const watching = call?.state === 'connected';
  useEffect(() => {
    if (!watching) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [watching]);
  return call ? noAudioArriving(call, now) : false;
}

export function NatIndicator({ store, onOpen }: { store: Store; onOpen: () => void }) {
  const nat = useStore(store, (s) => s.nat);
  const registration = useStore(store, (s) => s.registration);
  const active = useStore(store, (s) => s.calls.find((call) => call.state !== 'ended'));
  const oneWayAudio = useOneWayAudio(active);
  const accounts = useStore(store, (s) => s.accounts);
  const verdict = worstAccountVerdict(
    natVerdict(nat, registration, { oneWayAudio }),
    accounts.filter((account) => account.id !== FIRST_ACCOUNT_ID),
  );
  return (
    <button
      type="button"
      className={`indicator ${verdict.color}`}
      onClick={onOpen}
      aria-label={`Network: ${verdict.title}`}
      title={`${verdict.title}: ${verdict.advice}`}
    >
      <span className="dot" aria-hidden="true" />
      <span className="indicator-text">{verdict.title}</span>
    </button>
  );
}
