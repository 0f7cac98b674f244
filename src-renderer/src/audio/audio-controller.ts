/**
 * Decides what the devices do from the app's state: the microphone and speaker are open while a
 * call carries audio, the ringtone plays while a call rings in, and ringback while the far end
 * rings without sending early audio. Driven by store changes, never by polling.
 */
import type { CallInfo } from '../../../src-shared/domain.js';
import type { Settings } from '../../../src-shared/settings.js';
import { CallAudio } from './call-audio.js';
import { audioCallOf, toneFor } from './call-audio-rules.js';
import { TonePlayer } from './tone-player.js';

export interface AudioInputs {
  calls: CallInfo[];
  settings: Settings | null;
}

export class AudioController {
  readonly callAudio: CallAudio;
  private readonly tones = new TonePlayer();
  private openFor: string | null = null;
  private devicesKey = '';
  /** The volumes last taken from the settings: applied again only when they change there. */
  private volumesKey = '';

  constructor(linkPort: Promise<MessagePort>) {
    this.callAudio = new CallAudio(linkPort);
  }

  follow({ calls, settings }: AudioInputs): void {
    const tone = toneFor(calls);
    if (tone === null) {
      if (this.tones.current) this.tones.stop();
    } else if (this.tones.current !== tone) {
      const device =
        tone === 'ring' ? (settings?.ringtoneOutputId ?? null) : (settings?.audioOutputId ?? null);
      void this.tones.play(tone, device, settings?.ringtoneVolume ?? 100);
    }
    // Which tone plays, readable from outside (the end-to-end tests check that no ringtone
    // plays over a conversation); it changes nothing on screen.
    if (tone === null) delete document.documentElement.dataset.tone;
    else document.documentElement.dataset.tone = tone;

    // A slider being dragged sets the volumes itself; the settings catch up when it is saved.
    const volumes = {
      microphone: settings?.microphoneVolume ?? 100,
      speaker: settings?.speakerVolume ?? 100,
    };
    const volumesKey = `${volumes.microphone}/${volumes.speaker}`;
    if (volumesKey !== this.volumesKey) {
      this.volumesKey = volumesKey;
      this.callAudio.setVolumes(volumes);
    }

    const call = audioCallOf(calls);
    const devices = {
      inputId: settings?.audioInputId ?? null,
      outputId: settings?.audioOutputId ?? null,
    };
    const devicesKey = JSON.stringify(devices);
    if (call && (call.id !== this.openFor || devicesKey !== this.devicesKey)) {
      this.openFor = call.id;
      this.devicesKey = devicesKey;
      void this.callAudio.start(devices);
    } else if (!call && this.openFor) {
      this.openFor = null;
      void this.callAudio.stop();
    }
  }
}
