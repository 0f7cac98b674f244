import { useEffect, useRef, useState } from 'react';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { Store } from '../state/store.js';
import { saveSettings } from '../settings/save-settings.js';
import './recording.css';

/** The reminder shown before a recording starts, in the words users of other phones know. */
export const CONSENT_NOTICE =
  "Recording a call may require the other party's consent where you live. Tell them the call is recorded.";

/** A clear REC mark while the call is being recorded; the file's name on hover. */
export function RecordingIndicator({ call }: { call: CallInfo }) {
  if (!call.recording?.active) return null;
  return (
    <p className="rec-indicator" role="status" title={call.recording.file}>
      <span className="rec-dot" aria-hidden="true" />
      REC<span className="visually-hidden"> — this call is being recorded</span>
    </p>
  );
}

/**
 * Record and Stop recording, with the consent reminder before the first (until the user asks
 * not to see it again), and the reason in words when a recording stopped by itself.
 */
export function RecordingControls({ store, call }: { store: Store; call: CallInfo }) {
  const settings = store.getState().settings;
  const [asking, setAsking] = useState(false);
  const [dontRemind, setDontRemind] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmButton.current?.focus();
  }, [asking]);
  const live = call.state === 'connected' || call.state === 'on-hold';
  const recording = call.recording;
  const start = async () => {
    setAsking(false);
    setProblem(null);
    if (dontRemind) await saveSettings(store, { recordingConsentReminder: false });
    try {
      await store.bridge.invoke('startRecording', { callId: call.id });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  const stop = () =>
    void store.act(() => store.bridge.invoke('stopRecording', { callId: call.id }));
  const failed = recording && !recording.active && recording.error;
  return (
    <div className="recording-controls">
      {recording?.active ? (
        <button type="button" className="record stop" onClick={stop}>
          Stop recording
        </button>
      ) : (
        <button
          type="button"
          className="record"
          disabled={!live || asking}
          onClick={() => {
            setProblem(null);
            if (settings?.recordingConsentReminder === false) void start();
            else setAsking(true);
          }}
        >
          <span className="rec-dot" aria-hidden="true" /> Record
        </button>
      )}
      {asking && (
        <div className="consent" role="alertdialog" aria-labelledby={`consent-${call.id}`}>
          <p id={`consent-${call.id}`}>{CONSENT_NOTICE}</p>
          <label className="consent-again">
            <input
              type="checkbox"
              checked={dontRemind}
              onChange={(event) => setDontRemind(event.target.checked)}
            />
            Don't remind me again
          </label>
          <div className="panel-actions">
            <button
              ref={confirmButton}
              type="button"
              className="primary"
              onClick={() => void start()}
            >
              Start recording
            </button>
            <button type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {(problem ?? failed) && (
        <p className="recording-problem" role="alert">
          {problem ?? `Recording stopped: ${recording?.error}`} The call goes on.
        </p>
      )}
      {recording && !recording.active && !failed && (
        <p className="recording-saved muted" role="status">
          Saved as {recording.file}
        </p>
      )}
    </div>
  );
}
