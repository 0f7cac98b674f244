/**
 * How often the SIP socket sends a NAT keepalive: what the user chose, else a fraction of the
 * binding lifetime the doctor measured, else a default that outlasts the shortest routers seen.
 */
import type { DoctorReport } from './doctor.js';

/**
 * The interval when nothing was chosen or measured: PJSIP's default (and so MicroSIP's), safely
 * below the 20–30 s some home gateways keep an idle UDP mapping.
 */
export const DEFAULT_KEEPALIVE_SECONDS = 15;

/**
 * Share of the measured lifetime between keepalives: one lost keepalive on a router that forgets
 * at the lower bound still leaves the next one in time only below one half, and the bound itself
 * is a probe's gap, not the exact lifetime; 0.5 leaves room for both.
 */
const SHARE_OF_LIFETIME = 0.5;
/** Sub-second keepalives would be noise, not help: no router forgets that fast and keeps working. */
const MIN_FOLLOWED_SECONDS = 1;
/**
 * A long lifetime is not stretched past this: it was measured on another flow at another time,
 * and a router under load may shorten it, while a keepalive costs a few bytes.
 */
const MAX_FOLLOWED_SECONDS = 30;

export interface KeepaliveChoice {
  /** Seconds the user set (0 turns keepalives off); null leaves it to the engine. */
  keepaliveSeconds: number | null;
  /** Longest idle gap after which the router still kept a mapping, as measured; null if unknown. */
  bindingLifetimeSeconds: number | null;
}

/** Seconds between keepalives; 0 means none. */
export function keepaliveIntervalSeconds(choice: KeepaliveChoice): number {
  if (choice.keepaliveSeconds !== null) return Math.max(0, choice.keepaliveSeconds);
  const lifetime = choice.bindingLifetimeSeconds;
  if (lifetime === null || !Number.isFinite(lifetime) || lifetime <= 0) {
    return DEFAULT_KEEPALIVE_SECONDS;
  }
  return Math.min(
    MAX_FOLLOWED_SECONDS,
    Math.max(MIN_FOLLOWED_SECONDS, Math.floor(lifetime * SHARE_OF_LIFETIME)),
  );
}

/**
 * Longest gap between media keepalives: ICE's Tr default (RFC 8445 §11), which RFC 6263 relies on
 * too; a short SIP keepalive (a router measured to forget sooner) shortens it.
 */
export const MAX_MEDIA_KEEPALIVE_SECONDS = 15;

/** Seconds between RTP keepalives while a call sends no audio; 0 means none. */
export function mediaKeepaliveSeconds(
  choice: KeepaliveChoice & { mediaKeepaliveSeconds: number | null },
): number {
  if (choice.mediaKeepaliveSeconds !== null) return Math.max(0, choice.mediaKeepaliveSeconds);
  const signalling = keepaliveIntervalSeconds(choice);
  return signalling > 0
    ? Math.min(MAX_MEDIA_KEEPALIVE_SECONDS, signalling)
    : MAX_MEDIA_KEEPALIVE_SECONDS;
}

/**
 * The binding lifetime a doctor report measured (its `binding` step's longest surviving gap), in
 * whole seconds, to be kept so the keepalive follows it; null when the report measured none.
 */
export function measuredBindingLifetime(report: Pick<DoctorReport, 'steps'>): number | null {
  const alive = report.steps.find((step) => step.id === 'binding')?.evidence.aliveSeconds;
  if (typeof alive !== 'number' || !Number.isFinite(alive) || alive < 1) return null;
  return Math.min(3600, Math.floor(alive));
}
