import type { RtpStats } from '../../../src-shared/domain.js';

export interface QualitySample {
  jitterMs: number;
  /** Share of the packets expected in this interval that never came, in percent. */
  lossPercent: number;
  /** Packets that arrived in this interval. */
  packetsReceived: number;
  /** Packets expected in this interval that never came. */
  packetsLost: number;
}

/** One minute of one-second samples. */
export const QUALITY_WINDOW = 60;

/**
 * Turns two successive cumulative stats into one interval's sample. Loss is per interval, not
 * since the call began, so a burst shows as a spike instead of vanishing into the average.
 */
export function appendQualitySample(
  samples: readonly QualitySample[],
  previous: RtpStats,
  current: RtpStats,
): QualitySample[] {
  const received = Math.max(0, current.packetsReceived - previous.packetsReceived);
  const lost = Math.max(0, current.packetsLost - previous.packetsLost);
  const expected = received + lost;
  const sample: QualitySample = {
    jitterMs: current.jitterMs,
    lossPercent: expected > 0 ? (100 * lost) / expected : 0,
    packetsReceived: received,
    packetsLost: lost,
  };
  return [...samples, sample].slice(-QUALITY_WINDOW);
}

/** Peak level as a share of the meter: -60 dBFS and below is empty, 0 dBFS full. */
export function meterShare(peak: number): number {
  if (peak <= 0) return 0;
  const db = 20 * Math.log10(peak);
  return Math.max(0, Math.min(1, (db + 60) / 60));
}
