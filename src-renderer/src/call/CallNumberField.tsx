import { useState } from 'react';
import { dialTargetOf } from '../../../src-shared/dial-string.js';
import { dialTargetSchema } from '../../../src-shared/engine-contract.js';

/** A number typed during a call (to transfer to, or to add), and what it dials. */
export interface CallNumber {
  number: string;
  setNumber: (number: string) => void;
  /** Written as the dialer takes it (`+1 (514) 555-0100` is 15145550100); a SIP user as it is. */
  target: string;
  valid: boolean;
}

export function useCallNumber(): CallNumber {
  const [number, setNumber] = useState('');
  const target = dialTargetOf(number);
  return { number, setNumber, target, valid: dialTargetSchema.safeParse(target).success };
}

/** The panel's number field, with what it will dial and why it cannot. */
export function CallNumberField({ label, entry }: { label: string; entry: CallNumber }) {
  const { number, setNumber, target, valid } = entry;
  return (
    <>
      <label>
        {label}
        <input
          type="tel"
          inputMode="tel"
          autoComplete="off"
          autoFocus
          placeholder="Number"
          value={number}
          maxLength={64}
          onChange={(event) => setNumber(event.target.value)}
        />
      </label>
      {valid && target !== number.trim() && <p className="transfer-hint">Will dial {target}</p>}
      {number !== '' && !valid && (
        <p className="muted" role="alert">
          Use digits, * and # (or a SIP user name).
        </p>
      )}
    </>
  );
}
