/**
 * A password that only travels toward main: the field starts empty whatever is stored, and says
 * so when a saved one stays unless something new is typed.
 */
export function SecretField({
  label,
  saved,
  value,
  onChange,
}: {
  label: string;
  saved: boolean;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        type="password"
        value={value}
        placeholder={saved ? 'saved (leave empty to keep)' : ''}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}
