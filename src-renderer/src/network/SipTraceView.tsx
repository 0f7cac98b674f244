import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { SipTraceEntry } from '../../../src-shared/ipc-contract.js';
import { copyText } from '../ui/clipboard.js';
import { MARK_MEANING, firstLine, peerOf, traceAsText, traceLines } from './sip-trace-model.js';
import type { Store } from '../state/store.js';
import './trace.css';

const time = (iso: string) => {
  const date = new Date(iso);
  return `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`;
};

function Message({ entry }: { entry: SipTraceEntry }) {
  const lines = traceLines(entry.message);
  return (
    <li className={`trace-entry ${entry.direction}`}>
      <details>
        <summary>
          <span className="trace-dir" aria-hidden="true">
            {entry.direction === 'out' ? '→' : '←'}
          </span>
          <span className="trace-first">{firstLine(entry.message)}</span>
          <span className="trace-meta">
            <time dateTime={entry.at}>{time(entry.at)}</time>{' '}
            <span className="visually-hidden">
              {entry.direction === 'out' ? 'sent' : 'received'}
            </span>
            {peerOf(entry)}
          </span>
        </summary>
        <pre className="trace-text" tabIndex={0}>
          {lines.map((segments, index) => (
            <span key={index} className="trace-line">
              {segments.map((segment, part) =>
                segment.mark ? (
                  <mark
                    key={part}
                    className={`nat-${segment.mark}`}
                    title={MARK_MEANING[segment.mark]}
                  >
                    {segment.text}
                  </mark>
                ) : (
                  segment.text
                ),
              )}
              {'\n'}
            </span>
          ))}
        </pre>
      </details>
    </li>
  );
}

export function SipTraceView({ store, onBack }: { store: Store; onBack: () => void }) {
  const [entries, setEntries] = useState<SipTraceEntry[] | null>(null);
  const [copied, setCopied] = useState<string>('');
  const listRef = useRef<HTMLOListElement>(null);
  const load = useCallback(async () => {
    const trace = await store.act(() => store.bridge.invoke('getSipTrace', {}));
    if (trace) setEntries(trace);
  }, [store]);
  useEffect(() => void load(), [load]);
  // Newest last, and the newest is what one opens a trace for: start at the bottom.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [entries]);
  return (
    <section className="sip-trace" aria-label="SIP trace">
      <div className="subpage-head">
        <button type="button" className="ghost back" onClick={onBack}>
          ← Network
        </button>
        <div className="subpage-actions">
          <button type="button" className="small" onClick={() => void load()}>
            Refresh
          </button>
          <button
            type="button"
            className="small primary"
            disabled={!entries || entries.length === 0}
            onClick={() =>
              void copyText(traceAsText(entries ?? [], new Date())).then((ok) =>
                setCopied(ok ? `Copied ${entries?.length ?? 0} messages` : 'Could not copy'),
              )
            }
          >
            Copy for support ticket
          </button>
        </div>
      </div>
      <h1 className="subpage-title">SIP trace</h1>
      <p className="muted intro">
        The last {entries?.length ?? 0} SIP messages of this phone, newest last. Passwords and
        digest responses are removed.
      </p>
      <ul className="trace-legend" aria-label="Highlighted in each message">
        <li>
          <mark className="nat-via">received / rport</mark> where voip.ms saw us
        </li>
        <li>
          <mark className="nat-contact">Contact</mark> where we ask to be reached
        </li>
        <li>
          <mark className="nat-sdp">c= m=</mark> where audio should go
        </li>
      </ul>
      <p role="status" className="copy-result">
        {copied}
      </p>
      {entries === null ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="muted">No SIP messages yet: save your account in Settings to register.</p>
      ) : (
        <ol className="trace-list" ref={listRef} aria-label="SIP messages, oldest first">
          {entries.map((entry) => (
            <Message key={entry.seq} entry={entry} />
          ))}
        </ol>
      )}
    </section>
  );
}
