import { useEffect, useId, useState } from 'react';
import type { DoctorReport } from '../../../src-shared/doctor.js';
import { copyText } from '../ui/clipboard.js';
import {
  STATUS_WORDS,
  STEP_TEXT,
  describeFix,
  displaySummary,
  nextStep,
  hasEvidence,
  secondsSince,
  stepAsText,
  stepRows,
  verdictColor,
  type StepRow,
} from './doctor-model.js';
import { useStore, type Store } from '../state/store.js';
import { SETTINGS_SECTION } from './NatPanel.js';
import './doctor.css';

const STATUS_ICONS: Record<StepRow['state'], string> = {
  pass: '✓',
  warn: '!',
  fail: '✕',
  skipped: '–',
  running: '',
  pending: '',
};

/** Ticks once a second while `active`, so running clocks move without new events. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function CopyButton({ text, label }: { text: () => string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <span className="copy">
      <button type="button" className="small" onClick={() => void copyText(text()).then(setCopied)}>
        {label}
      </button>
      <span role="status" className="copy-result">
        {copied === null ? '' : copied ? 'Copied' : 'Could not copy'}
      </span>
    </span>
  );
}

function Step({ row, since, now }: { row: StepRow; since: number | null; now: number }) {
  const text = STEP_TEXT[row.id];
  const { step } = row;
  return (
    <li
      className={`doctor-step ${row.state}`}
      aria-busy={row.state === 'running' ? true : undefined}
      data-step={row.id}
    >
      <span className="step-icon" aria-hidden="true">
        {STATUS_ICONS[row.state]}
      </span>
      <div className="step-body">
        <div className="step-head">
          <strong>{text.title}</strong>
          <span className="step-status">
            {STATUS_WORDS[row.state]}
            {row.state === 'running' && ` · ${secondsSince(since, now)} s`}
            {step && step.durationMs >= 1000 && ` · ${Math.round(step.durationMs / 1000)} s`}
          </span>
        </div>
        <p className="step-summary">{step ? displaySummary(step) : text.does}</p>
        {step && hasEvidence(step) && (
          <details className="evidence">
            <summary>Evidence</summary>
            <pre tabIndex={0}>{JSON.stringify(step.evidence, null, 2)}</pre>
            <CopyButton text={() => stepAsText(step)} label="Copy evidence" />
          </details>
        )}
      </div>
    </li>
  );
}

function Verdict({
  report,
  store,
  onOpenSettings,
}: {
  report: DoctorReport;
  store: Store;
  onOpenSettings: (section: string) => void;
}) {
  const doctor = useStore(store, (s) => s.doctor);
  const fixId = useId();
  const color = verdictColor(report.verdict.code);
  const next = nextStep(report.verdict.code, report.fix);
  return (
    <div
      className={`verdict doctor-verdict ${color}`}
      role="status"
      data-verdict={report.verdict.code}
    >
      <strong>{report.verdict.message}</strong>
      {report.notes && report.notes.length > 0 && (
        <ul className="doctor-notes">
          {report.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {next && (
        <div className="fix">
          <p>{next}</p>
          {/* The advice carries the button that acts on it, as the Network panel's does. */}
          {report.verdict.code === 'turn-required' && (
            <button
              type="button"
              className="primary"
              onClick={() => onOpenSettings(SETTINGS_SECTION.relay)}
            >
              Open relay settings
            </button>
          )}
        </div>
      )}
      {report.fix && (
        <div className="fix">
          <p id={fixId}>
            {doctor.applied ? 'Applied: ' : 'Recommended: '}
            {describeFix(doctor.applied ?? report.fix)}
          </p>
          {!doctor.applied && (
            <button
              type="button"
              className="primary"
              aria-describedby={fixId}
              disabled={doctor.applying}
              onClick={() => void store.applyDoctorFix()}
            >
              {doctor.applying ? 'Applying…' : 'Apply'}
            </button>
          )}
          {doctor.applied && <p className="saved">Saved to your settings and in use now.</p>}
        </div>
      )}
    </div>
  );
}

export function DoctorView({
  store,
  onBack,
  onOpenSettings,
}: {
  store: Store;
  onBack: () => void;
  /** Opens Settings at the section with this element id. */
  onOpenSettings: (section: string) => void;
}) {
  const doctor = useStore(store, (s) => s.doctor);
  const accountReady = useStore(store, (s) =>
    Boolean(s.settings?.account && s.settings.hasPassword),
  );
  const [full, setFull] = useState(doctor.full);
  const now = useNow(doctor.running);
  const rows = stepRows(doctor.steps, doctor.running);
  const done = rows.filter((row) => row.step).length;
  const latest = doctor.running ? doctor.steps.at(-1) : undefined;
  const fullId = useId();
  const progressId = useId();
  return (
    <section className="doctor" aria-label="Connection check">
      <div className="subpage-head">
        <button type="button" className="ghost back" onClick={onBack}>
          ← Network
        </button>
      </div>
      <h1 className="subpage-title">Check my connection</h1>
      <p className="muted intro">
        Two short test calls to the voip.ms echo service and a few questions to STUN servers tell
        what your router does to calls. Your phone stays registered while it runs.
      </p>
      <div className="doctor-controls">
        <label className="check" htmlFor={fullId}>
          <input
            id={fullId}
            type="checkbox"
            checked={full}
            disabled={doctor.running}
            onChange={(event) => setFull(event.target.checked)}
          />
          <span>Measure how long the router keeps a mapping (takes 3 minutes)</span>
        </label>
        <button
          type="button"
          className="primary"
          disabled={doctor.running || !accountReady}
          aria-describedby={doctor.running ? progressId : undefined}
          onClick={() => void store.runDoctor(full)}
        >
          {doctor.running ? 'Checking…' : doctor.report ? 'Check again' : 'Start check'}
        </button>
        {!accountReady && <p className="muted small-print">Save your account in Settings first.</p>}
      </div>
      {(doctor.running || doctor.steps.length > 0) && (
        <div className="doctor-progress" id={progressId}>
          <progress
            max={rows.length}
            value={done}
            aria-label={`Check progress: ${done} of ${rows.length} steps`}
          />
          <span className="muted">
            {doctor.running
              ? `${done} of ${rows.length} steps · ${secondsSince(doctor.startedAt, now)} s · about ${doctor.full ? '4 minutes' : 'a minute'}`
              : `${done} of ${rows.length} steps`}
          </span>
        </div>
      )}
      {/* The list changes every second while it runs; this says only what just landed. */}
      <p className="visually-hidden" role="status">
        {latest
          ? `${STEP_TEXT[latest.id].title}: ${STATUS_WORDS[latest.status]}. ${displaySummary(latest)}`
          : ''}
      </p>
      <ol className="doctor-steps" aria-label="Check steps">
        {rows.map((row) => (
          <Step key={row.id} row={row} since={doctor.lastStepAt} now={now} />
        ))}
      </ol>
      {doctor.error && (
        <p className="warning" role="alert">
          {doctor.error}
        </p>
      )}
      {doctor.report && (
        <>
          <Verdict report={doctor.report} store={store} onOpenSettings={onOpenSettings} />
          <div className="doctor-actions">
            <CopyButton
              label="Copy report"
              text={() =>
                [
                  `Verdict: ${doctor.report?.verdict.message ?? ''}`,
                  ...(doctor.report?.steps ?? []).map(stepAsText),
                ].join('\n\n')
              }
            />
          </div>
        </>
      )}
    </section>
  );
}
