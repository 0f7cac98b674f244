import type { ReactNode, Ref } from 'react';
import { Field } from './Field.js';

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
}: {
  label: string;
  saved: boolean;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | null;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(control) => (
        <input
          {...control}
          ref={inputRef}
          type="password"
          autoComplete="off"
          value={value}
          placeholder={saved ? 'saved (leave empty to keep)' : ''}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
