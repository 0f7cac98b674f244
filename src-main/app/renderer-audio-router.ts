/**
 * Main's end of the audio link: microphone frames from the renderer wait in a short queue until
 * the active call's RTP clock takes them, and that call's received audio goes back to the
 * renderer, with the call waiting tone mixed in while a second call rings. No Electron here: the
 * shell hands in a MessagePort, the test bridge a WebSocket.
 */
import type { CallInfo } from '../../src-shared/domain.js';
import {
  AUDIO_FRAME_SAMPLES,
  rendererToMainSchema,
  type MainToRenderer,
} from '../../src-shared/audio-link.js';
import { CallWaitingTone } from '../media/call-waiting-tone.js';
import type { AudioSource } from '../media/rtp-session.js';
import type { EngineHooks } from '../engine/natter-engine.js';
import type { CallAudioTap } from './call-recorder.js';

/** A two-way message pipe to the renderer's audio worklet. */
export interface AudioPort {
  post(message: MainToRenderer): void;
  onMessage(listener: (data: unknown) => void): void;
  close(): void;
}

/**
 * Frames queued beyond this are the oldest audio and are dropped: the renderer's sound card and
 * our RTP clock drift apart, and a queue that only grows would add delay for the rest of the call.
 */
const MAX_QUEUED_FRAMES = 4;
/** Delay samples kept for the medians; one second of frames. */
const DELAY_WINDOW = 50;
/** One second of pulls, and five: how long frames stand unused in the queue before they are cut. */
const TRIM_WINDOW_PULLS = 50;
const LAST_SPARE_WINDOW_PULLS = 250;
const AUDIO_STATES: ReadonlySet<CallInfo['state']> = new Set(['connected', 'early-media']);

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? null;
}

export interface AudioLinkStats {
  micFramesReceived: number;
  micFramesDropped: number;
  /** Pulls by the RTP clock that found no microphone frame waiting (silence was sent). */
  micUnderruns: number;
  speakerFramesSent: number;
  refused: number;
  /** Median wait of a microphone frame between the worklet and the RTP sender, ms. */
  uplinkDelayMs: number | null;
  /** Median wait of a received frame between decoding and the speaker, as the worklet saw it. */
  playoutDelayMs: number | null;
  /** Times the renderer's speaker ran dry mid-stream, as the worklet counts them (a gap heard). */
  playoutUnderruns: number;
  /** Microphone frames dropped to cut a standing queue (a backlog that only added delay). */
  micFramesTrimmed: number;
}

export class RendererAudioRouter {
  private port: AudioPort | null = null;
  private activeCallId: string | null = null;
  /** Calls in a state that carries audio, each with the order in which it entered one. */
  private readonly audioCalls = new Map<string, number>();
  private entries = 0;
  /** Incoming calls ringing while another call is in progress. */
  private readonly waitingCalls = new Set<string>();
  private readonly waitingTone = new CallWaitingTone();
  private readonly queue: { pcm: Int16Array; at: number }[] = [];
  private readonly uplinkDelays: number[] = [];
  private pullsSinceReport = 0;
  private readonly counters = {
    micFramesReceived: 0,
    micFramesDropped: 0,
    micUnderruns: 0,
    micFramesTrimmed: 0,
    speakerFramesSent: 0,
    refused: 0,
  };
  private playoutDelayMs: number | null = null;
  private playoutUnderruns = 0;
  /** The shortest the queue was after a pull in this window of pulls. */
  private shortestQueue = Infinity;
  private shortestLongQueue = Infinity;
  private pullsSinceTrim = 0;
  /** Call recording's tap on both directions; null while nothing listens. */
  private tap: CallAudioTap | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes a new port (a reloaded window brings a new one) and lets go of the old. */
  attach(port: AudioPort): void {
    this.port?.close();
    this.port = port;
    this.queue.length = 0;
    port.onMessage((data) => this.receive(data));
  }

  /** Hands every call's sent and received frames to `tap` as well (call recording). */
  tapWith(tap: CallAudioTap | null): void {
    this.tap = tap;
  }

  detach(): void {
    this.port?.close();
    this.port = null;
    this.queue.length = 0;
  }

  /**
   * Follows call events: the call that most recently came into a state that carries audio owns
   * the microphone and the speaker; a held or ended call gives them up, to the one before it if
   * that one still carries audio. Repeated events of a call (its statistics, every second) do
   * not count as coming in again, so two calls never take turns.
   */
  onCall(call: CallInfo): void {
    // A conference leg whose audio is mixed into the other's gives the devices to that one.
    const mixedIntoOther = call.conference?.carriesUserAudio === false;
    if (AUDIO_STATES.has(call.state) && !mixedIntoOther) {
      if (!this.audioCalls.has(call.id)) this.audioCalls.set(call.id, ++this.entries);
    } else {
      this.audioCalls.delete(call.id);
    }
    if (call.waiting === true && call.state === 'incoming') {
      if (this.waitingCalls.size === 0) this.waitingTone.restart();
      this.waitingCalls.add(call.id);
    } else {
      this.waitingCalls.delete(call.id);
    }
    let newest: string | null = null;
    let newestEntry = 0;
    for (const [id, entry] of this.audioCalls) {
      if (entry > newestEntry) [newest, newestEntry] = [id, entry];
    }
    if (newest !== this.activeCallId) {
      this.queue.length = 0;
      this.shortestQueue = Infinity;
      this.shortestLongQueue = Infinity;
      this.pullsSinceTrim = 0;
    }
    this.activeCallId = newest;
  }

  /** The engine hooks that connect calls to the renderer's devices. */
  hooks(): Required<Pick<EngineHooks, 'audioSourceFor' | 'onCallAudio'>> {
    return {
      audioSourceFor: (call) => this.sourceFor(call.id),
      onCallAudio: (callId, frame) => this.play(callId, frame),
    };
  }

  get stats(): AudioLinkStats {
    return {
      ...this.counters,
      uplinkDelayMs: median(this.uplinkDelays),
      playoutDelayMs: this.playoutDelayMs,
      playoutUnderruns: this.playoutUnderruns,
    };
  }

  private sourceFor(callId: string): AudioSource {
    // Silence rather than nothing when no frame waits: RTP keeps flowing, which keeps the NAT
    // mapping open and lets a comedia provider latch onto us before the user speaks.
    const silence = new Int16Array(AUDIO_FRAME_SAMPLES);
    return () => {
      const frame = this.nextMicFrame(callId, silence);
      this.tap?.sent(callId, frame);
      return frame;
    };
  }

  private nextMicFrame(callId: string, silence: Int16Array): Int16Array {
    if (callId !== this.activeCallId) return silence;
    const next = this.queue.shift();
    if (!next) {
      this.counters.micUnderruns++;
      return silence;
    }
    this.trimStandingQueue();
    this.recordUplinkDelay(this.now() - next.at);
    return next.pcm;
  }

  /**
   * Frames that stood in the queue unused are delay for nothing (they came in a burst, at the
   * start or after a stall): over each second, all but one of those that never left the queue are
   * dropped, oldest first; and the last spare goes too once it has stood unused for five seconds.
   * Jitter that needs the spare empties the queue now and then, and then it is kept.
   */
  private trimStandingQueue(): void {
    const length = this.queue.length;
    this.shortestQueue = Math.min(this.shortestQueue, length);
    this.shortestLongQueue = Math.min(this.shortestLongQueue, length);
    this.pullsSinceTrim++;
    let surplus = 0;
    if (this.pullsSinceTrim % TRIM_WINDOW_PULLS === 0) {
      surplus = Math.max(0, this.shortestQueue - 1);
      this.shortestQueue = Infinity;
    }
    if (this.pullsSinceTrim >= LAST_SPARE_WINDOW_PULLS) {
      if (this.shortestLongQueue >= 1) surplus = Math.max(surplus, 1);
      this.shortestLongQueue = Infinity;
      this.pullsSinceTrim = 0;
    }
    for (let i = 0; i < surplus && this.queue.length > 0; i++) {
      this.queue.shift();
      this.counters.micFramesTrimmed++;
    }
  }

  private recordUplinkDelay(ms: number): void {
    this.uplinkDelays.push(Math.max(0, ms));
    if (this.uplinkDelays.length > DELAY_WINDOW) this.uplinkDelays.shift();
    if (++this.pullsSinceReport >= DELAY_WINDOW) {
      this.pullsSinceReport = 0;
      const uplink = median(this.uplinkDelays);
      if (uplink !== null) this.port?.post({ kind: 'uplink-delay', ms: Math.min(uplink, 10_000) });
    }
  }

  private play(callId: string, frame: Int16Array): void {
    this.tap?.received(callId, frame);
    if (callId !== this.activeCallId || !this.port) return;
    const copy = new Int16Array(frame);
    if (this.waitingCalls.size > 0) this.waitingTone.mixInto(copy);
    const pcm = copy.buffer;
    this.port.post({ kind: 'speaker', pcm, at: this.now() });
    this.counters.speakerFramesSent++;
  }

  /** Everything from the renderer is validated: a compromised page gets refused, not obeyed. */
  private receive(data: unknown): void {
    const parsed = rendererToMainSchema.safeParse(data);
    if (!parsed.success) {
      this.counters.refused++;
      return;
    }
    const message = parsed.data;
    if (message.kind === 'playout-delay') {
      this.playoutDelayMs = message.ms;
      if (message.underruns !== undefined) this.playoutUnderruns = message.underruns;
      return;
    }
    if (this.activeCallId === null) return;
    this.counters.micFramesReceived++;
    this.queue.push({ pcm: new Int16Array(message.pcm), at: message.at });
    while (this.queue.length > MAX_QUEUED_FRAMES) {
      this.queue.shift();
      this.counters.micFramesDropped++;
    }
  }
}
