/**
 * Notices one-way audio in an answered call from its RTP counters and the far end's RTCP.
 *
 * Two kinds, each judged only while we send and the call is not on hold (on hold, silence is
 * what was asked for):
 * - `not-receiving`: no RTP from the far end for `silenceMs` (3 s). The clock starts at the
 *   answer, not at the INVITE: a provider that sends nothing while it rings (no early media) is
 *   normal, but once answered a G.711 provider streams without pause, so a call that never
 *   received its first packet after the answer is as one-way as one whose packets stopped. A far
 *   end that suppresses silence (VAD) says so in RTCP: a sender report whose packet count has not
 *   grown since our last packet means it is quiet, not lost, and is not taken for one-way.
 * - `not-heard`: the far end's RTCP reports show that our RTP does not reach it, i.e. for
 *   `silenceMs` no report block about our SSRC whose highest sequence number advanced (RFC 3550
 *   §6.4.1: a receiver reports on every source it heard since its last report). Without RTCP
 *   from the far end there is no such evidence, and nothing is judged.
 */
import type { RemoteRtcp } from '../media/rtp-session.js';

export type OneWayAudio = 'not-receiving' | 'not-heard';

/** One look at a call's media. */
export interface MediaSample {
  /** Monotonic milliseconds. */
  atMs: number;
  packetsSent: number;
  packetsReceived: number;
  /** We hold the call (its silence is intended). */
  held: boolean;
  /** The far end's latest RTCP, and our own SSRC to find the block about us. */
  rtcp: { report: RemoteRtcp | null; ourSsrc: number } | null;
}

export const ONE_WAY_SILENCE_MS = 3000;

export class OneWayAudioWatch {
  /** When the current eligible stretch (answered, sending, not held) began, or null. */
  private eligibleSince: number | null = null;
  private lastSent = 0;
  private lastReceived = 0;
  private lastRtpAt = 0;
  /** The far end's sender packet count as of our last received RTP, and its latest. */
  private senderCountAtLastRtp: number | null = null;
  private latestSender: { count: number; atMs: number } | null = null;
  private lastReport: RemoteRtcp | null = null;
  private lastReportAt: number | null = null;
  private heardAt = 0;
  private heardSequence = -1;

  constructor(private readonly silenceMs = ONE_WAY_SILENCE_MS) {}

  /**
   * Starts the clocks over, as after a rescue: the new media gets its own `silenceMs` to show
   * that audio flows.
   */
  restart(): void {
    this.eligibleSince = null;
  }

  /** Takes one sample; the kind of one-way audio it shows, or null. */
  observe(sample: MediaSample): OneWayAudio | null {
    const sending = sample.packetsSent > this.lastSent;
    const received = sample.packetsReceived > this.lastReceived;
    this.lastSent = sample.packetsSent;
    this.lastReceived = sample.packetsReceived;
    this.noteReport(sample);
    if (sample.held || !sending) {
      this.eligibleSince = null;
      return null;
    }
    if (this.eligibleSince === null) {
      this.eligibleSince = sample.atMs;
      this.lastRtpAt = sample.atMs;
      this.heardAt = sample.atMs;
      this.senderCountAtLastRtp = this.latestSender?.count ?? null;
    }
    if (received) {
      this.lastRtpAt = sample.atMs;
      this.senderCountAtLastRtp = this.latestSender?.count ?? null;
    }
    if (sample.atMs - this.lastRtpAt >= this.silenceMs && !this.farEndQuiet()) {
      return 'not-receiving';
    }
    // Evidence, not absence of it: a report that came well after we were last heard of.
    if (this.lastReportAt !== null && this.lastReportAt - this.heardAt >= this.silenceMs) {
      return 'not-heard';
    }
    return null;
  }

  /** The far end's reports say it sent nothing since our last packet from it. */
  private farEndQuiet(): boolean {
    const sender = this.latestSender;
    return (
      sender !== null &&
      sender.atMs > this.lastRtpAt &&
      this.senderCountAtLastRtp !== null &&
      sender.count <= this.senderCountAtLastRtp
    );
  }

  private noteReport(sample: MediaSample): void {
    const report = sample.rtcp?.report ?? null;
    if (!report || report === this.lastReport || !sample.rtcp) return;
    this.lastReport = report;
    this.lastReportAt = sample.atMs;
    for (const entry of report.compound.reports) {
      if (entry.sender) this.latestSender = { count: entry.sender.packetCount, atMs: sample.atMs };
      const aboutUs = entry.blocks.find((block) => block.ssrc === sample.rtcp?.ourSsrc);
      if (aboutUs && aboutUs.extendedHighestSequence !== this.heardSequence) {
        this.heardSequence = aboutUs.extendedHighestSequence;
        this.heardAt = sample.atMs;
      }
    }
  }
}
