/**
 * What the settings page checks and says on its own: the keepalive's bounds, and the words of
 * the confirmations beside the controls that caused them.
 */
import {
  DEFAULT_KEEPALIVE_SECONDS,
  keepaliveIntervalSeconds,
} from '../../../src-shared/keepalive-interval.js';
import type { Settings } from '../../../src-shared/settings.js';

/**
 * Below this a chosen keepalive only adds traffic; a router that forgets sooner is what the
 * automatic interval, following the doctor's measurement, is for.
 */
export const KEEPALIVE_MIN_SECONDS = 10;
export const KEEPALIVE_MAX_SECONDS = 300;

/** `seconds` null: automatic (the engine chooses). */
export type KeepaliveCheck =
  | { valid: true; seconds: number | null; error: null }
  | { valid: false; seconds: null; error: string };

/** The keepalive interval as typed: empty (automatic), 0 (off) or 10 to 300 whole seconds. */
export function checkKeepalive(typed: string): KeepaliveCheck {
  const text = typed.trim();
  const bounds = `leave it empty for automatic, 0 turns it off; otherwise ${KEEPALIVE_MIN_SECONDS} to ${KEEPALIVE_MAX_SECONDS} seconds.`;
  const refuse = (error: string): KeepaliveCheck => ({ valid: false, seconds: null, error });
  if (text === '') return { valid: true, seconds: null, error: null };
  if (!/^\d+$/.test(text)) return refuse(`Whole seconds only: ${bounds}`);
  const seconds = Number(text);
  if (seconds === 0) return { valid: true, seconds, error: null };
  if (seconds < KEEPALIVE_MIN_SECONDS || seconds > KEEPALIVE_MAX_SECONDS) {
    return refuse(`${seconds} s is out of bounds: ${bounds}`);
  }
  return { valid: true, seconds, error: null };
}

export function keepaliveSaved(seconds: number | null): string {
  if (seconds === null) return 'Saved: automatic';
  return seconds === 0 ? 'Saved: keepalive off' : `Saved: every ${seconds} s`;
}

export function stunSwitchSaved(settings: Pick<Settings, 'stunEnabled' | 'stunServers'>): string {
  if (!settings.stunEnabled) return 'STUN off: calls carry this computer’s own address';
  const active = settings.stunServers[0];
  return active ? `STUN on: now using ${active}` : 'STUN on, but the list below is empty';
}

/** The keypad digit choices as the settings list them, and what each saved one is confirmed as. */
export const DTMF_METHOD_WORDS: Record<Settings['dtmfMethod'], { choice: string; saved: string }> =
  {
    auto: {
      choice: 'Automatic',
      saved: 'Saved: digits go in the audio stream when the call takes them, else by SIP INFO',
    },
    rfc4733: {
      choice: 'RFC 2833 (in the audio stream) only',
      saved: 'Saved: digits go in the audio stream only',
    },
    'sip-info': {
      choice: 'SIP INFO',
      saved: 'Saved: digits go by SIP INFO',
    },
    inband: {
      choice: 'Tones in the audio (inband)',
      saved: 'Saved: digits go as tones in the audio',
    },
  };

export const THEME_WORDS: Record<Settings['theme'], string> = {
  system: 'Follow the system',
  dark: 'Dark',
  light: 'Light',
};

/** What "automatic" does now, in words, by the engine's own rule. */
export function automaticKeepalive(bindingLifetimeSeconds: number | null): string {
  if (bindingLifetimeSeconds === null) {
    return `every ${DEFAULT_KEEPALIVE_SECONDS} s, or below what “Check my connection” measures for your router`;
  }
  const seconds = keepaliveIntervalSeconds({ keepaliveSeconds: null, bindingLifetimeSeconds });
  return `every ${seconds} s, well below the ${bindingLifetimeSeconds} s your router was measured to keep the way open`;
}
