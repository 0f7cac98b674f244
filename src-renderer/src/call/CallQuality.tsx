import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { CallAudio, CallAudioStatus } from '../audio/call-audio.js';
import { appendQualitySample, meterShare, type QualitySample } from './quality-history.js';

export function useCallAudioStatus(audio: CallAudio | null): CallAudioStatus | null {
  const [status, setStatus] = useState<CallAudioStatus | null>(null);
  useEffect(() => (audio ? audio.onStatus(setStatus) : undefined), [audio]);
  return status;
}

/**
 * The levels as the meters draw them, in whole percent: the worklet reports ten times a second,
 * and a report that moves no meter by a visible step renders nothing.
 */
function useMeterShares(audio: CallAudio | null): { mic: number; speaker: number } | null {
  const [mic, setMic] = useState<number | null>(null);
  const [speaker, setSpeaker] = useState(0);
  useEffect(() => {
    if (!audio) return undefined;
    return audio.onLevels((levels) => {
      setMic(Math.round(meterShare(levels.micPeak) * 100));
      setSpeaker(Math.round(meterShare(levels.speakerPeak) * 100));
    });
  }, [audio]);
  return mic === null ? null : { mic, speaker };
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
  return (
    <MeterBar label={label} percent={Math.round(meterShare(peak) * 100)} showLabel={showLabel} />
  );
}

/** One meter at a level in whole percent of its scale (-60 dBFS empty, 0 dBFS full). */
const MeterBar = memo(function MeterBar({
  label,
  percent,
  showLabel = true,
}: {
  label: string;
  percent: number;
  showLabel?: boolean;
}) {
  const share = percent / 100;
  const db = percent > 0 ? Math.round(60 * share - 60) : -Infinity;
  return (
    <div className={showLabel ? 'meter-row' : 'meter-row bare'}>
      {showLabel && <span className="meter-label">{label}</span>}
      <div
        className="meter"
        role="meter"
        aria-label={`${label} level`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={Number.isFinite(db) ? `${db} dB` : 'silent'}
      >
        {/* The scale is painted under a cover that uncovers it, so colours keep their levels.
            The cover is scaled, not resized: no layout when the level moves. */}
        <div className="meter-cover" style={{ transform: `scaleX(${1 - share})` }} />
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

/** One-second samples of the call's jitter and loss, kept across renders for this call. */
export function useQualityHistory(call: CallInfo): readonly QualitySample[] {
  const history = useRef<{ callId: string; samples: QualitySample[]; last: CallInfo['stats'] }>(
    null,
  );
  if (history.current?.callId !== call.id) {
    history.current = { callId: call.id, samples: [], last: call.stats };
  } else if (history.current.last !== call.stats) {
    history.current.samples = appendQualitySample(
      history.current.samples,
      history.current.last,
      call.stats,
    );
    history.current.last = call.stats;
  }
  return history.current.samples;
}

/**
 * Live audio levels: "no audio is arriving" seen, not guessed. They follow the worklet on their
 * own, so ten reports a second render these two meters and nothing else of the call screen.
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
  const shares = useMeterShares(audio);
  if (!shares) return null;
  return (
    <div className="meters">
      <MeterBar label="Microphone" percent={muted ? 0 : shares.mic} />
      <MeterBar label="Speaker" percent={shares.speaker} />
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
