import { useCallback, useEffect, useState } from 'react';
import './field.css';

export type ConfirmationTone = 'done' | 'warning' | 'failed';

interface Note {
  text: string;
  tone: ConfirmationTone;
  /** Tells two equal notes apart, so a second save restarts the timer. */
  at: number;
}

/** How long a "Saved" stays beside its control: long enough to read, not forever. */
const SHOWN_MS = 12_000;

/** A confirmation (or a failure) for one control, shown beside it, fading after a while. */
export function useConfirmation(): [Note | null, (text: string, tone?: ConfirmationTone) => void] {
  const [note, setNote] = useState<Note | null>(null);
  useEffect(() => {
    if (!note || note.tone !== 'done') return;
    const timer = setTimeout(() => setNote(null), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [note]);
  const confirm = useCallback(
    (text: string, tone: ConfirmationTone = 'done') => setNote({ text, tone, at: Date.now() }),
    [],
  );
  return [note, confirm];
}

export function Confirmation({ note }: { note: Note | null }) {
  return (
    <p className={`confirmation ${note?.tone ?? ''}`} role="status">
      {note && (
        <>
          <span aria-hidden="true">{note.tone === 'done' ? '✓ ' : '⚠ '}</span>
          {note.text}
        </>
      )}
    </p>
  );
}
