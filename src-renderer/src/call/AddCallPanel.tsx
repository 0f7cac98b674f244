import type { CallInfo } from '../../../src-shared/domain.js';
import type { Store } from '../state/store.js';
import { CallNumberField, useCallNumber } from './CallNumberField.js';
import './transfer.css';

/**
 * Add call, opened from the call's controls, as on a desk phone's second line: a number, then
 * Call. The call talked on is held while the new one rings; the held call's row then offers
 * Switch and Merge (a three-way conference).
 */
export function AddCallPanel({
  store,
  call,
  holding,
  onClose,
}: {
  store: Store;
  call: CallInfo;
  /** Who this call is with, as the call screen names them. */
  holding: string;
  onClose: () => void;
}) {
  const entry = useCallNumber();
  const { target, valid } = entry;
  const place = () => {
    onClose();
    // From the account this call is on: Merge and transfer join calls of one line.
    void store.act(() => store.bridge.invoke('call', { target, accountId: call.accountId }));
  };
  return (
    <form
      className="transfer-panel add-call-panel"
      aria-label="Add a call"
      onSubmit={(event) => {
        event.preventDefault();
        if (valid) place();
      }}
    >
      <CallNumberField label="Number to add" entry={entry} />
      <p className="transfer-hint">{holding} is held while the new call rings.</p>
      <div className="transfer-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={!valid}>
          Call
        </button>
      </div>
    </form>
  );
}
