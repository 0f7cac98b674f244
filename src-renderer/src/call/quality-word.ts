/**
 * The one word the call screen leads with: Good, Fair or Poor, from packet loss, jitter and
 * round trip over the last few seconds.
 *
 * Thresholds, after ITU-T G.107's E-model for G.711 without loss concealment (where about 1 %
 * random loss already costs a "satisfied" rating, MOS ≈ 4.0, and about 5 % leaves most users
 * dissatisfied, MOS < 3.6) and ITU-T G.114's one-way delay bands (under 150 ms is transparent,
 * over 300 ms one way, 600 ms round trip, is unacceptable for conversation):
 *
 * | word | loss          | jitter          | round trip        |
 * |------|---------------|-----------------|-------------------|
 * | Good | < 1 %   and   | < 30 ms   and   | < 300 ms          |
 * | Poor | > 5 %   or    | > 60 ms   or    | > 600 ms          |
 * | Fair | anything else |                 |                   |
 *
 * Jitter beyond 30 ms outgrows a typical jitter buffer and starts to cost late packets; beyond
 * 60 ms it costs audible gaps or delay. Round trip counts only when the far end sends RTCP
 * reports about our stream; without them the word rests on loss and jitter.
 */
import type { QualitySample } from './quality-history.js';

export type QualityWord = 'Good' | 'Fair' | 'Poor';

export const QUALITY_THRESHOLDS = {
  good: { lossPercent: 1, jitterMs: 30, rttMs: 300 },
  poor: { lossPercent: 5, jitterMs: 60, rttMs: 600 },
} as const;

/** Seconds of flowing media before a word is given: the first packets say little. */
export const QUALITY_SETTLE_SECONDS = 2;
/** Seconds the word looks back over: long enough to smooth one lost packet, short to follow. */
export const QUALITY_WINDOW_SECONDS = 5;

export interface QualityFigures {
  lossPercent: number;
  jitterMs: number;
  /** Absent when the far end sends no RTCP reports about our stream. */
  rttMs?: number;
}

export function qualityWord(figures: QualityFigures): QualityWord {
  const { good, poor } = QUALITY_THRESHOLDS;
  const rtt = figures.rttMs;
  if (
    figures.lossPercent > poor.lossPercent ||
    figures.jitterMs > poor.jitterMs ||
    (rtt !== undefined && rtt > poor.rttMs)
  ) {
    return 'Poor';
  }
  if (
    figures.lossPercent < good.lossPercent &&
    figures.jitterMs < good.jitterMs &&
    (rtt === undefined || rtt < good.rttMs)
  ) {
    return 'Good';
  }
  return 'Fair';
}

/**
 * The figures of the last few seconds in which media arrived, or null before it has flowed for
 * {@link QUALITY_SETTLE_SECONDS} (while ringing, on hold, or when no audio arrives at all: the
 * one-way-audio warning speaks then).
 */
export function recentQuality(
  samples: readonly QualitySample[],
  rttMs?: number,
): QualityFigures | null {
  const recent = samples.slice(-QUALITY_WINDOW_SECONDS);
  const flowing = recent.filter((sample) => sample.packetsReceived > 0);
  if (flowing.length < QUALITY_SETTLE_SECONDS) return null;
  const received = flowing.reduce((sum, sample) => sum + sample.packetsReceived, 0);
  const lost = flowing.reduce((sum, sample) => sum + sample.packetsLost, 0);
  const latest = flowing[flowing.length - 1];
  return {
    lossPercent: (100 * lost) / (received + lost),
    jitterMs: latest?.jitterMs ?? 0,
    ...(rttMs !== undefined ? { rttMs } : {}),
  };
}

/** The word for a call's recent samples, or null while there is nothing to judge yet. */
export function callQualityWord(
  samples: readonly QualitySample[],
  rttMs?: number,
): QualityWord | null {
  const figures = recentQuality(samples, rttMs);
  return figures ? qualityWord(figures) : null;
}
