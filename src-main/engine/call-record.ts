import type {
  CallConference,
  CallDirection,
  CallEndCode,
  CallInfo,
  CallKeypad,
  CallRescue,
  CallSrtp,
  CallTransfer,
  CallState,
  MediaAddress,
  RtpStats,
  RelayStatus,
  SipTransport,
} from '../../src-shared/domain.js';

export const EMPTY_RTP_STATS: RtpStats = {
  packetsSent: 0,
  bytesSent: 0,
  packetsReceived: 0,
  bytesReceived: 0,
  packetsLost: 0,
  jitterMs: 0,
  firstSentAt: null,
  firstReceivedAt: null,
  remoteSource: null,
};

/** The engine's mutable view of one call, from which {@link CallInfo} snapshots are taken. */
export class CallRecord {
  state: CallState;
  answeredAt: Date | null = null;
  endedAt: Date | null = null;
  end: { code: CallEndCode; message: string; sipStatus?: number } | null = null;
  codec: string | null = null;
  localMedia: MediaAddress | null = null;
  remoteMedia: MediaAddress | null = null;
  muted = false;
  stats: RtpStats = EMPTY_RTP_STATS;
  relay: RelayStatus | null = null;
  /** The latest rescue of one-way audio, if the call needed one. */
  rescue: CallRescue | null = null;
  /** The call's SRTP as negotiated; null while encryption is off. */
  srtp: CallSrtp | null = null;
  /** An incoming call that rang while another call was in progress (call waiting). */
  waiting = false;
  /** What the call's signalling runs over. */
  transport: SipTransport = 'udp';
  /** The Contact header our INVITE (or our 200 to theirs) carried. */
  contactSent: string | null = null;
  /** The conference this call is a leg of, if any. */
  conference: CallConference | null = null;
  /** The call's transfer, asked or under way. */
  transfer: CallTransfer | null = null;
  /** How the call's keypad digits go out; null until its media is agreed. */
  keypad: CallKeypad | null = null;
  readonly startedAt = new Date();

  constructor(
    readonly id: string,
    readonly direction: CallDirection,
    readonly remote: string,
    readonly remoteDisplayName: string | null,
  ) {
    this.state = direction === 'incoming' ? 'incoming' : 'calling';
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Ends the call once; later reasons do not overwrite the first. */
  finish(code: CallEndCode, message: string, sipStatus?: number): boolean {
    if (this.ended) return false;
    this.state = 'ended';
    this.endedAt = new Date();
    this.end = sipStatus === undefined ? { code, message } : { code, message, sipStatus };
    return true;
  }

  snapshot(): CallInfo {
    return {
      id: this.id,
      direction: this.direction,
      remote: this.remote,
      remoteDisplayName: this.remoteDisplayName,
      state: this.state,
      startedAt: this.startedAt.toISOString(),
      answeredAt: this.answeredAt?.toISOString() ?? null,
      endedAt: this.endedAt?.toISOString() ?? null,
      end: this.end,
      codec: this.codec,
      localMedia: this.localMedia,
      remoteMedia: this.remoteMedia,
      muted: this.muted,
      stats: this.stats,
      ...(this.relay ? { relay: this.relay } : {}),
      ...(this.rescue ? { rescue: this.rescue } : {}),
      waiting: this.waiting,
      ...(this.srtp ? { srtp: this.srtp } : {}),
      transport: this.transport,
      ...(this.conference ? { conference: this.conference } : {}),
      ...(this.transfer ? { transfer: this.transfer } : {}),
      ...(this.keypad ? { keypad: this.keypad } : {}),
    };
  }
}
