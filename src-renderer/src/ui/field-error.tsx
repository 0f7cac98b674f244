import { useId } from 'react';

/**
 * What is wrong with a field, said in words beside it: a red border alone tells nothing to a
 * screen reader or to someone who cannot tell red apart. Spread `fieldProps` on the input and
 * render `message` next to it (outside its label, so the label stays the field's name).
 */
export function useFieldError(problem: string | null) {
  const id = useId();
  return {
    fieldProps: {
      'aria-invalid': problem !== null,
      'aria-describedby': problem === null ? undefined : id,
    },
    message:
      problem === null ? null : (
        <span id={id} className="field-error">
          {problem}
        </span>
      ),
  };
}
