import { Fragment } from 'react';
import type { NatStatus, TransportAddress } from '../../../src-shared/domain.js';
import { natVerdict, stunOff, type VerdictColor } from '../../../src-shared/nat-verdict.js';
import { describeRelay } from './relay-words.js';
import { useStore, type Store } from '../state/store.js';
import './network.css';

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
  const router: VerdictColor =
    !nat || nat.natType === 'blocked' ? 'red' : nat.natType === 'symmetric' ? 'amber' : 'green';
  const provider: VerdictColor = !registered
    ? 'red'
    : nat?.registrarAgrees === false
      ? 'amber'
      : 'green';
  return { stun, router, provider };
}

export function NatPanel({
  store,
  onOpenDoctor,
  onOpenTrace,
}: {
  store: Store;
  /** Opens "Check my connection" (the NAT doctor). */
  onOpenDoctor: () => void;
  onOpenTrace: () => void;
}) {
  const nat = useStore(store, (s) => s.nat);
  const registration = useStore(store, (s) => s.registration);
  const verdict = natVerdict(nat, registration);
  const colors = hopColors(nat, registration.state === 'registered');
  const activeStun = nat?.servers[0]?.server ?? 'none';
  return (
    <section className="nat-panel" aria-label="Network status">
      <div className={`verdict ${verdict.color}`} role="status">
        <strong>{verdict.title}</strong>
        <p>{verdict.advice}</p>
      </div>
      <div className="doctor-cta">
        <button type="button" className="primary" onClick={onOpenDoctor}>
          Check my connection
        </button>
        <span className="muted">Test calls find what fixes one-way audio.</span>
      </div>
      <div className="path" aria-label="Path from this computer to voip.ms">
        <Hop title="This computer" lines={[show(nat?.local)]} color="green" />
        <span className="arrow" aria-hidden="true">
          →
        </span>
        <Hop
          title="Router"
          lines={[
            // A symmetric NAT has no one public port: each destination gets its own.
            nat?.natType === 'symmetric' && nat.mapped ? nat.mapped.address : show(nat?.mapped),
            nat?.natType ?? '—',
          ]}
          color={colors.router}
        />
        <span className="arrow" aria-hidden="true">
          →
        </span>
        <div className="hop-pair">
          <Hop
            title="STUN server"
            lines={[nat && stunOff(nat) ? 'off' : `sees ${show(nat?.mapped)}`]}
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
        <dt>NAT type</dt>
        <dd>{nat?.natType ?? '—'}</dd>
        <dt>Address in calls</dt>
        <dd>
          {show(nat?.contact)} {nat?.contactSource ? `(from ${nat.contactSource})` : ''}
        </dd>
        <dt>voip.ms sees</dt>
        <dd>{show(nat?.registrarSees)}</dd>
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
      </dl>
      <table className="servers">
        <caption>STUN answers</caption>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Public address</th>
            <th scope="col">RTT</th>
          </tr>
        </thead>
        <tbody>
          {(nat?.servers ?? []).map((server) => (
            <tr key={server.server}>
              <td>{server.server}</td>
              <td>{server.mapped ? show(server.mapped) : (server.error ?? 'no answer')}</td>
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

export function NatIndicator({ store, onOpen }: { store: Store; onOpen: () => void }) {
  const nat = useStore(store, (s) => s.nat);
  const registration = useStore(store, (s) => s.registration);
  const verdict = natVerdict(nat, registration);
  return (
    <button
      type="button"
      className={`indicator ${verdict.color}`}
      onClick={onOpen}
      aria-label={`Network: ${verdict.title}`}
    >
      <span className="dot" aria-hidden="true" />
      {verdict.title}
    </button>
  );
}
