import { useEffect, useRef, useState } from 'react';
import { VOLUME_PERCENT_MAX } from '../../../src-shared/settings.js';
import { saveSettings } from '../settings/save-settings.js';
import { useStore, type Store } from '../state/store.js';
import type { CallAudio, CallVolumes } from './call-audio.js';
import './volume.css';

/** A slider being dragged saves once it rests this long, not at every step. */
const SAVE_AFTER_MS = 400;

const VOLUME_LABELS: Record<keyof CallVolumes, string> = {
  microphone: 'Microphone volume',
  speaker: 'Speaker volume',
};

/** Saves both volumes; the words to show when main refused, else null. */
async function saveVolumes(store: Store, volumes: CallVolumes): Promise<string | null> {
  const result = await saveSettings(store, {
    microphoneVolume: volumes.microphone,
    speakerVolume: volumes.speaker,
  });
  return 'error' in result ? `Not saved: ${result.error}` : null;
}

/**
 * How loud the microphone goes out and the other side plays, as two sliders (MicroSIP's and
 * Zoiper's): in a call the change is heard at once, through `audio`; it is saved in the settings
 * when the slider rests, and kept for every call after.
 */
export function VolumeSliders({ store, audio }: { store: Store; audio: CallAudio | null }) {
  const savedMicrophone = useStore(store, (s) => s.settings?.microphoneVolume ?? 100);
  const savedSpeaker = useStore(store, (s) => s.settings?.speakerVolume ?? 100);
  /** What the sliders were moved to and main has not confirmed yet; null: as saved. */
  const [moved, setMoved] = useState<CallVolumes | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shown = moved ?? { microphone: savedMicrophone, speaker: savedSpeaker };
  const pendingSave = useRef<{ timer: number; volumes: CallVolumes } | null>(null);
  /** Counts changes, so a save answered after a newer move does not undo that move on screen. */
  const changes = useRef(0);

  const save = (volumes: CallVolumes) => {
    const change = changes.current;
    void saveVolumes(store, volumes).then((problem) => {
      setError(problem);
      if (problem === null && change === changes.current) setMoved(null);
    });
  };

  // Leaving the screen (the call ended) mid-drag still saves where the slider was left.
  useEffect(
    () => () => {
      const pending = pendingSave.current;
      if (!pending) return;
      window.clearTimeout(pending.timer);
      void saveVolumes(store, pending.volumes);
    },
    [store],
  );

  const move = (volumes: CallVolumes) => {
    changes.current++;
    setMoved(volumes);
    audio?.setVolumes(volumes);
    if (pendingSave.current) window.clearTimeout(pendingSave.current.timer);
    const timer = window.setTimeout(() => {
      pendingSave.current = null;
      save(volumes);
    }, SAVE_AFTER_MS);
    pendingSave.current = { timer, volumes };
  };

  return (
    <div className="volume-sliders" role="group" aria-label="Volume">
      {(['microphone', 'speaker'] as const).map((kind) => (
        <div className="volume-row" key={kind}>
          <label htmlFor={`volume-${kind}`}>{VOLUME_LABELS[kind]}</label>
          <input
            id={`volume-${kind}`}
            type="range"
            min={0}
            max={VOLUME_PERCENT_MAX}
            step={5}
            value={shown[kind]}
            aria-valuetext={`${shown[kind]} %`}
            onChange={(event) => move({ ...shown, [kind]: Number(event.target.value) })}
          />
          <output htmlFor={`volume-${kind}`}>{shown[kind]} %</output>
        </div>
      ))}
      {error && (
        <p className="warning" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * A volume left at 0 % from an earlier call silences this one with nothing else to show for it
 * (Mute is not pressed, the meter just stays empty): the call screen says so, with the button
 * that brings it back to 100 %.
 */
export function SilentVolumeNotice({ store, audio }: { store: Store; audio: CallAudio | null }) {
  const microphone = useStore(store, (s) => s.settings?.microphoneVolume ?? 100);
  const speaker = useStore(store, (s) => s.settings?.speakerVolume ?? 100);
  const [error, setError] = useState<string | null>(null);
  if (microphone > 0 && speaker > 0) return null;
  const words =
    microphone === 0 && speaker === 0
      ? 'Both volumes are at 0 %: neither of you hears the other.'
      : microphone === 0
        ? 'Your microphone volume is at 0 %: the other side hears nothing.'
        : 'The speaker volume is at 0 %: you hear nothing.';
  const restore = () => {
    const volumes = {
      microphone: microphone === 0 ? 100 : microphone,
      speaker: speaker === 0 ? 100 : speaker,
    };
    audio?.setVolumes(volumes);
    void saveVolumes(store, volumes).then(setError);
  };
  return (
    <div className="warning silent-volume" role="alert">
      <p>{words}</p>
      <button type="button" onClick={restore}>
        Set to 100 %
      </button>
      {error && <p>{error}</p>}
    </div>
  );
}
