import type { MediaAddress } from '../../src-shared/domain.js';

/**
 * What the SIP layer needs from a call's media: the seam between sip.js's session description
 * handler and our RTP engine, so that neither knows the other's internals.
 */
export interface CallMediaPort {
  /** Binds the call's RTP socket and learns its public mapping; idempotent. */
  prepare(): Promise<MediaAddress>;
  /**
   * Our SDP: an offer when no remote description was applied yet, else the answer to it.
   * `hold` puts the stream on hold (RFC 3264 §8.4: sendonly, or inactive if the remote holds too).
   */
  localDescription(options: { hold: boolean }): Promise<string>;
  /** Applies the remote SDP; throws an Error with a plain message when it is unusable. */
  applyRemoteDescription(sdp: string): void;
  /** Sends RFC 4733 events; false when the remote did not offer telephone-event. */
  sendDtmf(digits: string): boolean;
  close(): void;
}
