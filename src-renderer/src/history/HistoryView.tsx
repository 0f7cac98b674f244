import { useEffect, useRef, useState } from 'react';
import type { HistoryEntry, HistoryShown } from '../../../src-shared/call-history.js';
import { ContactIndex } from '../../../src-shared/contacts.js';
import { downloadExport } from '../ui/download-export.js';
import type { ContactPrefill } from '../contacts/ContactForm.js';
import { dialTargetOf, isWithheldNumber } from '../dialer/phone-number.js';
import { accountLabelOf, callButtonTitle } from '../accounts/account-words.js';
import { accountStillListed } from '../accounts/AccountChooser.js';
import { useStore, type Store } from '../state/store.js';
import {
  directionWords,
  durationText,
  filterHistory,
  groupByDay,
  isMissed,
  resultWords,
  timeText,
} from './history-model.js';
import './history.css';
import { HistoryRecording } from '../recording/HistoryRecording.js';
import { SearchField } from '../ui/SearchField.js';
import { numberBesideName, partyLine, partyNameOf } from '../../../src-shared/number-display.js';

/**
 * Every recorded call by day, all or the missed ones, searchable by name or number; call back
 * in one click, a number not in the address book one click from being added, one call removed
 * in one click, and clearing them all behind a confirmation.
 */
export function HistoryView({
  store,
  request,
  onRequestTaken,
  onAddContact,
}: {
  store: Store;
  /** Which calls to show, asked from outside the page (a missed-call notification), once. */
  request: { shown: HistoryShown } | null;
  onRequestTaken: () => void;
  /** Opens a new contact made from a call's number and the name the caller gave. */
  onAddContact: (prefill: ContactPrefill) => void;
}) {
  const history = useStore(store, (s) => s.history);
  // A number in the address book shows the contact's name; the caller's own name otherwise.
  const contacts = useStore(store, (s) => s.contacts);
  const registered = useStore(store, (s) => s.registration.state === 'registered');
  const accounts = useStore(store, (s) => s.accounts);
  const [confirming, setConfirming] = useState(false);
  const [cleared, setCleared] = useState(false);
  // Opened for a request (a missed-call notification), the first paint already shows what it
  // asked for; the effect below takes a request that comes while the page is open.
  const [shown, setShown] = useState<HistoryShown>(request?.shown ?? 'all');
  const [query, setQuery] = useState('');
  const [removedWords, setRemovedWords] = useState<string | null>(null);
  // After a Remove, the focus goes to the row that took its place, not to the top of the page.
  const [focusAfterRemove, setFocusAfterRemove] = useState<string | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  // The question takes the focus on its safe answer, so Enter or Space never clears by surprise.
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  // Each call under the name the book gives its number, else the caller's own: once, for the
  // search and the rows alike.
  const named = history.map((entry) => ({
    ...entry,
    name: contacts.nameFor(entry.number, entry.name),
  }));
  const listed = filterHistory(named, shown, query, (entry) => entry.name);
  const missedCount = history.filter(isMissed).length;
  const days = groupByDay(listed, new Date());
  useEffect(() => {
    if (!request) return;
    setShown(request.shown);
    setQuery('');
    onRequestTaken();
  }, [request, onRequestTaken]);
  useEffect(() => {
    if (focusAfterRemove === null) return;
    setFocusAfterRemove(null);
    const row = list.current?.querySelector(`[data-entry-id="${CSS.escape(focusAfterRemove)}"]`);
    const next = row?.querySelector<HTMLButtonElement>('.remove-call');
    (next ?? search.current)?.focus();
  }, [focusAfterRemove]);
  const remove = (entry: HistoryEntry, who: string) => {
    // The row shown after it, or before it when it was the last one.
    const order = days.flatMap((day) => day.entries);
    const at = order.findIndex((listedEntry) => listedEntry.id === entry.id);
    const neighbour = order[at + 1] ?? order[at - 1];
    void store.removeHistoryEntry(entry.id).then((ok) => {
      if (!ok) return;
      setCleared(false);
      setRemovedWords(`The call with ${who} was removed from history.`);
      setFocusAfterRemove(neighbour?.id ?? '');
    });
  };
  const callBack = (entry: HistoryEntry) => {
    const target = dialTargetOf(entry.number);
    const accountId = accountStillListed(accounts, entry.accountId);
    void store.act(() => store.bridge.invoke('call', { target, accountId }));
  };
  return (
    <section className="history" aria-labelledby="history-title">
      <div className="subpage-head">
        <h1 id="history-title" className="subpage-title">
          History
        </h1>
        {history.length > 0 && !confirming && (
          <div className="subpage-actions">
            <button
              type="button"
              className="small"
              onClick={() =>
                void store
                  .act(() => store.bridge.invoke('exportHistory', {}))
                  .then((file) => file && downloadExport(file))
              }
            >
              Export CSV
            </button>
            <button
              type="button"
              className="small"
              onClick={() => {
                setCleared(false);
                setConfirming(true);
              }}
            >
              Clear history
            </button>
          </div>
        )}
      </div>
      {confirming && (
        <div className="confirm" role="alertdialog" aria-labelledby="clear-question">
          <p id="clear-question">
            Clear all {history.length} {history.length === 1 ? 'call' : 'calls'}? This cannot be
            undone.
          </p>
          <div className="panel-actions">
            <button
              type="button"
              className="danger"
              onClick={() =>
                void store.clearHistory().then((ok) => {
                  setConfirming(false);
                  setCleared(ok);
                })
              }
            >
              Clear
            </button>
            <button ref={keep} type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </div>
        </div>
      )}
      {history.length > 0 && (
        <div className="history-tools">
          <SearchField
            id="history-search"
            label="Search calls"
            placeholder="Name or number"
            className="history-search"
            value={query}
            onChange={setQuery}
            inputRef={search}
          />
          <div className="history-shown" role="group" aria-label="Calls shown">
            <button type="button" aria-pressed={shown === 'all'} onClick={() => setShown('all')}>
              All
            </button>
            <button
              type="button"
              aria-pressed={shown === 'missed'}
              onClick={() => setShown('missed')}
            >
              Missed{missedCount > 0 ? ` (${missedCount})` : ''}
            </button>
          </div>
        </div>
      )}
      <p className="muted history-removed" role="status">
        {history.length > 0 ? removedWords : null}
      </p>
      <div ref={list}>
        {history.length === 0 ? (
          <p className="muted" role="status">
            {cleared ? 'History cleared.' : 'No calls yet.'}
          </p>
        ) : listed.length === 0 ? (
          <div className="history-none">
            <p className="muted" role="status">
              {query.trim() === ''
                ? 'No missed calls.'
                : `No ${shown === 'missed' ? 'missed call' : 'call'} matches “${query.trim()}”.`}
            </p>
            <button
              type="button"
              className="small"
              onClick={() => {
                setQuery('');
                setShown('all');
              }}
            >
              Show all calls
            </button>
          </div>
        ) : (
          days.map((day) => (
            <section key={day.key} aria-label={day.label}>
              <h2>{day.label}</h2>
              <ul className="history-list">
                {day.entries.map((entry) => (
                  <HistoryRow
                    key={entry.id}
                    store={store}
                    entry={entry}
                    canCall={registered}
                    account={accountLabelOf(accounts, entry.accountId)}
                    onCallBack={() => callBack(entry)}
                    onRemove={(who) => remove(entry, who)}
                    onAddContact={
                      ContactIndex.identifies(entry.number) && !contacts.contactFor(entry.number)
                        ? () => onAddContact({ name: entry.name, number: entry.number })
                        : undefined
                    }
                  />
                ))}
              </ul>
            </section>
          ))
        )}
      </div>
    </section>
  );
}

function HistoryRow({
  store,
  entry,
  canCall,
  account,
  onCallBack,
  onRemove,
  onAddContact,
}: {
  store: Store;
  entry: HistoryEntry;
  canCall: boolean;
  /** The account's label, when there are several. */
  account: string | null;
  onCallBack: () => void;
  /** Forgets this call; given the name or number the row shows, for the words that confirm it. */
  onRemove: (who: string) => void;
  /** Absent when the number is a contact's already, or one a contact could not be found by. */
  onAddContact?: () => void;
}) {
  const missed = isMissed(entry);
  const who = partyNameOf(entry.name, entry.number);
  const number = numberBesideName(entry.name, entry.number);
  // As the end of a call words it: one placed is called again, one that came in is called back.
  const callAgainWords = entry.direction === 'outgoing' ? 'Call again' : 'Call back';
  const duration = durationText(entry.durationSeconds);
  const result = resultWords(entry);
  return (
    <li
      data-entry-id={entry.id}
      className={`history-call${missed ? ' missed' : ''}${entry.recording ? ' recorded' : ''}${onAddContact ? ' addable' : ''}`}
    >
      <span className={`direction ${entry.direction}`} aria-hidden="true">
        {missed ? '✕' : entry.direction === 'incoming' ? '↙' : '↗'}
      </span>
      <span className="who" title={partyLine(entry.name, entry.number)}>
        <span className="name">{who}</span>
        {number && <span className="history-number">{number}</span>}
      </span>
      {/* Each fact keeps its words and the dot after it together: a wrapped line never opens on "·". */}
      <span className="facts">
        <span className="fact">
          {directionWords(entry)}
          {account && <span className="history-account"> on {account}</span>} ·
        </span>{' '}
        <span className="fact">
          <time dateTime={entry.startedAt}>{timeText(entry)}</time> ·
        </span>{' '}
        {duration && (
          <>
            <span className="fact">{duration} ·</span>{' '}
          </>
        )}
        <span className={`fact result${missed ? ' missed' : ''}`}>{result}</span>
      </span>
      {/* A caller who withheld their number cannot be called back: "anonymous" is nobody's. */}
      {!isWithheldNumber(entry.number) && (
        <button
          type="button"
          className="small call-back"
          disabled={!canCall}
          title={callButtonTitle(canCall, entry.number)}
          aria-label={`${callAgainWords} ${who}`}
          onClick={onCallBack}
        >
          {callAgainWords}
        </button>
      )}
      {onAddContact && (
        <button
          type="button"
          className="ghost add-contact"
          aria-label={`Add ${who} to contacts`}
          onClick={onAddContact}
        >
          Add contact
        </button>
      )}
      <button
        type="button"
        className="ghost remove-call"
        title="Remove from history"
        aria-label={`Remove the call with ${who} from history`}
        onClick={() => onRemove(who)}
      >
        <TrashIcon />
      </button>
      <HistoryRecording store={store} entry={entry} />
    </li>
  );
}

/** A bin, drawn rather than an emoji so it looks the same on every desktop. */
function TrashIcon() {
  return (
    <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M6 1.5h4l.6 1.2H14v1.6H2V2.7h3.4L6 1.5Zm-2.6 4h9.2l-.7 8.2a1.2 1.2 0 0 1-1.2 1.1H5.3a1.2 1.2 0 0 1-1.2-1.1L3.4 5.5Zm2.9 1.6v6h1.3v-6H6.3Zm2.1 0v6h1.3v-6H8.4Z"
      />
    </svg>
  );
}
