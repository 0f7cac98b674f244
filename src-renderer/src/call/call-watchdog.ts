/**
 * The one-way-audio watchdog of the call screen: a connected call that sends RTP but has received
 * none ~4 s after it was answered almost always has its audio sent to an address that cannot be
 * reached (a private address in our SDP, or a router rewriting it), not a silent far end: even
 * silence arrives as RTP packets.
 */
import type { CallInfo } from '../../../src-shared/domain.js';

/** Long enough for the far end's first packets to cross any network; short enough to act on. */
export const NO_AUDIO_AFTER_MS = 4000;

export function noAudioArriving(call: CallInfo, now: number): boolean {
  // On hold the far end may rightly stop sending; before the answer there is nothing to expect.
  if (call.state !== 'connected' || !call.answeredAt) return false;
  const { packetsSent, packetsReceived } = call.stats;
  if (packetsSent === 0 || packetsReceived > 0) return false;
  return now - Date.parse(call.answeredAt) >= NO_AUDIO_AFTER_MS;
}
