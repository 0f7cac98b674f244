import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type Ref } from 'react';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { CallAudio, CallAudioStatus } from '../audio/call-audio.js';
import { appendQualitySample, type QualitySample } from './quality-history.js';
import { levelPercent } from './meter-drawing.js';
import { drawMetersOffThread, type MeterCanvases } from './meter-canvases.js';
import type { Store } from '../state/store.js';

/**
 * The audio's status as the screen's tick (second-tick.ts) last saw it, and its problem as it is
 * now. The delay report comes once a second at its own moment: kept aside until the tick, it
 * costs no render and commit of the call screen of its own; a new problem renders at once.
 */
export function useCallAudioStatus(
  audio: CallAudio | null,
  tick: number,
): { shown: CallAudioStatus | null; problem: string | null } {
  const latest = useRef<CallAudioStatus | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    latest.current = null;
    if (!audio) return undefined;
    return audio.onStatus((status) => {
      latest.current = status;
      setProblem(status.problem);
    });
  }, [audio]);
  const shown = useRef({ tick, status: latest.current });
  if (shown.current.tick !== tick) shown.current = { tick, status: latest.current };
  return { shown: shown.current.status, problem };
}

/** A meter at `percent` of its scale: what the cover's scale and the meter's value say. */
function meterLook(percent: number): { transform: string; valueText: string } {
  const share = percent / 100;
  const db = percent > 0 ? Math.round(60 * share - 60) : -Infinity;
  return {
    transform: `scaleX(${1 - share})`,
    valueText: Number.isFinite(db) ? `${db} dB` : 'silent',
  };
}

/** A drawn meter's accessible value, set without React (the meter worker draws the bar). */
function showValue(meter: HTMLDivElement | null, percent: number): void {
  if (!meter) return;
  meter.setAttribute('aria-valuenow', String(percent));
  meter.setAttribute('aria-valuetext', meterLook(percent).valueText);
}

export function LevelMeter({
  label,
  peak,
  showLabel = true,
}: {
  label: string;
  peak: number;
  showLabel?: boolean;
}) {
  return <MeterBar label={label} percent={levelPercent(peak)} showLabel={showLabel} />;
}

/** One meter at a level in whole percent of its scale (-60 dBFS empty, 0 dBFS full). */
const MeterBar = memo(function MeterBar({
  label,
  percent,
  showLabel = true,
  meterRef,
  drawn = false,
}: {
  label: string;
  percent: number;
  showLabel?: boolean;
  meterRef?: Ref<HTMLDivElement>;
  /** Drawn on a canvas by the meter worker (meter-canvases.ts) instead of under a cover. */
  drawn?: boolean;
}) {
  const look = meterLook(percent);
  return (
    <div className={showLabel ? 'meter-row' : 'meter-row bare'}>
      {showLabel && <span className="meter-label">{label}</span>}
      <div
        ref={meterRef}
        className="meter"
        role="meter"
        aria-label={`${label} level`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={look.valueText}
      >
        {/* The scale is painted under a cover that uncovers it, so colours keep their levels.
            The cover is scaled, not resized: no layout when the level moves. */}
        {!drawn && <div className="meter-cover" style={{ transform: look.transform }} />}
      </div>
    </div>
  );
});

const Sparkline = memo(function Sparkline({
  label,
  values,
  unit,
  floor,
}: {
  label: string;
  values: number[];
  unit: string;
  floor: number;
}) {
  const width = 132;
  const height = 30;
  const top = Math.max(floor, ...values);
  const points = values
    .map((value, index) => {
      const x = values.length > 1 ? (index / (values.length - 1)) * width : width;
      const y = height - 2 - (value / top) * (height - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const last = values[values.length - 1];
  return (
    <figure className="sparkline">
      <figcaption>
        {label} <strong>{last === undefined ? '—' : `${last.toFixed(1)} ${unit}`}</strong>
      </figcaption>
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${label} over the last ${values.length} seconds`}
      >
        <line x1="0" y1={height - 1} x2={width} y2={height - 1} className="axis" />
        {values.length > 0 && <polyline points={points} />}
      </svg>
    </figure>
  );
});

function formatDelay(status: CallAudioStatus): string {
  const { uplinkMs, playoutMs } = status;
  if (uplinkMs === null && playoutMs === null) return 'measuring…';
  const part = (ms: number | null) => (ms === null ? '…' : `${Math.round(ms)} ms`);
  return `mic → network ${part(uplinkMs)}, network → speaker ${part(playoutMs)}`;
}

/** The call's statistics as main last sent them: `call` may be from before them (App.tsx). */
export function latestStats(store: Store, call: CallInfo): CallInfo['stats'] {
  return store.getState().calls.find((other) => other.id === call.id)?.stats ?? call.stats;
}

/**
 * One-second samples of the call's jitter and loss, taken from the store as each statistics event
 * lands (so none is missed between two renders) and kept across renders for this call; the screen
 * renders them at its tick.
 */
export function useQualityHistory(store: Store, call: CallInfo): readonly QualitySample[] {
  const history = useRef<{ callId: string; samples: QualitySample[]; last: CallInfo['stats'] }>(
    null,
  );
  const statsNow = () => latestStats(store, call);
  if (history.current?.callId !== call.id) {
    history.current = { callId: call.id, samples: [], last: statsNow() };
  }
  useEffect(() => {
    const record = () => {
      const kept = history.current;
      const stats = statsNow();
      if (!kept || kept.callId !== call.id || kept.last === stats) return;
      kept.samples = appendQualitySample(kept.samples, kept.last, stats);
      kept.last = stats;
    };
    record();
    const stop = store.subscribe(record);
    return () => {
      stop();
    };
  }, [store, call.id]);
  return history.current.samples;
}

/**
 * Live audio levels: "no audio is arriving" seen, not guessed. The worklet sends its levels five
 * times a second straight to a worker that draws both meters on canvases (meter-canvases.ts), so
 * a level's step is no frame of the page's main thread; the page hears the levels once a second
 * and keeps the meters' accessible values (aria-valuenow) with them.
 */
export function LevelMeters({
  audio,
  muted,
  problem,
}: {
  audio: CallAudio | null;
  muted: boolean;
  problem: string | null;
}) {
  const mic = useRef<HTMLDivElement>(null);
  const speaker = useRef<HTMLDivElement>(null);
  const canvases = useRef<MeterCanvases | null>(null);
  const mutedNow = useRef(muted);
  /** What the meters' values say, in whole percent. */
  const shown = useRef({ mic: 0, speaker: 0 });
  useLayoutEffect(() => {
    mutedNow.current = muted;
    canvases.current?.setMuted(muted);
    // Muting empties the meter at once rather than at the next report.
    if (muted) showValue(mic.current, (shown.current.mic = 0));
  }, [muted]);
  useEffect(() => {
    if (!audio || !mic.current || !speaker.current) return undefined;
    const drawn = drawMetersOffThread(audio, mic.current, speaker.current, mutedNow.current);
    canvases.current = drawn;
    const stopValues = audio.onLevels((levels) => {
      const micPercent = mutedNow.current ? 0 : levelPercent(levels.micPeak);
      const speakerPercent = levelPercent(levels.speakerPeak);
      if (micPercent !== shown.current.mic) {
        showValue(mic.current, (shown.current.mic = micPercent));
      }
      if (speakerPercent !== shown.current.speaker) {
        showValue(speaker.current, (shown.current.speaker = speakerPercent));
      }
    });
    return () => {
      stopValues();
      drawn.stop();
      canvases.current = null;
    };
  }, [audio]);
  if (!audio) return null;
  return (
    <div className="meters">
      {/* Rendered once at zero: from then on the worker draws them and the values follow. */}
      <MeterBar label="Microphone" percent={0} meterRef={mic} drawn />
      <MeterBar label="Speaker" percent={0} meterRef={speaker} drawn />
      {problem && (
        <p className="warning" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** The figures behind the quality word: jitter and loss over the last minute, the audio path. */
export const QualityTrends = memo(function QualityTrends({
  samples,
  status,
}: {
  samples: readonly QualitySample[];
  status: CallAudioStatus | null;
}) {
  // One array per series and per new sample, so the sparklines skip renders that add none.
  const jitter = useMemo(() => samples.map((sample) => sample.jitterMs), [samples]);
  const loss = useMemo(() => samples.map((sample) => sample.lossPercent), [samples]);
  return (
    <div className="call-quality">
      <div className="sparklines">
        <Sparkline label="Jitter" unit="ms" floor={20} values={jitter} />
        <Sparkline label="Loss" unit="%" floor={5} values={loss} />
      </div>
      {status && <p className="audio-delay muted">Delay: {formatDelay(status)}</p>}
    </div>
  );
});
