/**
 * A call's SRTP as offered and answered (RFC 4568 §5, §7): which profile and `a=crypto` lines our
 * SDP carries, whether the far end's SDP is acceptable under the user's choice (off, optional,
 * required), and the two {@link SrtpContext}s that protect what we send and open what we receive.
 *
 * The contexts belong to the call, not to one offer/answer: a re-INVITE (hold, a rescue, a
 * network change, a TURN relay) re-offers the same key under the same tag (§7.1.4 allows it), so
 * our rollover counters continue and the far end's receiver keeps up; a far end that sends a
 * new key gets a new inbound context, one that repeats its key keeps its own.
 */
import type { CallSrtp, MediaEncryption } from '../../src-shared/domain.js';
import type { ParsedAudioSdp } from './sdp.js';
import { newMasterKey, sameMasterKey, type SdesCrypto } from './sdes.js';
import { SrtpContext, SRTP_SUITES, type SrtpMasterKey, type SrtpSuite } from './srtp.js';

export interface SrtpContexts {
  outbound: SrtpContext;
  inbound: SrtpContext;
}

/** What our SDP says about SRTP. */
export interface SrtpDescription {
  profile: 'RTP/AVP' | 'RTP/SAVP';
  crypto: SdesCrypto[];
}

/** The words a call that would not be encrypted ends with when encryption is required. */
export const NOT_ENCRYPTED = 'the other side would not encrypt the call (SRTP is required)';

/**
 * Why an incoming offer cannot be answered under `mode`, or null when it can: an offer that
 * demands SRTP (RTP/SAVP) with no suite we support, or any SRTP while encryption is off; an
 * offer without usable keys while encryption is required. Answered 488 (RFC 4568 §7.1.3).
 */
export function offerRefusal(remote: ParsedAudioSdp, mode: MediaEncryption): string | null {
  if (remote.secure && mode === 'off') {
    return 'the caller demands an encrypted call (SRTP) and media encryption is off';
  }
  if (remote.secure && remote.crypto.length === 0) {
    return remote.cryptoLines > 0
      ? 'the caller demands SRTP with no crypto suite we support'
      : 'the caller demands SRTP but sends no key (a=crypto)';
  }
  if (mode === 'required' && remote.crypto.length === 0) {
    return 'the caller offers no encryption and SRTP is required';
  }
  return null;
}

export class SrtpNegotiation {
  /** Our master key per suite, made on first use and kept for the call. */
  private readonly ourKeys = new Map<SrtpSuite, SrtpMasterKey>();
  private outbound: SrtpContext | null = null;
  private inbound: { context: SrtpContext; key: SrtpMasterKey } | null = null;
  /** The tag and suite in force, once an offer/answer settled on SRTP. */
  private chosen: { tag: number; suite: SrtpSuite } | null = null;
  /** The profile the far end accepted SRTP under. */
  private secureProfile = false;
  private settled: 'encrypted' | 'plain' | null = null;
  /** What our outstanding offer carried: the tags an answer may pick. */
  private offered: SdesCrypto[] = [];

  constructor(readonly mode: MediaEncryption) {}

  /** Our offer's profile and keys: every suite at first, the one in force once settled. */
  offer(): SrtpDescription {
    if (this.mode === 'off') return { profile: 'RTP/AVP', crypto: [] };
    const chosen = this.chosen;
    this.offered = chosen
      ? [{ ...chosen, key: this.keyFor(chosen.suite) }]
      : SRTP_SUITES.map((suite, index) => ({ tag: index + 1, suite, key: this.keyFor(suite) }));
    const profile = this.mode === 'required' || this.secureProfile ? 'RTP/SAVP' : 'RTP/AVP';
    return { profile, crypto: this.offered };
  }

  /** Our answer to the offer last accepted: its tag and suite with our key, or plain RTP. */
  answer(): SrtpDescription {
    const chosen = this.chosen;
    if (this.settled !== 'encrypted' || !chosen) return { profile: 'RTP/AVP', crypto: [] };
    return {
      profile: this.secureProfile ? 'RTP/SAVP' : 'RTP/AVP',
      crypto: [{ ...chosen, key: this.keyFor(chosen.suite) }],
    };
  }

  /**
   * Takes the far end's offer: the first line of a suite we support (§7.1.1). Returns a refusal
   * instead, with nothing changed, when the offer cannot be answered under our mode.
   */
  acceptOffer(remote: ParsedAudioSdp): string | null {
    const refusal = offerRefusal(remote, this.mode);
    if (refusal) return refusal;
    const pick = this.mode === 'off' ? undefined : remote.crypto[0];
    if (!pick) {
      this.usePlain();
      return null;
    }
    this.useCrypto(pick, remote.secure);
    return null;
  }

  /**
   * Takes the answer to our offer: a line with a tag we offered and its suite. Returns a
   * refusal, with nothing changed, when it does not do: SRTP answered to an offer without it,
   * or no encryption while it is required.
   */
  acceptAnswer(remote: ParsedAudioSdp): string | null {
    const offered = this.offered;
    this.offered = [];
    if (this.mode === 'off') {
      if (remote.secure) return 'the other side answered with SRTP, which was not offered';
      this.usePlain();
      return null;
    }
    const pick = remote.crypto.find((line) =>
      offered.some((ours) => ours.tag === line.tag && ours.suite === line.suite),
    );
    if (!pick) {
      if (this.mode === 'required') return NOT_ENCRYPTED;
      if (remote.secure) return 'the other side answered RTP/SAVP without a usable key';
      this.usePlain();
      return null;
    }
    this.useCrypto(pick, remote.secure || this.mode === 'required');
    return null;
  }

  /** The contexts while media runs encrypted; null for plain RTP. */
  contexts(): SrtpContexts | null {
    if (this.settled !== 'encrypted' || !this.outbound || !this.inbound) return null;
    return { outbound: this.outbound, inbound: this.inbound.context };
  }

  /** The call's SRTP for its CallInfo; absent while encryption is off or nothing is settled. */
  status(): CallSrtp | undefined {
    if (this.mode === 'off' || this.settled === null) return undefined;
    const chosen = this.chosen;
    return this.settled === 'encrypted' && chosen
      ? { suite: chosen.suite, active: true }
      : { suite: null, active: false };
  }

  private useCrypto(remote: SdesCrypto, secureProfile: boolean): void {
    if (!this.outbound || this.outbound.suite !== remote.suite) {
      this.outbound = new SrtpContext(remote.suite, this.keyFor(remote.suite));
    }
    const inbound = this.inbound;
    if (
      !inbound ||
      inbound.context.suite !== remote.suite ||
      !sameMasterKey(inbound.key, remote.key)
    ) {
      this.inbound = { context: new SrtpContext(remote.suite, remote.key), key: remote.key };
    }
    this.chosen = { tag: remote.tag, suite: remote.suite };
    this.secureProfile = secureProfile;
    this.settled = 'encrypted';
  }

  private usePlain(): void {
    this.settled = 'plain';
    this.secureProfile = false;
  }

  private keyFor(suite: SrtpSuite): SrtpMasterKey {
    let key = this.ourKeys.get(suite);
    if (!key) {
      key = newMasterKey();
      this.ourKeys.set(suite, key);
    }
    return key;
  }
}
