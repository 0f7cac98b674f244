import { useEffect, useRef, useState } from 'react';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { CallAudio, CallAudioStatus } from '../audio/call-audio.js';
import { appendQualitySample, meterShare, type QualitySample } from './quality-history.js';

export function useCallAudioStatus(audio: CallAudio | null): CallAudioStatus | null {
  const [status, setStatus] = useState<CallAudioStatus | null>(null);
  useEffect(() => (audio ? audio.onStatus(setStatus) : undefined), [audio]);
  return status;
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
  const share = meterShare(peak);
  const db = peak > 0 ? Math.round(20 * Math.log10(peak)) : -Infinity;
  return (
    <div className={showLabel ? 'meter-row' : 'meter-row bare'}>
      {showLabel && <span className="meter-label">{label}</span>}
      <div
        className="meter"
        role="meter"
        aria-label={`${label} level`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(share * 100)}
        aria-valuetext={Number.isFinite(db) ? `${db} dB` : 'silent'}
      >
        {/* The scale is painted under a cover that uncovers it, so colours keep their levels.
            The cover is scaled, not resized: no layout when the level moves. */}
        <div className="meter-cover" style={{ transform: `scaleX(${1 - share})` }} />
      </div>
    </div>
  );
}

function Sparkline({
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
}

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

/** Live audio levels: "no audio is arriving" seen, not guessed. */
export function LevelMeters({ call, status }: { call: CallInfo; status: CallAudioStatus | null }) {
  if (!status) return null;
  return (
    <div className="meters">
      <LevelMeter label="Microphone" peak={call.muted ? 0 : status.micPeak} />
      <LevelMeter label="Speaker" peak={status.speakerPeak} />
      {status.problem && (
        <p className="warning" role="alert">
          {status.problem}
        </p>
      )}
    </div>
  );
}

/** The figures behind the quality word: jitter and loss over the last minute, the audio path. */
export function QualityTrends({
  samples,
  status,
}: {
  samples: readonly QualitySample[];
  status: CallAudioStatus | null;
}) {
  return (
    <div className="call-quality">
      <div className="sparklines">
        <Sparkline
          label="Jitter"
          unit="ms"
          floor={20}
          values={samples.map((sample) => sample.jitterMs)}
        />
        <Sparkline
          label="Loss"
          unit="%"
          floor={5}
          values={samples.map((sample) => sample.lossPercent)}
        />
      </div>
      {status && <p className="audio-delay muted">Delay: {formatDelay(status)}</p>}
    </div>
  );
}
