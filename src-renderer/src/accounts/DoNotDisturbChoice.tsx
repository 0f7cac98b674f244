import { useEffect, useId, useState } from 'react';
import {
  doNotDisturbForwardOf,
  forwardNumberOf,
  type DoNotDisturbAction,
  type DoNotDisturbSetting,
} from '../../../src-shared/do-not-disturb.js';
import { Switch } from '../ui/Switch.js';

/** An account's do not disturb with every field given, as it is saved. */
export interface DoNotDisturbValue {
  doNotDisturb: boolean;
  doNotDisturbAction: DoNotDisturbAction;
  doNotDisturbForwardTo: string | null;
}

/** The setting with the defaults of an account saved before there was a choice. */
export function doNotDisturbValueOf(setting: DoNotDisturbSetting): DoNotDisturbValue {
  return {
    doNotDisturb: setting.doNotDisturb,
    doNotDisturbAction: setting.doNotDisturbAction ?? 'busy',
    doNotDisturbForwardTo: setting.doNotDisturbForwardTo ?? null,
  };
}

/** The confirmation of a saved change, for the account `label` ("incoming calls": the first). */
export function doNotDisturbSaid(next: DoNotDisturbValue, label: string | null): string {
  const calls = label === null ? 'incoming calls' : `calls to ${label}`;
  if (!next.doNotDisturb) return `Saved: ${calls} ring again`;
  const forwardTo = doNotDisturbForwardOf(next);
  return forwardTo === null
    ? `Saved: ${calls} get a busy signal`
    : `Saved: ${calls} are forwarded to ${forwardTo}`;
}

/**
 * Do not disturb for one account: on or off, and what callers get meanwhile, a busy signal or
 * a forward to a number (written as the dialer dials it). `onChange` gets the whole setting.
 */
export function DoNotDisturbChoice({
  setting,
  onChange,
  accountLabel,
  hint,
}: {
  setting: DoNotDisturbSetting;
  onChange: (next: DoNotDisturbValue) => void;
  /** Names the account to a screen reader when several choices share a screen. */
  accountLabel: string;
  hint?: string;
}) {
  const id = useId();
  const value = doNotDisturbValueOf(setting);
  const [typed, setTyped] = useState(value.doNotDisturbForwardTo ?? '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setTyped(value.doNotDisturbForwardTo ?? ''), [value.doNotDisturbForwardTo]);

  const choose = (action: DoNotDisturbAction) => {
    if (action === 'forward' && value.doNotDisturbForwardTo === null) {
      setError('Enter the number to forward calls to.');
    } else setError(null);
    onChange({ ...value, doNotDisturbAction: action });
  };
  const commitNumber = () => {
    if (typed.trim() === '' && value.doNotDisturbForwardTo === null) return;
    const number = forwardNumberOf(typed);
    if (number === null) {
      setError('That is not a number Natter can dial: use digits, and * or # for codes.');
      return;
    }
    setError(null);
    setTyped(number);
    if (number !== value.doNotDisturbForwardTo || value.doNotDisturbAction !== 'forward') {
      onChange({ ...value, doNotDisturbAction: 'forward', doNotDisturbForwardTo: number });
    }
  };

  return (
    <div className="dnd-choice" data-dnd={value.doNotDisturb ? value.doNotDisturbAction : 'off'}>
      <Switch
        label="Do not disturb"
        checked={value.doNotDisturb}
        onChange={(on) => onChange({ ...value, doNotDisturb: on })}
        {...(hint ? { hint } : {})}
      />
      {value.doNotDisturb && (
        <fieldset className="dnd-action" aria-label={`While ${accountLabel} is on do not disturb`}>
          <legend>Callers meanwhile</legend>
          <label className="dnd-option">
            <input
              type="radio"
              name={`${id}-action`}
              checked={value.doNotDisturbAction === 'busy'}
              onChange={() => choose('busy')}
            />
            <span>
              hear a busy signal
              <span className="field-hint">
                voip.ms then does what the number&apos;s busy routing says, usually voicemail.
              </span>
            </span>
          </label>
          <label className="dnd-option">
            <input
              type="radio"
              name={`${id}-action`}
              checked={value.doNotDisturbAction === 'forward'}
              onChange={() => choose('forward')}
            />
            <span>are forwarded to</span>
          </label>
          <input
            className="dnd-number"
            type="tel"
            inputMode="tel"
            aria-label={`Forward ${accountLabel}'s calls to`}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            placeholder="514 555 0123 or *97"
            value={typed}
            maxLength={64}
            onChange={(event) => setTyped(event.target.value)}
            onBlur={commitNumber}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                commitNumber();
              }
            }}
          />
          {error && (
            <p className="field-error" id={`${id}-error`} role="alert">
              <span aria-hidden="true">⚠ </span>
              {error}
            </p>
          )}
        </fieldset>
      )}
    </div>
  );
}
