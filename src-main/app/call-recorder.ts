/**
 * Call recording, main's side: on the user's request a call's audio, both directions mixed, goes
 * to a WAV file (16-bit mono at the link's rate) in the folder the settings name, until the user
 * stops it or the call ends. The audio is tapped where the renderer audio router hands the RTP
 * clock the microphone frame and takes the received one, so the file holds what was sent and
 * heard. A recording that fails (a full disk, a folder gone) stops with a sentence for the user
 * and the call goes on. No Electron here.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIO_SAMPLE_RATE } from '../../src-shared/audio-format.js';
import type { CallInfo, CallRecording } from '../../src-shared/domain.js';
import { CallAudioMixer } from './recording/call-audio-mixer.js';
import { recordingFileName } from './recording/recording-file-name.js';
import {
  RecordingProblem,
  WavFileWriter,
  recordingProblemOf,
  type WavFileWriterOptions,
} from './recording/wav-file-writer.js';

/** The router's two taps: the frame the RTP clock took to send, and the frame it received. */
export interface CallAudioTap {
  sent(callId: string, frame: Int16Array): void;
  received(callId: string, frame: Int16Array): void;
}

export interface RecordingFolder {
  path: string;
  /** The default folder is made when missing; a folder the user chose must be there. */
  isDefault: boolean;
}

export interface CallRecorderOptions {
  folder: () => RecordingFolder;
  /** Told each time a call's recording starts, stops or fails. */
  onChange: (callId: string, recording: CallRecording) => void;
  /** The link's rate; the G.722 work may raise it. */
  sampleRate?: number;
  now?: () => Date;
  writer?: Pick<WavFileWriterOptions, 'openFile' | 'flushSeconds' | 'maxPendingSeconds'>;
}

/** Calls whose audio can be recorded: audio flows (or is held and will again). */
const RECORDABLE: ReadonlySet<CallInfo['state']> = new Set(['connected', 'on-hold']);
/** Recordings of ended calls remembered, for their last event and History; as many as it keeps. */
const FINISHED_KEPT = 200;
/** Files tried when names collide (two recordings begun in one second with one number). */
const NAME_ATTEMPTS = 20;

interface ActiveRecording {
  writer: WavFileWriter;
  mixer: CallAudioMixer;
  recording: CallRecording;
}

export class CallRecorder implements CallAudioTap {
  private readonly active = new Map<string, ActiveRecording>();
  /** Starts under way, so a double click opens one file. */
  private readonly starting = new Map<string, Promise<CallRecording>>();
  private readonly finished = new Map<string, CallRecording>();
  /** Files still being completed on disk after their recording stopped. */
  private readonly closing = new Map<string, Promise<void>>();

  constructor(private readonly options: CallRecorderOptions) {}

  /** The call's recording as it now stands; undefined when it was never recorded. */
  recordingOf(callId: string): CallRecording | undefined {
    return this.active.get(callId)?.recording ?? this.finished.get(callId);
  }

  /** Starts recording `call`; rejects with a {@link RecordingProblem} in words. */
  start(call: CallInfo): Promise<CallRecording> {
    const running = this.active.get(call.id);
    if (running) return Promise.resolve(running.recording);
    const pending = this.starting.get(call.id);
    if (pending) return pending;
    if (!RECORDABLE.has(call.state)) {
      return Promise.reject(
        new RecordingProblem('A call can be recorded once it is connected.', 'not-connected'),
      );
    }
    const started = this.open(call).finally(() => this.starting.delete(call.id));
    this.starting.set(call.id, started);
    return started;
  }

  /** Stops the call's recording, if one runs; resolves once the file is complete on disk. */
  async stop(callId: string): Promise<CallRecording | null> {
    // Not awaited when nothing is starting: the stop takes effect at once, in the same turn.
    const starting = this.starting.get(callId);
    if (starting) await starting.catch(() => undefined);
    const entry = this.active.get(callId);
    if (entry) this.finish(callId, entry, null);
    await this.closing.get(callId);
    return this.finished.get(callId) ?? null;
  }

  /** A call event: a recording ends with its call. */
  onCall(call: CallInfo): void {
    if (call.state === 'ended') void this.stop(call.id);
  }

  /** Stops every recording (the app quits); resolves once each file is complete. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.starting.values()].map((start) => start.catch(() => undefined)));
    await Promise.all([...this.active.keys()].map((callId) => this.stop(callId)));
    await Promise.all(this.closing.values());
  }

  sent(callId: string, frame: Int16Array): void {
    this.active.get(callId)?.mixer.push('near', frame);
  }

  received(callId: string, frame: Int16Array): void {
    this.active.get(callId)?.mixer.push('far', frame);
  }

  private async open(call: CallInfo): Promise<CallRecording> {
    const folder = this.options.folder();
    if (folder.isDefault) {
      await mkdir(folder.path, { recursive: true }).catch((error: unknown) => {
        throw recordingProblemOf(error, folder.path);
      });
    }
    const at = this.options.now?.() ?? new Date();
    const sampleRate = this.options.sampleRate ?? AUDIO_SAMPLE_RATE;
    for (let attempt = 1; ; attempt++) {
      const file = recordingFileName(at, call.remote, attempt);
      const path = join(folder.path, file);
      try {
        const writer = await WavFileWriter.create(path, folder.path, {
          ...this.options.writer,
          sampleRate,
        });
        const recording: CallRecording = { active: true, file, path, error: null };
        const entry: ActiveRecording = {
          writer,
          mixer: new CallAudioMixer((mixed) => writer.append(mixed)),
          recording,
        };
        this.active.set(call.id, entry);
        writer.onFailure((problem) => this.finish(call.id, entry, problem.message));
        this.options.onChange(call.id, recording);
        return recording;
      } catch (error) {
        const problem = recordingProblemOf(error, folder.path);
        if (problem.code !== 'EEXIST' || attempt >= NAME_ATTEMPTS) throw problem;
      }
    }
  }

  private finish(callId: string, entry: ActiveRecording, error: string | null): CallRecording {
    if (this.active.get(callId) !== entry) return this.finished.get(callId) ?? entry.recording;
    this.active.delete(callId);
    entry.mixer.drain();
    const closed = entry.writer.close().finally(() => {
      if (this.closing.get(callId) === closed) this.closing.delete(callId);
    });
    this.closing.set(callId, closed);
    const recording: CallRecording = { ...entry.recording, active: false, error };
    this.finished.set(callId, recording);
    while (this.finished.size > FINISHED_KEPT) {
      const oldest = this.finished.keys().next().value;
      if (oldest === undefined) break;
      this.finished.delete(oldest);
    }
    this.options.onChange(callId, recording);
    return recording;
  }
}
