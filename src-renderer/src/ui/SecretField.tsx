import type { ReactNode, Ref } from 'react';
import { Field } from './Field.js';

/**
 * What a password field says where the system cannot encrypt a saved password (no keyring):
 * main then keeps it in memory only, and the user must know it will be asked for again.
 */
export const SESSION_ONLY_PASSWORD_WORDS =
  'This computer has no keyring Natter can use to encrypt passwords (such as GNOME Keyring or KWallet), so Natter will not save them: your password is kept only until you quit, and you will type it again next time.';

/**
 * A password that only travels toward main: the field starts empty whatever is stored, and says
 * so when a saved one stays unless something new is typed.
 */
export function SecretField({
  label,
  saved,
  value,
  onChange,
  hint,
  error,
  inputRef,
  sessionOnly = false,
}: {
  label: string;
  saved: boolean;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | null;
  inputRef?: Ref<HTMLInputElement>;
  /** No secure storage: the password is kept for this session only (see settings.secureStorage). */
  sessionOnly?: boolean;
}) {
  return (
    <>
      <Field label={label} hint={hint} error={error}>
        {(control) => (
          <input
            {...control}
            ref={inputRef}
            type="password"
            autoComplete="off"
            value={value}
            placeholder={
              saved ? (sessionOnly ? 'kept until you quit' : 'saved (leave empty to keep)') : ''
            }
            onChange={(event) => onChange(event.target.value)}
          />
        )}
      </Field>
      {sessionOnly && (
        <p className="warning secret-session-only" role="note">
          {SESSION_ONLY_PASSWORD_WORDS}
        </p>
      )}
    </>
  );
}
