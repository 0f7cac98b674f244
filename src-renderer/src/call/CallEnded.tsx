import { useEffect, useState } from 'react';
import type { CallInfo } from '../../../src-shared/domain.js';
import { keyAction } from './call-keys.js';
import { callEndWords } from '../../../src-shared/call-end-words.js';
import { callAgainLabel, endedCallToShow, endedScreenLeftMs } from './ended-call.js';
import { callButtonTitle } from '../accounts/account-words.js';
import { partyNameOf } from '../../../src-shared/number-display.js';

/** The ended call to show now (see ended-call.ts), and how to dismiss it early. */
export function useEndedCall(calls: readonly CallInfo[]): {
  call: CallInfo | null;
  dismiss: () => void;
} {
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(() => new Set());
  const [, setTick] = useState(0);
  const call = endedCallToShow(calls, Date.now(), dismissed);
  // Render once more when its time is up, so the dialer returns without another event.
  const leftMs = call ? endedScreenLeftMs(call, Date.now()) : 0;
  useEffect(() => {
    if (!call) return undefined;
    const timer = setTimeout(() => setTick((tick) => tick + 1), leftMs + 20);
    return () => clearTimeout(timer);
  }, [call, leftMs]);
  return {
    call,
    dismiss: () => {
      if (call) setDismissed(new Set([...dismissed, call.id]));
    },
  };
}

function duration(call: CallInfo): string | null {
  if (!call.answeredAt || !call.endedAt) return null;
  const seconds = Math.max(
    0,
    Math.round((Date.parse(call.endedAt) - Date.parse(call.answeredAt)) / 1000),
  );
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Words that need the engine's sentence beside them to be understood. */
const EXPLAINED = new Set([
  'Network problem',
  'Call failed',
  'Not allowed',
  'No common audio format',
  'Not encrypted',
  'Transferred',
]);

/** The engine's reasons are clauses ("the other side would not…"); on their own line, a sentence. */
function asSentence(clause: string): string {
  return clause.charAt(0).toUpperCase() + clause.slice(1);
}

/**
 * How a call ended, in plain words, for a few seconds before the dialer returns ("Busy",
 * "Number not found", "They hung up"); Esc or the button goes back at once, and one press
 * calls the same number again on the same account.
 */
export function CallEnded({
  call,
  onDismiss,
  backLabel = 'Back to dialer',
  onCallAgain,
  canCallAgain,
}: {
  call: CallInfo;
  onDismiss: () => void;
  backLabel?: string;
  onCallAgain: () => void;
  /** False while the call's account is not registered: the button says why instead. */
  canCallAgain: boolean;
}) {
  const againLabel = callAgainLabel(call);
  const plain = callEndWords(call) ?? 'Call ended';
  const sentence = EXPLAINED.has(plain) && call.end ? asSentence(call.end.message) : null;
  // "Transferred" over "Transferred to 4443" says one thing twice: the sentence alone says it.
  const repeats = sentence !== null && sentence.startsWith(plain);
  const words = repeats ? sentence : plain;
  const detail = repeats ? null : sentence;
  // An outgoing call the far end or the network refused, as opposed to one someone hung up.
  const refused =
    call.direction === 'outgoing' && !call.answeredAt && call.end?.code !== 'hangup-local';
  const lasted = duration(call);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const secondsLeft = Math.max(1, Math.ceil(endedScreenLeftMs(call, now) / 1000));
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target instanceof HTMLElement ? event.target : null;
      const { key, ctrlKey, metaKey, altKey } = event;
      const action = keyAction({ key, ctrlKey, metaKey, altKey, target }, 'ended');
      if (action?.kind !== 'dismiss') return;
      event.preventDefault();
      onDismiss();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  });
  return (
    <section className="call ended" aria-label="Call ended">
      <p className="state">Call ended</p>
      <h1 className="remote">{partyNameOf(call.remoteDisplayName, call.remote)}</h1>
      <p className={refused ? 'end-reason refused' : 'end-reason'} role="status">
        {words}
      </p>
      {detail && <p className="muted end-detail">{detail}</p>}
      {lasted && <p className="timer">Call lasted {lasted}</p>}
      <div className={againLabel ? 'ended-actions' : 'ended-actions single'}>
        {againLabel && (
          <button
            type="button"
            className="again"
            disabled={!canCallAgain}
            title={callButtonTitle(canCallAgain, call.remote)}
            onClick={onCallAgain}
          >
            {againLabel}
          </button>
        )}
        <button
          type="button"
          className="primary back"
          aria-keyshortcuts="Escape"
          // The screen replaced the one with the focus: a place a keyboard user can act from, and
          // the safe one: a stray Enter goes back rather than calls again.
          autoFocus
          onClick={onDismiss}
        >
          {backLabel}
        </button>
      </div>
      <p className="muted countdown">
        Closes in {secondsLeft} s · <kbd>Esc</kbd> closes now
      </p>
    </section>
  );
}
