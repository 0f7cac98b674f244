import type { Ref } from 'react';

/** A list's search box: its label for screen readers, the browser's own clear button. */
export function SearchField({
  id,
  label,
  placeholder,
  className,
  value,
  onChange,
  inputRef,
}: {
  id: string;
  /** What is searched, read out (the field shows only its placeholder). */
  label: string;
  placeholder: string;
  className: string;
  value: string;
  onChange: (value: string) => void;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <>
      <label className="visually-hidden" htmlFor={id}>
        {label}
      </label>
      <input
        ref={inputRef}
        id={id}
        type="search"
        className={className}
        placeholder={placeholder}
        autoComplete="off"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </>
  );
}
