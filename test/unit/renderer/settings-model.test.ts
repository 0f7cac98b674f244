import { describe, expect, it } from 'vitest';
import { settingsSchema, DEFAULT_SETTINGS, VOIPMS_SERVERS } from '../../../src-shared/settings.js';
import {
  byRoundTrip,
  fastestOf,
  formatRtt,
  serversToProbe,
} from '../../../src-renderer/src/settings/server-probe-model.js';
import {
  automaticKeepalive,
  checkKeepalive,
  keepaliveSaved,
  stunSwitchSaved,
} from '../../../src-renderer/src/settings/settings-model.js';

describe('keepalive bounds', () => {
  it.each([
    ['0', 0],
    ['10', 10],
    ['25', 25],
    [' 300 ', 300],
  ])('%j is accepted as %d s, and the stored schema takes it', (typed, seconds) => {
    expect(checkKeepalive(typed)).toEqual({ valid: true, seconds, error: null });
    expect(
      settingsSchema.safeParse({ ...DEFAULT_SETTINGS, keepaliveSeconds: seconds }).success,
    ).toBe(true);
  });

  it('takes an empty field as automatic, which the stored schema takes as null', () => {
    expect(checkKeepalive('  ')).toEqual({ valid: true, seconds: null, error: null });
    expect(settingsSchema.safeParse({ ...DEFAULT_SETTINGS, keepaliveSeconds: null }).success).toBe(
      true,
    );
    expect(DEFAULT_SETTINGS.keepaliveSeconds).toBeNull();
  });

  it.each([
    [
      '5',
      /5 s is out of bounds: leave it empty for automatic, 0 turns it off; otherwise 10 to 300 seconds/,
    ],
    ['301', /301 s is out of bounds/],
    ['2.5', /Whole seconds only/],
    ['-1', /Whole seconds only/],
    ['abc', /Whole seconds only/],
  ])('%j is refused in words', (typed, words) => {
    const check = checkKeepalive(typed);
    expect(check.valid).toBe(false);
    expect(check.seconds).toBeNull();
    expect(check.error).toMatch(words);
  });

  it('confirms what was saved', () => {
    expect(keepaliveSaved(0)).toBe('Saved: keepalive off');
    expect(keepaliveSaved(25)).toBe('Saved: every 25 s');
    expect(keepaliveSaved(null)).toBe('Saved: automatic');
  });

  it('says what automatic does, by the engine’s rule', () => {
    expect(automaticKeepalive(null)).toMatch(/^every 15 s, or below what/);
    expect(automaticKeepalive(12)).toMatch(/^every 6 s, well below the 12 s your router/);
  });
});

describe('STUN switch confirmation', () => {
  it('says which server is in use, or that calls carry the local address', () => {
    expect(stunSwitchSaved({ stunEnabled: true, stunServers: ['a:1', 'b:2'] })).toBe(
      'STUN on: now using a:1',
    );
    expect(stunSwitchSaved({ stunEnabled: true, stunServers: [] })).toMatch(/list below is empty/);
    expect(stunSwitchSaved({ stunEnabled: false, stunServers: ['a:1'] })).toMatch(
      /STUN off: calls carry this computer’s own address/,
    );
  });
});

describe('nearest server', () => {
  it('probes the typed and saved servers first, then every POP once, skipping junk', () => {
    const servers = serversToProbe(' 127.0.0.1:5070 ', 'MONTREAL.voip.ms');
    expect(servers.slice(0, 2)).toEqual(['127.0.0.1:5070', 'MONTREAL.voip.ms']);
    expect(servers.filter((s) => s.toLowerCase() === 'montreal.voip.ms')).toHaveLength(1);
    expect(servers).toHaveLength(VOIPMS_SERVERS.length + 1);
    expect(serversToProbe('not a server', undefined)).toEqual([...VOIPMS_SERVERS]);
  });

  it('orders answers by round trip, silent ones last, and picks the fastest', () => {
    const results = [
      { server: 'a', rttMs: null, error: 'no answer' },
      { server: 'b', rttMs: 40, error: null },
      { server: 'c', rttMs: 12, error: null },
    ];
    expect(byRoundTrip(results).map((r) => r.server)).toEqual(['c', 'b', 'a']);
    expect(fastestOf(results)).toEqual({ server: 'c', rttMs: 12, error: null });
    expect(fastestOf([{ server: 'a', rttMs: null, error: 'x' }])).toBeNull();
    expect(formatRtt(4.26)).toBe('4.3 ms');
    expect(formatRtt(42.6)).toBe('43 ms');
  });
});
