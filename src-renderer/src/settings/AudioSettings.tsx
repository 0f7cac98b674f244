import { useCallback, useEffect, useRef, useState } from 'react';
import { listAudioDevices } from '../audio/call-audio.js';
import { TonePlayer } from '../audio/tone-player.js';
import { LevelMeter } from '../call/CallQuality.js';
import { Confirmation, useConfirmation } from '../ui/Confirmation.js';
import { saveSettings } from './save-settings.js';
import { VolumeSliders } from '../audio/VolumeSliders.js';
import type { SettingsSectionProps } from './section-props.js';
import { VOLUME_PERCENT_MAX } from '../../../src-shared/settings.js';
import type { Store } from '../state/store.js';
import '../audio/volume.css';

type DeviceField = 'audioInputId' | 'audioOutputId' | 'ringtoneOutputId';

interface DeviceLists {
  inputs: MediaDeviceInfo[];
  outputs: MediaDeviceInfo[];
}

function useAudioDevices(): [DeviceLists, () => Promise<void>] {
  const [lists, setLists] = useState<DeviceLists>({ inputs: [], outputs: [] });
  const refresh = useCallback(async () => {
    const [inputs, outputs] = await Promise.all([
      listAudioDevices('audioinput'),
      listAudioDevices('audiooutput'),
    ]);
    setLists({ inputs, outputs });
  }, []);
  useEffect(() => {
    void refresh();
    // Plugging a headset in or out updates the lists while the page is open.
    navigator.mediaDevices?.addEventListener('devicechange', refresh);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', refresh);
  }, [refresh]);
  return [lists, refresh];
}

/** A microphone check outside calls: its own short-lived capture, its own meter. */
function useMicrophoneTest(inputId: string | null) {
  const [peak, setPeak] = useState<number | null>(null);
  const stop = useRef<(() => void) | null>(null);
  const end = useCallback(() => {
    stop.current?.();
    stop.current = null;
    setPeak(null);
  }, []);
  const start = useCallback(async () => {
    end();
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: true,
        noiseSuppression: true,
        ...(inputId ? { deviceId: { exact: inputId } } : {}),
      },
    });
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      setPeak(samples.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0));
    }, 100);
    stop.current = () => {
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
      void context.close();
    };
  }, [inputId, end]);
  useEffect(() => end, [end]);
  return { peak, start, end };
}

function deviceName(device: MediaDeviceInfo, index: number, kind: string): string {
  return device.label || `${kind} ${index + 1}`;
}

/** Microphone, call speaker and ringtone device, each with a way to try it. */
export function AudioSettings({ store, settings, labelledBy }: SettingsSectionProps) {
  const [lists, refresh] = useAudioDevices();
  const micTest = useMicrophoneTest(settings.audioInputId);
  const [problem, setProblem] = useState<string | null>(null);
  const tones = useRef(new TonePlayer());
  useEffect(() => {
    const player = tones.current;
    return () => player.stop();
  }, []);
  const unnamed = [...lists.inputs, ...lists.outputs].some((device) => !device.label);

  // Each choice is confirmed under its own list, so "Saved" never reads as another one's.
  const notes: Record<DeviceField, ReturnType<typeof useConfirmation>> = {
    audioInputId: useConfirmation(),
    audioOutputId: useConfirmation(),
    ringtoneOutputId: useConfirmation(),
  };
  const choose = async (field: DeviceField, value: string, name: string) => {
    const confirm = notes[field][1];
    const result = await saveSettings(store, { [field]: value === '' ? null : value });
    if ('settings' in result) confirm(`Saved: ${name}`);
    else confirm(`Not saved: ${result.error}`, 'failed');
  };
  const tryIt = async (action: () => Promise<void>) => {
    try {
      setProblem(null);
      await action();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };

  const select = (field: DeviceField, label: string, devices: MediaDeviceInfo[], kind: string) => (
    <>
      <label>
        {label}
        <select
          value={settings[field] ?? ''}
          onChange={(event) => {
            const chosen = event.target.selectedOptions[0]?.textContent ?? '';
            void choose(field, event.target.value, chosen);
          }}
        >
          <option value="">System default</option>
          {devices
            .filter((device) => device.deviceId && device.deviceId !== 'default')
            .map((device, index) => (
              <option key={device.deviceId} value={device.deviceId}>
                {deviceName(device, index, kind)}
              </option>
            ))}
        </select>
      </label>
      <Confirmation note={notes[field][0]} />
    </>
  );

  return (
    <fieldset className="audio-settings settings-card" aria-labelledby={labelledBy}>
      {select('audioInputId', 'Microphone', lists.inputs, 'Microphone')}
      <div className="device-test">
        <button
          type="button"
          aria-pressed={micTest.peak !== null}
          onClick={() =>
            void tryIt(async () => (micTest.peak === null ? micTest.start() : micTest.end()))
          }
        >
          {micTest.peak === null ? 'Test microphone' : 'Stop test'}
        </button>
        <LevelMeter label="Microphone" peak={micTest.peak ?? 0} showLabel={false} />
      </div>
      {select('audioOutputId', 'Speaker for calls', lists.outputs, 'Speaker')}
      {select('ringtoneOutputId', 'Ringtone on', lists.outputs, 'Speaker')}
      <RingtoneVolume store={store} saved={settings.ringtoneVolume} />
      <div className="device-test">
        <button
          type="button"
          onClick={() =>
            void tryIt(async () => {
              await tones.current.play('ring', settings.ringtoneOutputId, settings.ringtoneVolume);
              setTimeout(() => tones.current.stop(), 2500);
            })
          }
        >
          Play ringtone
        </button>
        {unnamed && (
          <button
            type="button"
            className="ghost"
            onClick={() =>
              void tryIt(async () => {
                // Browsers name devices only once the microphone has been allowed.
                const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
                for (const track of stream.getTracks()) track.stop();
                await refresh();
              })
            }
          >
            Show device names
          </button>
        )}
      </div>
      <VolumeSliders store={store} audio={null} />
      <p className="muted small-print">
        The other side hears the microphone volume; the speaker volume is what you hear. Both are
        also on the call screen, under Volume.
      </p>
      {problem && (
        <p className="warning" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}

/** A slider being dragged saves once it rests this long, not at every step. */
const RINGTONE_SAVE_AFTER_MS = 400;

/** How loud calls ring here, 0–200 %; "Play ringtone" plays it at the level shown. */
function RingtoneVolume({ store, saved }: { store: Store; saved: number }) {
  const [moved, setMoved] = useState<number | null>(null);
  const [note, confirm] = useConfirmation();
  const timer = useRef<number | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    },
    [],
  );
  const shown = moved ?? saved;
  const move = (volume: number) => {
    setMoved(volume);
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      timer.current = null;
      void saveSettings(store, { ringtoneVolume: volume }).then((result) => {
        if ('settings' in result) {
          setMoved(null);
          confirm(volume === 0 ? 'Saved: calls ring silently' : `Saved: ringtone at ${volume} %`);
        } else confirm(`Not saved: ${result.error}`, 'failed');
      });
    }, RINGTONE_SAVE_AFTER_MS);
  };
  return (
    <>
      <div className="volume-row">
        <label htmlFor="ringtone-volume">Ringtone volume</label>
        <input
          id="ringtone-volume"
          type="range"
          min={0}
          max={VOLUME_PERCENT_MAX}
          step={5}
          value={shown}
          aria-valuetext={`${shown} %`}
          onChange={(event) => move(Number(event.target.value))}
        />
        <output htmlFor="ringtone-volume">{shown} %</output>
      </div>
      <Confirmation note={note} />
    </>
  );
}
