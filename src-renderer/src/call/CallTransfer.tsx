import type { CallInfo } from '../../../src-shared/domain.js';
import type { Store } from '../state/store.js';
import { CallNumberField, useCallNumber } from './CallNumberField.js';
import './transfer.css';
import { displayNumberOf, partyNameOf } from '../../../src-shared/number-display.js';

/** A transfer whose outcome is not known yet. */
export function transferUnderWay(call: CallInfo): boolean {
  const state = call.transfer?.state;
  return (
    call.transfer?.direction === 'outgoing' &&
    (state === 'asking' || state === 'trying' || state === 'ringing')
  );
}

/**
 * The call's transfer as it goes (REFER and its NOTIFYs, in the engine's words), and the far
 * end's request to transfer us, with Accept and Decline.
 */
export function TransferStatus({ store, call }: { store: Store; call: CallInfo }) {
  const transfer = call.transfer;
  if (!transfer) return null;
  const invoke = store.bridge.invoke.bind(store.bridge);
  if (transfer.direction === 'incoming' && transfer.state === 'asking') {
    const answer = (accept: boolean) =>
      void store.act(() => invoke('acceptTransfer', { callId: call.id, accept }));
    return (
      <div className="transfer-request" role="alertdialog" aria-label="Transfer request">
        <p>
          <strong>{partyNameOf(call.remoteDisplayName, call.remote)}</strong> asks you to call{' '}
          <strong>{displayNumberOf(transfer.target)}</strong>
          {transfer.kind === 'attended' ? ', who is waiting for you' : ''}. This call is put on hold
          meanwhile.
        </p>
        <div className="transfer-actions">
          <button type="button" onClick={() => answer(false)}>
            Decline
          </button>
          <button type="button" className="primary" onClick={() => answer(true)}>
            Call {displayNumberOf(transfer.target)}
          </button>
        </div>
      </div>
    );
  }
  return (
    <p className="transfer-status" role="status" data-state={transfer.state}>
      {transfer.message}
    </p>
  );
}

/**
 * Transfer, opened from the call's controls: a number, then "Transfer now" (blind: the other
 * side is put straight through) or "Consult first" (this call is held and the number called, to
 * introduce the caller before handing over). On a consult call, the held call can be put through
 * to the one on the line (attended transfer).
 */
export function TransferPanel({
  store,
  call,
  held,
  onClose,
}: {
  store: Store;
  call: CallInfo;
  /** Calls on hold that could be put through to this call's party. */
  held: CallInfo[];
  onClose: () => void;
}) {
  const entry = useCallNumber();
  const { target, valid } = entry;
  const invoke = store.bridge.invoke.bind(store.bridge);
  const busy = transferUnderWay(call);
  const blind = () => {
    onClose();
    void store.act(() => invoke('transfer', { callId: call.id, target }));
  };
  const consult = () => {
    onClose();
    // Calling holds this call, as a second line does; the held call then offers to be put through.
    // The consult call goes out on this call's account: the transfer joins calls of one line.
    void store.act(() => invoke('call', { target, accountId: call.accountId }));
  };
  const putThrough = (other: CallInfo) => {
    onClose();
    void store.act(() => invoke('transfer', { callId: other.id, consultCallId: call.id }));
  };
  return (
    <form
      className="transfer-panel"
      aria-label="Transfer the call"
      onSubmit={(event) => {
        event.preventDefault();
        if (valid && !busy) blind();
      }}
    >
      {held.length > 0 && call.state === 'connected' && (
        <div className="transfer-attended">
          {held.map((other) => (
            <button
              key={other.id}
              type="button"
              className="primary"
              disabled={busy || transferUnderWay(other)}
              onClick={() => putThrough(other)}
            >
              Put {partyNameOf(other.remoteDisplayName, other.remote)} through to{' '}
              {partyNameOf(call.remoteDisplayName, call.remote)}
            </button>
          ))}
          <p className="muted">or transfer this call elsewhere:</p>
        </div>
      )}
      <CallNumberField label="Transfer to" entry={entry} />
      <div className="transfer-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" disabled={!valid || busy} onClick={consult}>
          Consult first
        </button>
        <button type="submit" className="primary" disabled={!valid || busy}>
          Transfer now
        </button>
      </div>
    </form>
  );
}
