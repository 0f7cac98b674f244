/**
 * Ringtone and ringback, synthesised rather than shipped as files: the North American cadence
 * (440 + 480 Hz, 2 s on, 4 s off) voip.ms users hear from any phone. The ringtone goes to the
 * ringtone device, so it can ring on the speakers while calls use a headset.
 */
import type { TonePattern } from './call-audio-rules.js';

interface SinkableContext extends AudioContext {
  setSinkId?(sinkId: string): Promise<void>;
}

const CADENCE_ON_S = 2;
const CADENCE_PERIOD_S = 6;
const LEVEL: Record<TonePattern, number> = { ring: 0.25, ringback: 0.08 };

export class TonePlayer {
  private context: SinkableContext | null = null;
  private playing: TonePattern | null = null;
  private stopCurrent: (() => void) | null = null;

  get current(): TonePattern | null {
    return this.playing;
  }

  /**
   * Plays the pattern on the device (null: the system's) until stopped; `volumePercent` scales
   * the ringtone's level (the user's ringtone volume), not the ringback's.
   */
  async play(pattern: TonePattern, deviceId: string | null, volumePercent = 100): Promise<void> {
    if (this.playing === pattern) return;
    this.stop();
    this.playing = pattern;
    const context: SinkableContext = (this.context ??= new AudioContext());
    if (deviceId && context.setSinkId) await context.setSinkId(deviceId).catch(() => undefined);
    await context.resume().catch(() => undefined);
    if (this.playing !== pattern) return;
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    const oscillators = [440, 480].map((frequency) => {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start();
      return oscillator;
    });
    // Schedule the cadence ahead on the audio clock, topped up each period.
    let next = context.currentTime;
    const level = pattern === 'ring' ? (LEVEL.ring * volumePercent) / 100 : LEVEL[pattern];
    const schedule = () => {
      gain.gain.setValueAtTime(level, next);
      gain.gain.setValueAtTime(0, next + CADENCE_ON_S);
      next += CADENCE_PERIOD_S;
    };
    schedule();
    schedule();
    const timer = setInterval(schedule, CADENCE_PERIOD_S * 1000);
    this.stopCurrent = () => {
      clearInterval(timer);
      for (const oscillator of oscillators) oscillator.stop();
      gain.disconnect();
    };
  }

  stop(): void {
    this.stopCurrent?.();
    this.stopCurrent = null;
    this.playing = null;
    // A running context keeps its output stream ticking a hundred times a second, through the
    // whole call that follows the ringback; suspended, it costs nothing until the next tone.
    void this.context?.suspend().catch(() => undefined);
  }
}
