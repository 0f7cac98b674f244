/**
 * Numbered versions of the settings and of the call history, each one different in every field,
 * so a reader can tell a whole version from a file that mixes two (or is cut short).
 */
import { EMPTY_RTP_STATS } from '../../src-main/engine/call-record.js';
import type { CallInfo } from '../../src-shared/domain.js';
import type { SettingsUpdate } from '../../src-shared/settings.js';

/** Settings as large as the schema allows, every field tied to `version`. */
export function settingsVersion(version: number): SettingsUpdate {
  const tag = String(version).padStart(8, '0');
  return {
    account: {
      server: `pop${tag}.voip.ms`,
      user: `123456_${tag}`,
      displayName: `Version ${tag}`.padEnd(64, '.'),
    },
    stunServers: Array.from({ length: 8 }, (_, index) => `stun${index}-${tag}.example.net:3478`),
    keepaliveSeconds: version % 301,
    audioInputId: `input-${tag}`.padEnd(256, 'i'),
    audioOutputId: `output-${tag}`.padEnd(256, 'o'),
    ringtoneOutputId: `ring-${tag}`.padEnd(256, 'r'),
    turnServer: `turn-${tag}.example.net:3478`,
    turnUser: `user-${tag}`,
    password: `sip-secret-${tag}`,
    turnPassword: `turn-secret-${tag}`,
  };
}

/** The version number a settings file holds, read from one field; the rest must agree. */
export function settingsVersionOf(turnUser: string | null): number {
  return Number(turnUser?.replace('user-', '') ?? Number.NaN);
}

/** The call recorded as number `version`: its id and every field carry the number. */
export function endedCall(version: number): CallInfo {
  const tag = String(version).padStart(8, '0');
  const started = Date.UTC(2026, 10, 1) + version * 60_000;
  return {
    id: `call-${tag}`,
    direction: version % 2 === 0 ? 'outgoing' : 'incoming',
    remote: `1514${tag}`,
    remoteDisplayName: `Caller ${tag}`,
    state: 'ended',
    startedAt: new Date(started).toISOString(),
    answeredAt: new Date(started + 2_000).toISOString(),
    endedAt: new Date(started + 2_000 + (version % 600) * 1000).toISOString(),
    end: { code: 'hangup-remote', message: 'The other side hung up' },
    codec: 'PCMU',
    localMedia: null,
    remoteMedia: null,
    muted: false,
    stats: EMPTY_RTP_STATS,
  };
}
