import { useEffect, useRef, useState } from 'react';
import type { HistoryEntry } from '../../../src-shared/call-history.js';
import { ContactIndex } from '../../../src-shared/contacts.js';
import type { ContactPrefill } from '../contacts/ContactForm.js';
import { dialTargetOf } from '../dialer/phone-number.js';
import { accountLabelOf } from '../accounts/account-words.js';
import { useStore, type Store } from '../state/store.js';
import {
  directionWords,
  durationText,
  groupByDay,
  isMissed,
  resultWords,
  timeText,
} from './history-model.js';
import './history.css';
import { HistoryRecording } from '../recording/HistoryRecording.js';

/**
 * Every recorded call by day, with call back in one click, a number not in the address book
 * one click from being added, and clearing behind a confirmation.
 */
export function HistoryView({
  store,
  onAddContact,
}: {
  store: Store;
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
  // The question takes the focus on its safe answer, so Enter or Space never clears by surprise.
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  const days = groupByDay(history, new Date());
  const callBack = (entry: HistoryEntry) => {
    const target = dialTargetOf(entry.number);
    // Called back from the account the call was on, while that account is still there.
    const accountId = accounts.some((account) => account.id === entry.accountId)
      ? entry.accountId
      : undefined;
    void store.act(() => store.bridge.invoke('call', { target, accountId }));
  };
  return (
    <section className="history" aria-labelledby="history-title">
      <div className="subpage-head">
        <h1 id="history-title" className="subpage-title">
          History
        </h1>
        {history.length > 0 && !confirming && (
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
      {history.length === 0 ? (
        <p className="muted" role="status">
          {cleared ? 'History cleared.' : 'No calls yet.'}
        </p>
      ) : (
        days.map((day) => (
          <section key={day.key} aria-label={day.label}>
            <h2>{day.label}</h2>
            <ul className="history-list">
              {day.entries.map((entry) => (
                <HistoryRow
                  key={entry.id}
                  store={store}
                  entry={{ ...entry, name: contacts.nameFor(entry.number, entry.name) }}
                  canCall={registered}
                  account={accountLabelOf(accounts, entry.accountId)}
                  onCallBack={() => callBack(entry)}
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
    </section>
  );
}

function HistoryRow({
  store,
  entry,
  canCall,
  account,
  onCallBack,
  onAddContact,
}: {
  store: Store;
  entry: HistoryEntry;
  canCall: boolean;
  /** The account's label, when there are several. */
  account: string | null;
  onCallBack: () => void;
  /** Absent when the number is a contact's already, or one a contact could not be found by. */
  onAddContact?: () => void;
}) {
  const missed = isMissed(entry);
  const who = entry.name ?? entry.number;
  const duration = durationText(entry.durationSeconds);
  const result = resultWords(entry);
  return (
    <li
      className={`history-call${missed ? ' missed' : ''}${entry.recording ? ' recorded' : ''}${onAddContact ? ' addable' : ''}`}
    >
      <span className={`direction ${entry.direction}`} aria-hidden="true">
        {missed ? '✕' : entry.direction === 'incoming' ? '↙' : '↗'}
      </span>
      <span className="who" title={entry.name ? `${entry.name} (${entry.number})` : entry.number}>
        <span className="name">{who}</span>
        {entry.name && <span className="history-number">{entry.number}</span>}
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
      <button
        type="button"
        className="small call-back"
        disabled={!canCall}
        title={canCall ? `Call ${entry.number}` : 'Not registered: calls cannot go out'}
        aria-label={`Call back ${who}`}
        onClick={onCallBack}
      >
        Call back
      </button>
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
      <HistoryRecording store={store} entry={entry} />
    </li>
  );
}
