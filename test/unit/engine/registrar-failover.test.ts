import { describe, expect, it } from 'vitest';
import type { Registration } from '../../../src-shared/domain.js';
import { isVoipmsServer } from '../../../src-shared/settings.js';
import {
  nearestAnsweringRegistrar,
  registrarWentSilent,
  sameServer,
  type SipProber,
} from '../../../src-main/engine/registrar-failover.js';
import { parseCliArgs } from '../../../src-main/cli/cli-args.js';

function failed(code: string): Registration {
  return {
    state: 'failed',
    account: { server: 'montreal.voip.ms', user: '123456_home' },
    contact: null,
    expiresAt: null,
    error: { code, message: 'words' },
  };
}

/** A prober answering from a fixed table of round trips; null means silence. */
function proberOf(rtts: Record<string, number | null>): SipProber & { asked: string[][] } {
  const asked: string[][] = [];
  const probe = async (servers: readonly string[]) => {
    asked.push([...servers]);
    return servers.map((server) => {
      const rttMs = rtts[server] ?? null;
      return { server, rttMs, error: rttMs === null ? 'no answer within 3 s' : null };
    });
  };
  return Object.assign(probe, { asked });
}

describe('registrar failover', () => {
  it('counts only silence as a reason to move, never a refusal', () => {
    expect(registrarWentSilent(failed('timeout'))).toBe(true);
    expect(registrarWentSilent(failed('refresh'))).toBe(true);
    expect(registrarWentSilent(failed('auth-failed'))).toBe(false);
    expect(registrarWentSilent(failed('forbidden'))).toBe(false);
    expect(registrarWentSilent({ ...failed('timeout'), state: 'registered', error: null })).toBe(
      false,
    );
  });

  it('picks the answering server with the shortest round trip, never the silent one', async () => {
    const probe = proberOf({
      'montreal.voip.ms': null,
      'toronto.voip.ms': 31,
      'newyork.voip.ms': 18,
      'chicago.voip.ms': null,
    });
    const next = await nearestAnsweringRegistrar(
      'montreal.voip.ms',
      ['toronto.voip.ms', 'newyork.voip.ms', 'chicago.voip.ms', 'Montreal.voip.ms:5060'],
      probe,
    );
    expect(next).toBe('newyork.voip.ms');
    expect(probe.asked).toEqual([['toronto.voip.ms', 'newyork.voip.ms', 'chicago.voip.ms']]);
  });

  it('finds nothing when no other server answers (the network is the likely cause)', async () => {
    const probe = proberOf({ 'toronto.voip.ms': null });
    expect(await nearestAnsweringRegistrar('montreal.voip.ms', ['toronto.voip.ms'], probe)).toBe(
      null,
    );
    expect(await nearestAnsweringRegistrar('montreal.voip.ms', ['montreal.voip.ms'], probe)).toBe(
      null,
    );
  });

  it('knows one server by any spelling of it', () => {
    expect(sameServer('Montreal.voip.ms:5060', 'montreal.voip.ms')).toBe(true);
    expect(sameServer('montreal.voip.ms:5080', 'montreal.voip.ms')).toBe(false);
    expect(sameServer('montreal2.voip.ms', 'montreal.voip.ms')).toBe(false);
  });

  it('moves only among voip.ms points of presence', () => {
    expect(isVoipmsServer('montreal.voip.ms')).toBe(true);
    expect(isVoipmsServer('Montreal3.voip.ms:5060')).toBe(true);
    expect(isVoipmsServer('sip.example.net')).toBe(false);
    expect(isVoipmsServer('montreal.voip.ms.evil.example')).toBe(false);
  });

  it('takes --failover servers on the command line, and refuses a malformed one', () => {
    const args = parseCliArgs([
      'listen',
      '--server',
      'montreal.voip.ms',
      '--user',
      '123456_home',
      '--failover',
      'toronto.voip.ms',
      '--failover',
      '198.51.100.20:5060',
    ]);
    expect(args).toMatchObject({ failover: ['toronto.voip.ms', '198.51.100.20:5060'] });
    expect(() =>
      parseCliArgs(['listen', '--server', 'a.b', '--user', 'u', '--failover', 'bad host']),
    ).toThrow(/--failover bad host/);
  });
});
