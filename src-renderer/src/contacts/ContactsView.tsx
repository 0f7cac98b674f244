import { useRef, useState } from 'react';
import {
  NUMBER_LABEL_WORDS,
  foldedText,
  numberKeyOf,
  type Contact,
  type ContactDraft,
  type ContactImportReport,
} from '../../../src-shared/contacts.js';
import { dialTargetOf } from '../dialer/phone-number.js';
import { useAccountRegistered } from '../accounts/AccountChooser.js';
import { callButtonTitle } from '../accounts/account-words.js';
import { useStore, type Store } from '../state/store.js';
import { ContactForm, type ContactPrefill } from './ContactForm.js';
import { textOfPickedFile } from './contact-files.js';
import { downloadExport } from '../ui/download-export.js';
import { SearchField } from '../ui/SearchField.js';
import './contacts.css';
import { displayNumberOf } from '../../../src-shared/number-display.js';

type Editing = { contact: Contact | null; prefill?: ContactPrefill } | null;

/** The address book: search, call, star, add and edit, import and export. */
export function ContactsView({
  store,
  accountId,
  prefill = null,
  onPrefillDone,
}: {
  store: Store;
  /** The account calls go out on: the one chosen in the dialer (the app keeps it across pages). */
  accountId: string;
  /** A new contact to open on, made from a call elsewhere (History's "Add contact"). */
  prefill?: ContactPrefill | null;
  /** The contact made from `prefill` was saved or cancelled: the page it came from returns. */
  onPrefillDone?: () => void;
}) {
  const contacts = useStore(store, (s) => s.contacts.contacts);
  const registered = useAccountRegistered(store, accountId);
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<Editing>(() =>
    prefill ? { contact: null, prefill } : null,
  );
  const closeForm = () => {
    const fromElsewhere = editing?.prefill !== undefined;
    setEditing(null);
    if (fromElsewhere) onPrefillDone?.();
  };
  const [report, setReport] = useState<ContactImportReport | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const invoke = store.bridge.invoke.bind(store.bridge);

  const save = async (draft: ContactDraft): Promise<string | null> => {
    try {
      store.setContacts(await invoke('saveContact', { contact: draft }));
      closeForm();
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const remove = async (contact: Contact) => {
    const book = await store.act(() => invoke('deleteContact', { id: contact.id }));
    if (book) {
      store.setContacts(book);
      setEditing(null);
    }
  };
  const toggleFavourite = async (contact: Contact) => {
    const book = await store.act(() =>
      invoke('saveContact', { contact: { ...contact, favourite: !contact.favourite } }),
    );
    if (book) store.setContacts(book);
  };
  const importFile = async (file: File) => {
    setReport(null);
    setFileProblem(null);
    const read = await textOfPickedFile(file);
    if ('problem' in read) {
      setFileProblem(read.problem);
      return;
    }
    const result = await store.act(() =>
      invoke('importContacts', { fileName: file.name, text: read.text }),
    );
    if (!result) return;
    setReport(result);
    const book = await store.act(() => invoke('listContacts', {}));
    if (book) store.setContacts(book);
  };
  const exportAs = async (format: 'vcard' | 'csv') => {
    const file = await store.act(() => invoke('exportContacts', { format }));
    if (file) downloadExport(file);
  };
  const dial = (number: string) => {
    const target = dialTargetOf(number);
    void store.act(() => invoke('call', { target, accountId }));
  };

  const folded = foldedText(query.trim());
  const digits = numberKeyOf(query);
  const shown = contacts.filter(
    (contact) =>
      folded === '' ||
      foldedText(contact.name).includes(folded) ||
      (digits.length >= 2 && contact.numbers.some((n) => numberKeyOf(n.number).includes(digits))),
  );

  if (editing) {
    return (
      <section className="contacts" aria-labelledby="contacts-title">
        <h1 id="contacts-title" className="subpage-title">
          Contacts
        </h1>
        <ContactForm
          contact={editing.contact}
          prefill={editing.prefill}
          onSave={save}
          onCancel={closeForm}
          onDelete={editing.contact ? () => void remove(editing.contact as Contact) : undefined}
        />
      </section>
    );
  }
  return (
    <section className="contacts" aria-labelledby="contacts-title">
      <div className="subpage-head">
        <h1 id="contacts-title" className="subpage-title">
          Contacts
        </h1>
        <button
          type="button"
          className="small primary"
          onClick={() => setEditing({ contact: null })}
        >
          Add contact
        </button>
      </div>
      <SearchField
        id="contact-search"
        label="Search contacts"
        placeholder="Search by name or number"
        className="contact-search"
        value={query}
        onChange={setQuery}
      />
      {contacts.length === 0 ? (
        <p className="muted">
          No contacts yet. Add one, or import the vCard or CSV file your phone or address book
          exports.
        </p>
      ) : shown.length === 0 ? (
        <p className="muted" role="status">
          No contact matches “{query}”.
        </p>
      ) : (
        <ul className="contact-list" aria-label="Contacts">
          {shown.map((contact) => (
            <ContactRow
              key={contact.id}
              contact={contact}
              canCall={registered}
              onCall={dial}
              onEdit={() => setEditing({ contact })}
              onToggleFavourite={() => void toggleFavourite(contact)}
            />
          ))}
        </ul>
      )}
      <section className="contact-files" aria-labelledby="contact-files-title">
        <h2 id="contact-files-title">Import and export</h2>
        <p className="muted small-print">
          vCard (.vcf) from Google, Apple, Outlook, Android or Nextcloud, or a Google or Outlook
          CSV. Only names and phone numbers are kept.
        </p>
        <div className="panel-actions">
          <button type="button" onClick={() => picker.current?.click()}>
            Import a file…
          </button>
          <button
            type="button"
            disabled={contacts.length === 0}
            onClick={() => void exportAs('vcard')}
          >
            Export vCard
          </button>
          <button
            type="button"
            disabled={contacts.length === 0}
            onClick={() => void exportAs('csv')}
          >
            Export CSV
          </button>
        </div>
        <input
          ref={picker}
          type="file"
          className="visually-hidden"
          aria-label="Address book file to import"
          accept=".vcf,.vcard,.csv,text/vcard,text/csv"
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void importFile(file);
          }}
        />
        {fileProblem && (
          <p className="error" role="alert">
            {fileProblem}
          </p>
        )}
        {report && <ImportReport report={report} />}
      </section>
    </section>
  );
}

function ContactRow({
  contact,
  canCall,
  onCall,
  onEdit,
  onToggleFavourite,
}: {
  contact: Contact;
  canCall: boolean;
  onCall: (number: string) => void;
  onEdit: () => void;
  onToggleFavourite: () => void;
}) {
  return (
    <li className="contact">
      <button
        type="button"
        className={`ghost star${contact.favourite ? ' on' : ''}`}
        aria-pressed={contact.favourite}
        aria-label={`Favourite: ${contact.name}`}
        title={contact.favourite ? 'Remove from favourites' : 'Add to favourites'}
        onClick={onToggleFavourite}
      >
        {contact.favourite ? '★' : '☆'}
      </button>
      <button type="button" className="ghost contact-name" onClick={onEdit} title="Edit">
        {contact.name}
      </button>
      <ul className="contact-numbers-list">
        {contact.numbers.map((entry, index) => (
          <li key={index}>
            <span className="number-label">{NUMBER_LABEL_WORDS[entry.label]}</span>{' '}
            <span className="number-text">{displayNumberOf(entry.number)}</span>
            <button
              type="button"
              className="small call-back"
              disabled={!canCall}
              aria-label={`Call ${contact.name}, ${NUMBER_LABEL_WORDS[entry.label]} ${displayNumberOf(entry.number)}`}
              title={callButtonTitle(canCall, entry.number)}
              onClick={() => onCall(entry.number)}
            >
              Call
            </button>
          </li>
        ))}
      </ul>
    </li>
  );
}

function ImportReport({ report }: { report: ContactImportReport }) {
  const kind = report.format === 'vcard' ? 'vCard' : 'CSV';
  const parts = [`${report.imported} imported`];
  if (report.duplicates > 0) parts.push(`${report.duplicates} already in the book`);
  if (report.skippedCount > 0) parts.push(`${report.skippedCount} skipped`);
  return (
    <div className="import-report" role="status">
      <p>
        <strong>{kind} file:</strong> {parts.join(', ')}.
      </p>
      {report.skipped.length > 0 && (
        <ul>
          {report.skipped.map((entry) => (
            <li key={entry.position}>
              {report.format === 'vcard' ? 'Card' : 'Row'} {entry.position}
              {entry.name ? ` (${entry.name})` : ''}: {entry.reason}
            </li>
          ))}
          {report.skippedCount > report.skipped.length && (
            <li>…and {report.skippedCount - report.skipped.length} more.</li>
          )}
        </ul>
      )}
    </div>
  );
}
