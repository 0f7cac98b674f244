import type { HistoryEntry } from '../../../src-shared/call-history.js';
import type { Store } from '../state/store.js';
import './recording.css';

/** A History line's mark that the call was recorded: the file, and its folder one click away. */
export function HistoryRecording({ store, entry }: { store: Store; entry: HistoryEntry }) {
  if (!entry.recording) return null;
  return (
    <span className="history-recording">
      <span>
        <span className="rec-dot" aria-hidden="true" /> Recorded:{' '}
        <span className="recording-file">{entry.recording.file}</span>
      </span>
      <button
        type="button"
        className="small"
        onClick={() =>
          void store.act(() => store.bridge.invoke('showRecording', { callId: entry.id }))
        }
      >
        Show in folder
      </button>
    </span>
  );
}
