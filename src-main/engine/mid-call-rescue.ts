/**
 * Rescues an answered call whose audio went one-way: the watch notices it, and the call's media
 * is reopened with the next NAT strategy that can help and offered again by re-INVITE, so the far
 * end sends to the new address. The call never drops for it.
 *
 * The ladder, each step at most once per call (no re-INVITE storm):
 * - `stun`: a fresh STUN mapping of the RTP socket. The router may have forgotten or moved the
 *   mapping the SDP advertises; when the new mapping is the same, this step cannot help and the
 *   next one is taken at once, without a re-INVITE.
 * - `turn`: a relay on the configured TURN server, where the user allows relaying: it carries
 *   audio through any NAT, symmetric ones included.
 * - new ports, when no relay took the call: a new socket pair with its own STUN mapping, sending
 *   at once. A far end whose RTP arrived before ours can hold our public port toward it on a
 *   Linux router (our packets then leave by another port), while STUN still names that port.
 *
 * A re-INVITE answered 491 (glare with one from the far end) is tried once more after the
 * RFC 3261 §14.1 wait: 2.1–4 s when we own the Call-ID (our call), else 0–2 s, in 10 ms steps.
 */
import { RequestPendingError, SessionState, type Session } from 'sip.js';
import type { CallRescue, MediaAddress, NatStrategyId } from '../../src-shared/domain.js';
import { OneWayAudioWatch, type MediaSample, type OneWayAudio } from './one-way-audio-watch.js';

/** The ladder in order; 'portmap' joins between them when the router grants mappings. */
const LADDER: readonly NatStrategyId[] = ['stun', 'turn'];
/** Packets after the rescue that prove the far end's audio reaches us again. */
const RECOVERED_AFTER_PACKETS = 5;
/** A re-INVITE is sent at most this many times for one step (the first and its 491 retries). */
const MAX_OFFERS = 3;
const SAMPLE_INTERVAL_MS = 250;

export interface MidCallRescuePorts {
  /** The call's media now, or null while it has none. */
  sample(): MediaSample | null;
  /** What the SDP advertises now. */
  advertised(): MediaAddress | null;
  /** The strategies this call may use: `stun` with STUN servers, `turn` with a relay allowed. */
  available: readonly NatStrategyId[];
  /** Reopens the media with `strategy`; the address the next offer carries, or null on failure. */
  reopen(strategy: NatStrategyId): Promise<MediaAddress | null>;
  /** Moves the media to a new socket pair mapped through `strategy`; as {@link reopen}. */
  reopenOnNewPorts?(strategy: NatStrategyId): Promise<MediaAddress | null>;
  /** Sends the new offer; the final status of the re-INVITE (491 for glare). */
  offer(): Promise<number>;
  report(rescue: CallRescue): void;
  /** We generated the dialog's Call-ID (RFC 3261 §14.1): true for our own calls. */
  ownsCallId: boolean;
  log?(level: 'info' | 'warn', message: string): void;
  now?: () => number;
  random?: () => number;
  setTimer?: (run: () => void, ms: number) => () => void;
}

export class MidCallRescue {
  private readonly watch = new OneWayAudioWatch();
  private readonly tried = new Set<NatStrategyId>();
  private triedNewPorts = false;
  private readonly now: () => number;
  private readonly setTimer: (run: () => void, ms: number) => () => void;
  private readonly answeredAt: number;
  private cancelTick: (() => void) | null = null;
  private busy = false;
  private exhausted = false;
  private stopped = false;
  /** The rescue in force and the packet count at its re-INVITE, until it recovered. */
  private pending: { rescue: CallRescue; receivedBefore: number } | null = null;

  constructor(private readonly ports: MidCallRescuePorts) {
    this.now = ports.now ?? (() => performance.now());
    this.setTimer =
      ports.setTimer ??
      ((run, ms) => {
        const timer = setTimeout(run, ms);
        timer.unref?.();
        return () => clearTimeout(timer);
      });
    this.answeredAt = this.now();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    this.cancelTick = null;
  }

  /** One look at the media; exposed for tests that drive a fake clock. */
  tick(): void {
    const sample = this.ports.sample();
    if (!sample || this.busy || this.stopped) return;
    const verdict = this.watch.observe(sample);
    const pending = this.pending;
    if (pending && sample.packetsReceived - pending.receivedBefore >= RECOVERED_AFTER_PACKETS) {
      this.pending = null;
      this.ports.report({ ...pending.rescue, recovered: true });
      this.ports.log?.('info', `audio flows both ways again after moving to ${pending.rescue.to}`);
      return;
    }
    if (!verdict) return;
    // The sampler's timer started it: a failure here has no caller to reach but the log.
    this.rescue(verdict, sample).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      this.ports.log?.('warn', `one-way audio: the rescue failed (${reason})`);
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTick = this.setTimer(() => {
      this.tick();
      this.schedule();
    }, SAMPLE_INTERVAL_MS);
  }

  private async rescue(verdict: OneWayAudio, sample: MediaSample): Promise<void> {
    const before = this.ports.advertised();
    const from = strategyOf(before);
    const steps = LADDER.filter(
      (step) => this.ports.available.includes(step) && !this.tried.has(step) && from !== 'turn',
    );
    if (steps.length === 0 && !this.newPortsLeft(from)) {
      // Nothing left that could help: say it once, then stay quiet for the rest of the call.
      if (!this.exhausted) {
        this.exhausted = true;
        this.ports.log?.('warn', `one-way audio (${verdict}) and no NAT strategy left to try`);
      }
      return;
    }
    this.busy = true;
    try {
      for (const step of steps) {
        this.tried.add(step);
        const address = await this.ports.reopen(step);
        if (this.stopped) return;
        if (!address) {
          this.ports.log?.('warn', `one-way audio: could not reopen the media with ${step}`);
          continue;
        }
        if (step === from && before && sameAddress(address, before)) {
          this.ports.log?.('info', `one-way audio: the ${step} mapping is unchanged`);
          continue;
        }
        await this.offerMoved(step, from, verdict, sample);
        return;
      }
      // No relay took the call: the last thing left is a new pair of ports of our own.
      if (this.ports.reopenOnNewPorts && this.newPortsLeft(from)) {
        this.triedNewPorts = true;
        const address = await this.ports.reopenOnNewPorts('stun');
        if (this.stopped) return;
        if (!address) {
          this.ports.log?.('warn', 'one-way audio: could not open new ports for the media');
          return;
        }
        await this.offerMoved('stun', from, verdict, sample, ' on new ports');
      }
    } finally {
      this.busy = false;
    }
  }

  /** Whether moving to new ports is still to try: once per call, for a call on its STUN mapping. */
  private newPortsLeft(from: NatStrategyId): boolean {
    return (
      this.ports.reopenOnNewPorts !== undefined &&
      !this.triedNewPorts &&
      from === 'stun' &&
      this.ports.available.includes('stun')
    );
  }

  /** Offers the reopened media by re-INVITE and, once accepted, waits for the far end's audio. */
  private async offerMoved(
    step: NatStrategyId,
    from: NatStrategyId,
    verdict: OneWayAudio,
    sample: MediaSample,
    how = '',
  ): Promise<void> {
    const at = Math.round((this.now() - this.answeredAt) / 100) / 10;
    const status = await this.offerWithGlare();
    if (this.stopped) return;
    if (status < 200 || status >= 300) {
      this.ports.log?.('warn', `one-way audio: the re-INVITE with ${step}${how} got ${status}`);
      return;
    }
    const rescue: CallRescue = { at, from, to: step, recovered: false };
    this.pending = {
      rescue,
      receivedBefore: this.ports.sample()?.packetsReceived ?? sample.packetsReceived,
    };
    this.watch.restart();
    this.ports.report(rescue);
    this.ports.log?.('info', `one-way audio (${verdict}): re-INVITEd with ${step}${how}`);
  }

  private async offerWithGlare(): Promise<number> {
    let status = 0;
    for (let offers = 0; offers < MAX_OFFERS; offers++) {
      status = await this.ports.offer();
      if (status !== 491 || this.stopped) return status;
      await new Promise<void>((resolve) => this.setTimer(resolve, this.glareWaitMs()));
      // Still wanted (RFC 3261 §14.1: "if it still desires"): not ended, not put on hold since.
      const sample = this.ports.sample();
      if (this.stopped || !sample || sample.held) return status;
    }
    return status;
  }

  private glareWaitMs(): number {
    const random = this.ports.random ?? Math.random;
    const steps = this.ports.ownsCallId
      ? 210 + Math.floor(random() * 191)
      : Math.floor(random() * 201);
    return steps * 10;
  }
}

/** The strategy behind an advertised address, by where it came from. */
export function strategyOf(address: MediaAddress | null): NatStrategyId {
  if (address?.source === 'turn') return 'turn';
  if (address?.source === 'stun') return 'stun';
  return 'none';
}

/**
 * Offers the session's media again by re-INVITE, not on hold; resolves with the final status.
 * A re-INVITE of ours or the far end's still in progress reads as 491: the same wait applies.
 */
export function offerAgain(session: Session): Promise<number> {
  if (session.state !== SessionState.Established) return Promise.resolve(481);
  session.sessionDescriptionHandlerOptionsReInvite = { hold: false } as object;
  return new Promise<number>((resolve) => {
    session
      .invite({
        requestDelegate: {
          onAccept: (response) => resolve(response.message.statusCode ?? 200),
          onReject: (response) => resolve(response.message.statusCode ?? 500),
        },
      })
      .catch((error: unknown) => resolve(error instanceof RequestPendingError ? 491 : 500));
  });
}

function sameAddress(a: MediaAddress, b: MediaAddress): boolean {
  return a.connection === b.connection && a.audioPort === b.audioPort;
}
