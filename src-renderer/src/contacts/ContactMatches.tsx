import {
  NUMBER_LABEL_WORDS,
  searchContacts,
  type ContactMatch,
} from '../../../src-shared/contacts.js';
import { useStore, type Store } from '../state/store.js';
import './contacts.css';
import { displayNumberOf } from '../../../src-shared/number-display.js';

/** The contacts matching what is typed in the dialer; may be empty. */
export function useContactMatches(store: Store, typed: string): ContactMatch[] {
  const contacts = useStore(store, (s) => s.contacts.contacts);
  return searchContacts(contacts, typed, 4);
}

/** The dialer's matches as you type: one press dials the number shown. */
export function ContactMatches({
  matches,
  canDial,
  onDial,
}: {
  matches: readonly ContactMatch[];
  canDial: boolean;
  onDial: (number: string) => void;
}) {
  if (matches.length === 0) return null;
  return (
    <ul className="contact-matches" aria-label="Matching contacts">
      {matches.map(({ contact, number }) => (
        <li key={contact.id}>
          <button
            type="button"
            className="contact-match"
            disabled={!canDial}
            aria-label={`Call ${contact.name}, ${NUMBER_LABEL_WORDS[number.label]} ${displayNumberOf(number.number)}`}
            onClick={() => onDial(number.number)}
          >
            <span className="match-name">
              {contact.favourite ? '★ ' : ''}
              {contact.name}
            </span>
            <span className="match-number">
              {NUMBER_LABEL_WORDS[number.label]} {displayNumberOf(number.number)}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
