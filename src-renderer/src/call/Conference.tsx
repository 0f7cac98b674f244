import type { CallInfo } from '../../../src-shared/domain.js';
import type { Store } from '../state/store.js';
import { codecLabel } from '../../../src-shared/codec-order.js';
import { numberBesideName, partyNameOf } from '../../../src-shared/number-display.js';

const nameOf = (call: CallInfo) => partyNameOf(call.remoteDisplayName, call.remote);
/** As on the call screen's badge (./CodecBadge.tsx), only wideband audio is worth a word. */
const wideband = (call: CallInfo) => (call.codec === 'G722' ? codecLabel(call.codec) : null);

/** Merges a held call with the call the user talks on: all three then hear each other. */
export function MergeButton({
  store,
  active,
  held,
}: {
  store: Store;
  active: CallInfo;
  held: CallInfo;
}) {
  const invoke = store.bridge.invoke.bind(store.bridge);
  return (
    <button
      type="button"
      className="merge"
      aria-label={`Merge ${nameOf(held)} into this call`}
      title={`${nameOf(active)} and ${nameOf(held)} hear each other and you`}
      onClick={() =>
        void store.act(() => invoke('conference', { callId: active.id, withCallId: held.id }))
      }
    >
      Merge
    </button>
  );
}

/**
 * A three-way conference: both parties, each of whom can be talked with alone (the other waits
 * on hold) or hung up (the other stays on the line).
 */
export function ConferenceParties({
  store,
  legs,
}: {
  store: Store;
  legs: readonly [CallInfo, CallInfo];
}) {
  const invoke = store.bridge.invoke.bind(store.bridge);
  return (
    <div className="conference">
      <p className="state">Conference</p>
      <h1 className="remote">
        {nameOf(legs[0])} &amp; {nameOf(legs[1])}
      </h1>
      <ul className="conference-parties" aria-label="In the conference">
        {legs.map((leg, index) => {
          const other = legs[1 - index] as CallInfo;
          return (
            <li key={leg.id} data-call-id={leg.id}>
              <span className="conference-who">
                <strong>{nameOf(leg)}</strong>
                <span className="muted conference-line">
                  {[numberBesideName(leg.remoteDisplayName, leg.remote), wideband(leg)]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </span>
              <span className="conference-actions">
                <button
                  type="button"
                  aria-label={`Split: talk with ${nameOf(leg)} alone`}
                  title={`${nameOf(other)} waits on hold`}
                  onClick={() =>
                    void store.act(() => invoke('splitConference', { callId: leg.id }))
                  }
                >
                  Split
                </button>
                <button
                  type="button"
                  className="leg-hangup"
                  aria-label={`Hang up ${nameOf(leg)}`}
                  title={`${nameOf(other)} stays on the line`}
                  onClick={() => void store.act(() => invoke('hangup', { callId: leg.id }))}
                >
                  Hang up
                </button>
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
