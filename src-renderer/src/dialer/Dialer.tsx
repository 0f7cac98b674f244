import { useEffect, useRef, useState } from 'react';
import {
  AccountChooser,
  accountStillListed,
  useAccountRegistered,
} from '../accounts/AccountChooser.js';
import { accountLabelOf } from '../accounts/account-words.js';
import { FIRST_ACCOUNT_ID } from '../../../src-shared/accounts.js';
import type { HistoryEntry } from '../../../src-shared/call-history.js';
import { keyAction } from '../call/call-keys.js';
import {
  dialTargetOf,
  isWithheldNumber,
  normalizeDialString,
  vanityNumberDigits,
} from './phone-number.js';
import { lastDialled } from './redial.js';
import { useStore, type Store } from '../state/store.js';
import { VoicemailButton } from '../voicemail/VoicemailButton.js';
import { ContactMatches, useContactMatches } from '../contacts/ContactMatches.js';
import { useLongPress } from '../ui/use-long-press.js';
import './dialer.css';
import { displayNumberOf, partyNameOf } from '../../../src-shared/number-display.js';
import { durationText, recentWhenText, resultWords } from '../history/history-model.js';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const LETTERS: Record<string, string> = {
  '2': 'ABC',
  '3': 'DEF',
  '4': 'GHI',
  '5': 'JKL',
  '6': 'MNO',
  '7': 'PQRS',
  '8': 'TUV',
  '9': 'WXYZ',
  '0': '+',
};

/**
 * The twelve keys. `holds` gives a key what holding it types, as on a phone (the dialer's 0 held
 * is +); without it a key types only its digit (the call keypad sends tones).
 */
export function Keypad({
  onKey,
  label,
  holds = {},
}: {
  onKey: (key: string) => void;
  label: string;
  holds?: Readonly<Record<string, string>>;
}) {
  return (
    <div className="keypad" role="group" aria-label={label}>
      {KEYS.map((key) => (
        <KeypadKey key={key} digit={key} held={holds[key]} onKey={onKey} />
      ))}
    </div>
  );
}

function KeypadKey({
  digit,
  held,
  onKey,
}: {
  digit: string;
  held: string | undefined;
  onKey: (key: string) => void;
}) {
  const press = useLongPress(
    () => onKey(digit),
    held === undefined ? undefined : () => onKey(held),
  );
  return (
    <button
      type="button"
      className="key"
      aria-label={`Key ${digit}`}
      title={held === undefined ? undefined : `Hold for ${held}`}
      {...press}
    >
      <span className="digit">{digit}</span>
      <span className="letters">{LETTERS[digit] ?? '\u00a0'}</span>
    </button>
  );
}

/** What holding a dialer key types: + for an international number, as on a mobile. */
const DIALER_HOLDS = { '0': '+' } as const;

export function Dialer({
  store,
  prefill,
  onPrefillTaken,
  accountId,
  onChooseAccount,
  onOpenHistory,
}: {
  store: Store;
  /** A link's number to fill in once; the dialer says when it has taken it. */
  prefill: { number: string } | null;
  onPrefillTaken: () => void;
  /** The account calls go out on (the app keeps the choice across pages). */
  accountId: string;
  onChooseAccount: (accountId: string) => void;
  /** Opens the History page with every call. */
  onOpenHistory: () => void;
}) {
  const [number, setNumber] = useState('');
  const registered = useAccountRegistered(store, accountId);
  const history = useStore(store, (s) => s.history);
  useEffect(() => {
    if (!prefill) return;
    setNumber(prefill.number);
    onPrefillTaken();
  }, [prefill, onPrefillTaken]);
  const field = useRef<HTMLInputElement>(null);
  // Letters typed are a contact's name (Enter dials the first match's number), unless they
  // follow an area code: a vanity number such as 1-800-FLOWERS, dialled as its digits.
  const matches = useContactMatches(store, number);
  const byName = /\p{L}/u.test(number) && !vanityNumberDigits(number) ? matches[0] : undefined;
  const target = normalizeDialString(byName ? byName.number.number : number);
  const contacts = useStore(store, (s) => s.contacts);
  // Call on an empty field fills in the last number dialled; it never dials unseen.
  const redial = number === '' ? lastDialled(history) : null;
  // A redial is the last call again, from the line it went out on (a desk phone's redial key),
  // while that account is still there; else from the one chosen.
  const accounts = useStore(store, (s) => s.accounts);
  const redialFrom =
    (redial && accountStillListed(accounts, redial.accountId ?? FIRST_ACCOUNT_ID)) || accountId;
  const redialRegistered = useAccountRegistered(store, redialFrom);
  const redialLine =
    redialFrom === accountId ? '' : ` on ${accountLabelOf(accounts, redialFrom) ?? redialFrom}`;
  const canDial = target !== '' ? registered : redial !== null && redialRegistered;
  const dial = () => {
    if (!canDial) return;
    if (target === '' && redial !== null) {
      setNumber(redial.number);
      if (redialFrom !== accountId) onChooseAccount(redialFrom);
      field.current?.focus();
      return;
    }
    void store.act(() => store.bridge.invoke('call', { target, accountId }));
  };
  // The number field has the focus when the dialer opens, so typing a number is typing it in.
  useEffect(() => field.current?.focus(), []);
  // Digits typed anywhere on the page go into the number field (call/call-keys.ts); in the field
  // itself the browser types them and the form's submit dials.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const { key, ctrlKey, metaKey, altKey } = event;
      const element = event.target instanceof HTMLElement ? event.target : null;
      const action = keyAction({ key, ctrlKey, metaKey, altKey, target: element }, 'dialer');
      if (!action) return;
      event.preventDefault();
      if (action.kind === 'type') setNumber((current) => current + action.digit);
      else if (action.kind === 'erase') setNumber((current) => current.slice(0, -1));
      else if (action.kind === 'dial') dial();
      if (action.kind !== 'dial') field.current?.focus();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  });
  const erase = useLongPress(
    () => setNumber((current) => current.slice(0, -1)),
    () => setNumber(''),
  );
  const recent = history.slice(0, 6);
  return (
    <section className="dialer" aria-label="Dialer">
      {/* Every page has one top heading to jump to; here the keypad says the rest. */}
      <h1 className="visually-hidden">Dialer</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          dial();
        }}
      >
        <label className="visually-hidden" htmlFor="number">
          Number to call
        </label>
        <input
          ref={field}
          id="number"
          className="number"
          inputMode="tel"
          autoComplete="off"
          placeholder="Enter a number"
          value={number}
          onChange={(event) => setNumber(event.target.value)}
        />
        {number && target !== number && <p className="hint">Will dial {target}</p>}
        <ContactMatches
          matches={matches}
          canDial={registered}
          onDial={(picked) =>
            void store.act(() =>
              store.bridge.invoke('call', {
                target: dialTargetOf(picked),
                accountId,
              }),
            )
          }
        />
        <AccountChooser store={store} accountId={accountId} onChange={onChooseAccount} />
        <Keypad
          label="Keypad"
          holds={DIALER_HOLDS}
          onKey={(key) => setNumber((current) => current + key)}
        />
        <div className="dial-row">
          <button
            type="submit"
            className="call-button"
            disabled={!canDial}
            aria-keyshortcuts="Enter"
            aria-label="Call"
            title={
              redial !== null
                ? `Fill in the last number dialled, ${displayNumberOf(redial.number)}${redialLine}`
                : undefined
            }
          >
            Call
          </button>
          <button
            type="button"
            className="ghost"
            aria-label="Delete last digit"
            title="Hold to clear the number"
            {...erase}
          >
            ⌫
          </button>
        </div>
        <div className="voicemail-row">
          <VoicemailButton store={store} accountId={accountId} />
        </div>
      </form>
      <div className="recent-head">
        <h2>Recent</h2>
        <button type="button" className="ghost link" onClick={onOpenHistory}>
          All calls
        </button>
      </div>
      {recent.length === 0 ? (
        <p className="muted">No calls yet. Try 4443, voip.ms&apos;s echo test.</p>
      ) : (
        <ul className="recent">
          {recent.map((call) => (
            <RecentCall
              key={call.id}
              entry={call}
              name={contacts.nameFor(call.number, call.name)}
              onPick={setNumber}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function RecentCall({
  entry,
  name,
  onPick,
}: {
  entry: HistoryEntry;
  name: string | null;
  onPick: (number: string) => void;
}) {
  const duration = durationText(entry.durationSeconds);
  const missed = entry.outcome === 'missed';
  // "anonymous" in the number field would dial a stranger's SIP user, or nobody.
  const withheld = isWithheldNumber(entry.number);
  return (
    <li>
      <button
        type="button"
        className={missed ? 'recent-call missed' : 'recent-call'}
        disabled={withheld}
        title={withheld ? 'The caller withheld their number' : undefined}
        onClick={() => onPick(entry.number)}
      >
        <span className={`direction ${entry.direction}`} aria-hidden="true">
          {missed ? '✕' : entry.direction === 'incoming' ? '↙' : '↗'}
        </span>
        <span className="who">{partyNameOf(name, entry.number)}</span>
        {/* History's words and formats, so a call reads the same on both pages. */}
        <span className="when">
          {recentWhenText(entry, new Date())}
          {duration ? ` · ${duration}` : ''}
        </span>
        <span className="result">{resultWords(entry)}</span>
      </button>
    </li>
  );
}
