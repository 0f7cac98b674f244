/**
 * What the settings page checks and says on its own: the keepalive's bounds, and the words of
 * the confirmations beside the controls that caused them.
 */
import type { Settings } from '../../../src-shared/settings.js';

/** Below this a keepalive only adds traffic: routers keep a UDP mapping for 30 s or more. */
export const KEEPALIVE_MIN_SECONDS = 10;
export const KEEPALIVE_MAX_SECONDS = 300;

export type KeepaliveCheck = { seconds: number; error: null } | { seconds: null; error: string };

/** The keepalive interval as typed: 0 (off) or a whole number of seconds from 10 to 300. */
export function checkKeepalive(typed: string): KeepaliveCheck {
  const text = typed.trim();
  const bounds = `0 turns it off; otherwise ${KEEPALIVE_MIN_SECONDS} to ${KEEPALIVE_MAX_SECONDS} seconds.`;
  if (text === '') return { seconds: null, error: `Enter a number of seconds: ${bounds}` };
  if (!/^\d+$/.test(text)) return { seconds: null, error: `Whole seconds only: ${bounds}` };
  const seconds = Number(text);
  if (seconds === 0) return { seconds, error: null };
  if (seconds < KEEPALIVE_MIN_SECONDS || seconds > KEEPALIVE_MAX_SECONDS) {
    return { seconds: null, error: `${seconds} s is out of bounds: ${bounds}` };
  }
  return { seconds, error: null };
}

export function keepaliveSaved(seconds: number): string {
  return seconds === 0 ? 'Saved: keepalive off' : `Saved: every ${seconds} s`;
}

export function stunSwitchSaved(settings: Pick<Settings, 'stunEnabled' | 'stunServers'>): string {
  if (!settings.stunEnabled) return 'STUN off: calls carry this computer’s own address';
  const active = settings.stunServers[0];
  return active ? `STUN on: now using ${active}` : 'STUN on, but the list below is empty';
}

export const THEME_WORDS: Record<Settings['theme'], string> = {
  system: 'Follow the system',
  dark: 'Dark',
  light: 'Light',
};
