/**
 * A phone for the doctor's test calls: its own engine (so each configuration, with or without
 * STUN, starts from a clean socket and registration), a test tone as its microphone, a tone
 * detector on what comes back, and a trace of every SIP message for the SIP ALG check.
 */
import type { Account, CallInfo, Registration } from '../../../src-shared/domain.js';
import type { AudioSource } from '../../media/rtp-session.js';
import { ToneDetector, ToneGenerator } from '../../media/tone.js';
import type { EngineOptions } from '../engine-options.js';
import { NatterEngine } from '../natter-engine.js';
import { waitForCall } from '../wait-for-call.js';
import type { TracedMessage } from './sip-alg.js';

export const DOCTOR_TONE_HZ = 1000;
/** RTP packets each way (half a second) before a direction counts as carrying audio. */
const MIN_PACKETS = 25;

export type TestCallOutcome = 'two-way' | 'one-way' | 'no-answer';

export interface TestCallResult {
  outcome: TestCallOutcome;
  answered: boolean;
  rtp: { sent: number; received: number };
  /** Frames in which our own tone came back: the far end heard us (an echo service). */
  toneFramesBack: number;
  contact: string | null;
  sdp: { connection: string; audioPort: number; source: string | null } | null;
  remoteMedia: { connection: string; audioPort: number } | null;
  /** The TURN relay the media went through, when one was configured. */
  relay: CallInfo['relay'] | null;
  end: CallInfo['end'];
}

export class TestPhone {
  readonly engine: NatterEngine;
  readonly trace: TracedMessage[] = [];
  private readonly detectors = new Map<string, ToneDetector>();

  constructor(options: Partial<EngineOptions>) {
    // Each test call measures one configuration as it is: a rescue would change it mid-call.
    this.engine = new NatterEngine(
      { ...options, rescueOneWayAudio: false },
      {
        audioSourceFor: (): AudioSource => {
          const tone = new ToneGenerator({ frequency: DOCTOR_TONE_HZ });
          return () => tone.next();
        },
        onCallAudio: (callId, frame) => {
          let detector = this.detectors.get(callId);
          if (!detector) {
            detector = new ToneDetector({ frequency: DOCTOR_TONE_HZ });
            this.detectors.set(callId, detector);
          }
          detector.push(frame);
        },
        onTrace: (direction, message, peer) => {
          // Enough for the SIP ALG check and a support ticket; older messages are not needed.
          this.trace.push({ direction, message, peer });
          if (this.trace.length > 200) this.trace.shift();
        },
      },
    );
  }

  register(account: Account, password: string): Promise<Registration> {
    return this.engine.invoke('register', { account, password });
  }

  /** Calls `target`, lets the tone run `seconds` once answered, hangs up, and judges the audio. */
  async call(target: string, seconds: number, ringSeconds: number): Promise<TestCallResult> {
    let call = await this.engine.invoke('call', { target });
    call = await waitForCall(this.engine, call.id, ['connected'], ringSeconds * 1000, call);
    if (call.state === 'connected') {
      call = await waitForCall(this.engine, call.id, ['ended'], seconds * 1000, call);
    }
    if (call.state !== 'ended') {
      call = await this.engine.invoke('hangup', { callId: call.id }).catch(() => call);
    }
    const { packetsSent: sent, packetsReceived: received } = call.stats;
    const answered = call.answeredAt !== null;
    const local = call.localMedia;
    return {
      outcome: !answered
        ? 'no-answer'
        : sent >= MIN_PACKETS && received >= MIN_PACKETS
          ? 'two-way'
          : 'one-way',
      answered,
      rtp: { sent, received },
      toneFramesBack: this.detectors.get(call.id)?.toneFrames ?? 0,
      contact: this.engine.contactSentFor(call.id),
      sdp: local
        ? { connection: local.connection, audioPort: local.audioPort, source: local.source ?? null }
        : null,
      remoteMedia: call.remoteMedia
        ? { connection: call.remoteMedia.connection, audioPort: call.remoteMedia.audioPort }
        : null,
      relay: call.relay ?? null,
      end: call.end,
    };
  }

  close(): Promise<void> {
    return this.engine.shutdown();
  }
}
