/**
 * The renderer's side of call audio: the microphone (echo cancellation and noise suppression on)
 * and the chosen output device, joined to main's RTP by the frame worklet.
 */
import { AUDIO_SAMPLE_RATE } from '../../../src-shared/audio-format.js';
import workletUrl from './frame-worklet.ts?worker&url';
import type { WorkletReport } from './frame-pipe.js';
import { KEYPAD_TONE_LEVEL, keypadToneSchedule } from './keypad-tones.js';

export interface AudioDevices {
  inputId: string | null;
  outputId: string | null;
}

/** The call's volumes, in percent (settings' microphoneVolume and speakerVolume). */
export interface CallVolumes {
  microphone: number;
  speaker: number;
}

/** Peak levels since the last report (REPORT_EVERY_MS, 200 ms), 0..1. */
export interface CallAudioLevels {
  micPeak: number;
  speakerPeak: number;
}

/** What changes about once a second or less: kept apart from the levels, five times a second. */
export interface CallAudioStatus {
  /** Median wait of microphone frames before RTP took them, ms (measured in main). */
  uplinkMs: number | null;
  /** Median wait of received frames before they played, plus the device's own latency, ms. */
  playoutMs: number | null;
  /** Why there is no microphone, in words a person can act on; null when it works. */
  problem: string | null;
}

interface SinkableContext extends AudioContext {
  setSinkId?(sinkId: string): Promise<void>;
}

const SILENT: CallAudioLevels = { micPeak: 0, speakerPeak: 0 };
/**
 * The context runs at the link's 16 kHz: Chromium renders in quanta of 128 samples and gives an
 * 8 kHz context at least one (16 ms) per device callback, with three callbacks of output delay
 * behind it; at 16 kHz a callback is the device's own 10 ms. The worklet then passes samples
 * through untouched (no resampling on the audio thread); the browser resamples between the
 * context and the devices.
 */
const CONTEXT_SAMPLE_RATE = AUDIO_SAMPLE_RATE;
/**
 * One render quantum at 16 kHz per device callback: 8 ms, against the 10 ms 'interactive' gives
 * here; Chromium's output delay is a few callbacks, so this saves about 8 ms of speaker delay.
 */
const OUTPUT_BUFFER_S = 128 / CONTEXT_SAMPLE_RATE;

/** Each keypad tone fades in and out over this, so that it starts and stops without a click. */
const KEYPAD_RAMP_S = 0.005;

const IDLE: CallAudioStatus = {
  uplinkMs: null,
  playoutMs: null,
  problem: null,
};

export class CallAudio {
  private context: SinkableContext | null = null;
  private worklet: AudioWorkletNode | null = null;
  private setup: Promise<void> | null = null;
  private stream: MediaStream | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private devices: AudioDevices = { inputId: null, outputId: null };
  private volumes: CallVolumes = { microphone: 100, speaker: 100 };
  private active = false;
  private status: CallAudioStatus = IDLE;
  private readonly listeners = new Set<(status: CallAudioStatus) => void>();
  private levels: CallAudioLevels = SILENT;
  private readonly levelListeners = new Set<(levels: CallAudioLevels) => void>();
  /** A meter port waiting for the worklet to exist; undefined when none is waiting. */
  private pendingMeters: MessagePort | null | undefined;
  /**
   * Keypad tones still to play: a call that ends mid-tone must not carry them into the next, and
   * `data-keypad-tone` clears once none is left.
   */
  private readonly keypadVoices = new Set<GainNode>();

  constructor(private readonly linkPort: Promise<MessagePort>) {
    navigator.mediaDevices?.addEventListener('devicechange', () => void this.onDeviceChange());
  }

  onStatus(listener: (status: CallAudioStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  onLevels(listener: (levels: CallAudioLevels) => void): () => void {
    this.levelListeners.add(listener);
    listener(this.levels);
    return () => this.levelListeners.delete(listener);
  }

  /**
   * Sends the levels straight from the worklet to `port` (a meter worker's) five times a second;
   * the page's own listeners then hear them once a second. `null` takes them back to the page.
   */
  attachMeters(port: MessagePort | null): void {
    this.pendingMeters = port;
    this.flushMeters();
  }

  private flushMeters(): void {
    if (!this.worklet || this.pendingMeters === undefined) return;
    const port = this.pendingMeters;
    this.worklet.port.postMessage({ kind: 'meters', port }, port ? [port] : []);
    this.pendingMeters = undefined;
  }

  /**
   * Sets how loud the microphone goes out and the other side plays, at once (a slider being
   * dragged), before a call too: the worklet takes them when it starts.
   */
  setVolumes(volumes: CallVolumes): void {
    this.volumes = volumes;
    this.postVolumes();
  }

  private postVolumes(): void {
    this.worklet?.port.postMessage({
      kind: 'volumes',
      microphone: this.volumes.microphone / 100,
      speaker: this.volumes.speaker / 100,
    });
  }

  /** Opens the microphone and the speaker for a call; calling it again changes devices. */
  async start(devices: AudioDevices): Promise<void> {
    const changedInput = devices.inputId !== this.devices.inputId;
    this.devices = devices;
    this.active = true;
    try {
      await this.ensureGraph();
      const context = this.context;
      if (!context || !this.active) return;
      await context.resume();
      await this.applyOutput();
      if (!this.stream || changedInput) await this.openMicrophone();
    } catch (error) {
      this.publish({ problem: describeMediaError(error) });
    }
  }

  /** Releases the microphone (its indicator goes off) and silences the graph between calls. */
  async stop(): Promise<void> {
    this.active = false;
    this.closeMicrophone();
    this.silenceKeypadTones();
    await this.context?.suspend().catch(() => undefined);
    this.publish({ ...IDLE });
    this.publishLevels(SILENT);
  }

  /**
   * Plays the keys just sent on the call's speaker, in the call's own context (no second output
   * stream), beside the worklet rather than through it: the far end hears them as RFC 4733 events.
   * Nothing plays outside a call. Which keys sound is readable from outside while they do
   * (`data-keypad-tone`; the end-to-end tests check it clears once the audio clock has played
   * them); it changes nothing on screen.
   */
  playKeypadTones(digits: string): void {
    const context = this.context;
    if (!this.active || !context || context.state !== 'running') return;
    const tones = keypadToneSchedule(digits);
    if (tones.length === 0) return;
    const start = context.currentTime + KEYPAD_RAMP_S;
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    this.keypadVoices.add(gain);
    const oscillators = tones.flatMap((tone) => {
      const on = start + tone.startS;
      const off = start + tone.endS;
      gain.gain.setValueAtTime(0, on);
      gain.gain.linearRampToValueAtTime(KEYPAD_TONE_LEVEL, on + KEYPAD_RAMP_S);
      gain.gain.setValueAtTime(KEYPAD_TONE_LEVEL, off - KEYPAD_RAMP_S);
      gain.gain.linearRampToValueAtTime(0, off);
      return [tone.lowHz, tone.highHz].map((frequency) => {
        const oscillator = context.createOscillator();
        oscillator.frequency.value = frequency;
        oscillator.connect(gain);
        oscillator.start(on);
        oscillator.stop(off);
        return oscillator;
      });
    });
    const root = document.documentElement;
    root.dataset.keypadTone = digits;
    oscillators.at(-1)!.onended = () => {
      gain.disconnect();
      this.keypadVoices.delete(gain);
      if (this.keypadVoices.size === 0) delete root.dataset.keypadTone;
    };
  }

  private silenceKeypadTones(): void {
    for (const gain of this.keypadVoices) gain.disconnect();
    this.keypadVoices.clear();
    delete document.documentElement.dataset.keypadTone;
  }

  private ensureGraph(): Promise<void> {
    this.setup ??= (async () => {
      const context: SinkableContext = new AudioContext({
        sampleRate: CONTEXT_SAMPLE_RATE,
        latencyHint: OUTPUT_BUFFER_S,
      });
      await context.audioWorklet.addModule(workletUrl);
      const worklet = new AudioWorkletNode(context, 'natter-frames', {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
      });
      worklet.connect(context.destination);
      const port = await this.linkPort;
      worklet.port.postMessage({ kind: 'link', port }, [port]);
      worklet.port.onmessage = (event: MessageEvent<WorkletReport>) => this.onReport(event.data);
      this.context = context;
      this.worklet = worklet;
      this.postVolumes();
      this.flushMeters();
    })();
    return this.setup;
  }

  private onReport(report: WorkletReport): void {
    if (!this.active) return;
    if (report.kind === 'levels') {
      this.publishLevels({ micPeak: report.micPeak, speakerPeak: report.speakerPeak });
    } else {
      const deviceMs = this.context
        ? (this.context.baseLatency + (this.context.outputLatency || 0)) * 1000
        : 0;
      this.publish({
        uplinkMs: report.uplinkMs,
        playoutMs: report.playoutMs === null ? null : report.playoutMs + deviceMs,
      });
    }
  }

  private async openMicrophone(): Promise<void> {
    this.closeMicrophone();
    const constraints: MediaTrackConstraints = {
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
      channelCount: 1,
    };
    if (this.devices.inputId) constraints.deviceId = { exact: this.devices.inputId };
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: constraints });
    } catch (error) {
      // The chosen microphone is gone or busy: the default one is better than silence.
      if (!this.devices.inputId) throw error;
      delete constraints.deviceId;
      stream = await navigator.mediaDevices.getUserMedia({ audio: constraints });
    }
    if (!this.active || !this.context || !this.worklet) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this.stream = stream;
    for (const track of stream.getAudioTracks()) {
      // Unplugged mid-call: reopen on whatever is there now.
      track.addEventListener('ended', () => void this.reopenMicrophone());
    }
    this.source = this.context.createMediaStreamSource(stream);
    this.source.connect(this.worklet);
    this.publish({ problem: null });
  }

  private async reopenMicrophone(): Promise<void> {
    if (!this.active) return;
    try {
      await this.openMicrophone();
    } catch (error) {
      this.publish({ problem: describeMediaError(error) });
    }
  }

  private closeMicrophone(): void {
    this.source?.disconnect();
    this.source = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
  }

  private async applyOutput(): Promise<void> {
    const context = this.context;
    if (!context?.setSinkId) return;
    const wanted = this.devices.outputId ?? '';
    const present = await listAudioDevices('audiooutput');
    const sink = wanted && present.some((device) => device.deviceId === wanted) ? wanted : '';
    await context.setSinkId(sink).catch(() => context.setSinkId?.(''));
  }

  private async onDeviceChange(): Promise<void> {
    if (!this.active) return;
    await this.applyOutput().catch(() => undefined);
    const track = this.stream?.getAudioTracks()[0];
    if (!track || track.readyState === 'ended') await this.reopenMicrophone();
  }

  private publishLevels(levels: CallAudioLevels): void {
    this.levels = levels;
    for (const listener of this.levelListeners) listener(levels);
  }

  private publish(patch: Partial<CallAudioStatus>): void {
    // Nothing on screen would change: no new object, so the call screen does not render again.
    const keys = Object.keys(patch) as (keyof CallAudioStatus)[];
    if (keys.every((key) => Object.is(this.status[key], patch[key]))) return;
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }
}

export async function listAudioDevices(kind: MediaDeviceKind): Promise<MediaDeviceInfo[]> {
  const devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
  return devices.filter((device) => device.kind === kind);
}

function describeMediaError(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError') return 'Natter may not use the microphone: allow it and retry.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return 'No microphone found: plug one in.';
  }
  if (name === 'NotReadableError') return 'The microphone is busy in another program.';
  return `Audio could not start: ${error instanceof Error ? error.message : String(error)}`;
}
