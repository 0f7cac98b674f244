import type { CallInfo } from '../../../src-shared/domain.js';
import type { ContactIndex } from '../../../src-shared/contacts.js';
import { useStore, type Store } from '../state/store.js';
import { AccountLabel } from '../accounts/AccountLabel.js';
import { numberBesideName, partyNameOf } from '../../../src-shared/number-display.js';
import { MergeButton } from './Conference.js';

/** The contact's name for the number, else the caller's own, else the number. */
const nameOf = (call: CallInfo, contacts: ContactIndex) =>
  partyNameOf(contacts.nameFor(call.remote, call.remoteDisplayName), call.remote);

/**
 * A second call ringing during a call: who it is, and the two things a person does with it. It
 * is announced (role="alert") and rings as a short tone in the call's audio, never the ringtone.
 */
export function CallWaitingBanner({ store, call }: { store: Store; call: CallInfo }) {
  const invoke = store.bridge.invoke.bind(store.bridge);
  const contacts = useStore(store, (s) => s.contacts);
  const name = contacts.nameFor(call.remote, call.remoteDisplayName);
  const number = numberBesideName(name, call.remote);
  return (
    <div className="call-waiting" role="alert" aria-label="Call waiting" data-call-id={call.id}>
      <p className="call-waiting-title">
        <span className="call-waiting-dot" aria-hidden="true" />
        Call waiting
      </p>
      <p className="call-waiting-who">
        <strong>{partyNameOf(name, call.remote)}</strong>
        {number && <span className="muted"> {number}</span>}
      </p>
      <AccountLabel store={store} accountId={call.accountId} />
      <div className="call-waiting-actions">
        <button
          type="button"
          className="decline"
          aria-keyshortcuts="Escape"
          title="Esc"
          onClick={() => void store.act(() => invoke('reject', { callId: call.id }))}
        >
          Decline
        </button>
        <button
          type="button"
          className="answer"
          onClick={() =>
            void store.act(() => invoke('answer', { callId: call.id, holdOthers: true }))
          }
        >
          Answer and hold
        </button>
      </div>
    </div>
  );
}

/**
 * The calls on hold beside the one shown: one compact row each, to switch to, or to merge with
 * `active` (the call the user talks on) into a three-way conference.
 */
export function HeldCalls({
  store,
  calls,
  active = null,
}: {
  store: Store;
  calls: readonly CallInfo[];
  active?: CallInfo | null;
}) {
  const invoke = store.bridge.invoke.bind(store.bridge);
  const contacts = useStore(store, (s) => s.contacts);
  if (calls.length === 0) return null;
  const mergeable = active?.state === 'connected' && !active.conference ? active : null;
  return (
    <ul className="held-calls" aria-label="Calls on hold">
      {calls.map((call) => (
        <li key={call.id} data-call-id={call.id}>
          <span>
            <span className="muted">On hold:</span> <strong>{nameOf(call, contacts)}</strong>
          </span>
          <span className="held-actions">
            {mergeable && <MergeButton store={store} active={mergeable} held={call} />}
            <button
              type="button"
              aria-label={`Switch to ${nameOf(call, contacts)}`}
              onClick={() => void store.act(() => invoke('switchTo', { callId: call.id }))}
            >
              Switch
            </button>
          </span>
        </li>
      ))}
    </ul>
  );
}
