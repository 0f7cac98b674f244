import { useState } from 'react';
import {
  NUMBER_LABEL_WORDS,
  contactDraftSchema,
  numberLabelSchema,
  type Contact,
  type ContactDraft,
  type NumberLabel,
} from '../../../src-shared/contacts.js';

const LABELS = numberLabelSchema.options;

/** What a new contact starts from when it is made from a call: the number, the caller's name. */
export interface ContactPrefill {
  name: string | null;
  number: string;
}

/** Adding or editing one contact: a name, one or more numbers with a label, the star. */
export function ContactForm({
  contact,
  prefill = null,
  onSave,
  onCancel,
  onDelete,
}: {
  /** The contact edited; null adds a new one. */
  contact: Contact | null;
  /** For a new contact: the number (and name) it is made from. */
  prefill?: ContactPrefill | null;
  /** Resolves to null once saved, or to main's refusal in words. */
  onSave: (draft: ContactDraft) => Promise<string | null>;
  onCancel: () => void;
  onDelete?: () => void;
}) {
  const [name, setName] = useState(contact?.name ?? prefill?.name ?? '');
  const [favourite, setFavourite] = useState(contact?.favourite ?? false);
  const [numbers, setNumbers] = useState<Array<{ number: string; label: NumberLabel }>>(
    contact?.numbers.map((entry) => ({ ...entry })) ?? [
      { number: prefill?.number ?? '', label: 'mobile' },
    ],
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const title = contact ? `Edit ${contact.name}` : 'New contact';
  const update = (index: number, change: Partial<{ number: string; label: NumberLabel }>) =>
    setNumbers((current) =>
      current.map((entry, at) => (at === index ? { ...entry, ...change } : entry)),
    );
  const submit = async () => {
    const draft = {
      ...(contact ? { id: contact.id } : {}),
      name,
      favourite,
      numbers: numbers.filter((entry) => entry.number.trim() !== ''),
    };
    const parsed = contactDraftSchema.safeParse(draft);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path[0] === 'numbers' ? 'Number' : 'Name';
      setProblem(`${where}: ${issue?.message ?? 'not valid'}`);
      return;
    }
    setSaving(true);
    const refused = await onSave(parsed.data);
    setSaving(false);
    setProblem(refused);
  };
  return (
    <form
      className="contact-form"
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2>{title}</h2>
      <label htmlFor="contact-name">Name</label>
      <input
        id="contact-name"
        value={name}
        autoComplete="off"
        maxLength={200}
        onChange={(event) => setName(event.target.value)}
      />
      <fieldset className="contact-numbers">
        <legend>Numbers</legend>
        {numbers.map((entry, index) => (
          <div className="contact-number-row" key={index}>
            <label className="visually-hidden" htmlFor={`contact-number-${index}`}>
              Number {index + 1}
            </label>
            <input
              id={`contact-number-${index}`}
              inputMode="tel"
              autoComplete="off"
              maxLength={64}
              placeholder="+1 514 555 0101"
              value={entry.number}
              onChange={(event) => update(index, { number: event.target.value })}
            />
            <label className="visually-hidden" htmlFor={`contact-label-${index}`}>
              Kind of number {index + 1}
            </label>
            <select
              id={`contact-label-${index}`}
              value={entry.label}
              onChange={(event) => update(index, { label: event.target.value as NumberLabel })}
            >
              {LABELS.map((label) => (
                <option key={label} value={label}>
                  {NUMBER_LABEL_WORDS[label]}
                </option>
              ))}
            </select>
            {numbers.length > 1 && (
              <button
                type="button"
                className="ghost"
                aria-label={`Remove number ${index + 1}`}
                onClick={() => setNumbers((current) => current.filter((_, at) => at !== index))}
              >
                ✕
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          className="small"
          onClick={() => setNumbers((current) => [...current, { number: '', label: 'mobile' }])}
        >
          Add a number
        </button>
      </fieldset>
      <label className="contact-favourite">
        <input
          type="checkbox"
          checked={favourite}
          onChange={(event) => setFavourite(event.target.checked)}
        />{' '}
        Favourite
      </label>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="panel-actions">
        <button type="submit" className="primary" disabled={saving}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {onDelete && (
          <button type="button" className="danger" onClick={onDelete}>
            Delete
          </button>
        )}
      </div>
    </form>
  );
}
