/**
 * Call recording as the app serves it: the recorder tapped into the audio router, call events
 * and snapshots carrying each call's `recording`, the commands the page invokes (start, stop,
 * the folder and its native dialog, showing a file), and the folder setting checked when saved.
 */
import { EventEmitter } from 'node:events';
import type { CallInfo } from '../../../src-shared/domain.js';
import type { RecordingFolderInfo } from '../../../src-shared/ipc-contract.js';
import { recordingFolderSchema } from '../../../src-shared/settings.js';
import type { CallHistoryStore } from '../../storage/call-history-store.js';
import { defaultRecordingsDirectory } from '../../storage/app-paths.js';
import type { SettingsStore } from '../../storage/settings-store.js';
import { CallRecorder, type CallRecorderOptions } from '../call-recorder.js';
import type { InvokeHandlers } from '../ipc-router.js';
import type { RendererAudioRouter } from '../renderer-audio-router.js';
import type { RecordingDesktop } from './recording-desktop.js';
import { checkRecordingFolder } from './recording-folder-check.js';
import { RecordingProblem } from './wav-file-writer.js';

type RecordingHandlers = Pick<
  InvokeHandlers,
  | 'startRecording'
  | 'stopRecording'
  | 'getRecordingFolder'
  | 'chooseRecordingFolder'
  | 'showRecording'
>;

export interface RecordingServiceDeps {
  store: SettingsStore;
  desktop: RecordingDesktop | null;
  audio: Pick<RendererAudioRouter, 'tapWith'>;
  history: Pick<CallHistoryStore, 'list'>;
  /** Tests shorten the writer's flush or make it fail. */
  recorder?: Pick<CallRecorderOptions, 'writer' | 'now'>;
}

/** An error for the page: a stable code and the sentence. */
function refusal(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export function createRecordingService(deps: RecordingServiceDeps) {
  const { store, desktop } = deps;
  const calls = new EventEmitter();
  // One listener per open page and per consumer: more than Node's default of ten is normal.
  calls.setMaxListeners(0);
  /** The engine's latest word on each call not yet ended, to re-send when its recording changes. */
  const liveCalls = new Map<string, CallInfo>();
  const folder = (): RecordingFolderInfo => {
    const chosen = store.settings.recordingFolder;
    return chosen
      ? { path: chosen, isDefault: false }
      : { path: defaultRecordingsDirectory(), isDefault: true };
  };
  const recorder = new CallRecorder({
    ...deps.recorder,
    folder,
    onChange: (callId) => {
      const call = liveCalls.get(callId);
      if (call) calls.emit('call', withRecording(call));
    },
  });
  deps.audio.tapWith(recorder);
  const withRecording = (call: CallInfo): CallInfo => {
    const recording = recorder.recordingOf(call.id);
    return recording ? { ...call, recording } : call;
  };
  const needDesktop = (): RecordingDesktop => {
    if (!desktop) throw refusal('no-desktop', 'This needs the desktop app.');
    return desktop;
  };

  return {
    recorder,
    /** Follows an engine call event; returns the call as the page sees it, recording included. */
    followCall(call: CallInfo): CallInfo {
      if (call.state === 'ended') liveCalls.delete(call.id);
      else liveCalls.set(call.id, call);
      recorder.onCall(call);
      const shown = withRecording(call);
      calls.emit('call', shown);
      return shown;
    },
    onCall(listener: (call: CallInfo) => void): () => void {
      calls.on('call', listener);
      return () => calls.off('call', listener);
    },
    withRecordings<T extends { calls: CallInfo[] }>(snapshot: T): T {
      return { ...snapshot, calls: snapshot.calls.map(withRecording) };
    },
    checkFolder: (path: string) => checkRecordingFolder(path),
    stopAll: () => recorder.stopAll(),
    handlers(snapshot: () => Promise<{ calls: CallInfo[] }>): RecordingHandlers {
      const callOf = async (callId: string): Promise<CallInfo> => {
        const call =
          liveCalls.get(callId) ?? (await snapshot()).calls.find((each) => each.id === callId);
        if (!call || call.state === 'ended') throw refusal('no-call', 'That call has ended.');
        return call;
      };
      return {
        startRecording: async ({ callId }) => {
          const call = await callOf(callId);
          try {
            return await recorder.start(call);
          } catch (error) {
            if (error instanceof RecordingProblem) {
              throw refusal('recording-failed', `Recording did not start: ${error.message}`);
            }
            throw error;
          }
        },
        stopRecording: ({ callId }) => recorder.stop(callId),
        getRecordingFolder: async () => folder(),
        chooseRecordingFolder: async () => {
          const path = await needDesktop().chooseFolder(folder().path);
          if (path === null) return { chosen: false, settings: store.settings };
          const parsed = recordingFolderSchema.safeParse(path);
          if (!parsed.success) throw refusal('bad-folder', `${path} cannot hold recordings.`);
          await checkRecordingFolder(parsed.data).catch((error: unknown) => {
            throw refusal('bad-folder', error instanceof Error ? error.message : String(error));
          });
          return { chosen: true, settings: await store.update({ recordingFolder: parsed.data }) };
        },
        showRecording: async ({ callId }) => {
          const recording =
            recorder.recordingOf(callId) ??
            deps.history.list.find((entry) => entry.id === callId)?.recording;
          if (!recording) throw refusal('no-recording', 'That call was not recorded.');
          needDesktop().showFile(recording.path);
          return {};
        },
      };
    },
  };
}
