import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { installLabCleanup, Lab, PUBLIC, type NatMode } from './support/netns-lab.js';
import { runNatter, startCoturn } from './support/peers.js';
import type { NatReportJson } from './support/reports.js';

const skip = announceSkip('lab: natter nat', labUnavailableReason(['turnserver']));
installLabCleanup();

const TWO_SERVERS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];

describe.skipIf(skip)('natter nat behind each kind of router', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it.each<[NatMode, NatReportJson['natType']]>([
    ['none', 'open'],
    ['cone', 'cone'],
    ['symmetric', 'symmetric'],
  ])('router with nat=%s is reported as %s', async (nat, expected) => {
    lab = Lab.create({ nat });
    await startCoturn(lab);
    const run = await runNatter(lab, ['nat', ...TWO_SERVERS, '--json']);
    const report = run.json as unknown as NatReportJson;
    expect(report, run.stderr).not.toBeNull();
    expect(report.natType).toBe(expected);
    expect(report.local.address).toBe(lab.clientAddress);
    expect(report.mapped?.address).toBe(nat === 'none' ? lab.clientAddress : PUBLIC.router);
    expect(report.servers.map((server) => server.server)).toEqual([
      `${PUBLIC.stunA}:3478`,
      `${PUBLIC.stunB}:3478`,
    ]);
    for (const server of report.servers) expect(server.rttMs).toBeGreaterThanOrEqual(0);
    if (nat === 'symmetric') {
      expect(report.servers[0]?.mapped?.port).not.toBe(report.servers[1]?.mapped?.port);
    }
    expect(run.code).toBe(0);
  });

  it('a silent first server: the second answers and discovery stays bounded', async () => {
    lab = Lab.create({ nat: 'cone' });
    await startCoturn(lab);
    const run = await runNatter(lab, [
      'nat',
      '--stun',
      `${PUBLIC.silent}:3478`,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--json',
    ]);
    const report = run.json as unknown as NatReportJson;
    expect(report.mapped?.address).toBe(PUBLIC.router);
    expect(report.servers[0]?.mapped).toBeNull();
    expect(report.servers[1]?.mapped?.address).toBe(PUBLIC.router);
    // Node start-up included; the discovery itself is bounded by 1.5 s.
    expect(run.elapsedMs).toBeLessThan(3000);
    expect(run.code).toBe(0);
  });

  it('no STUN server answers: blocked, non-zero exit, one-line reason', async () => {
    lab = Lab.create({ nat: 'cone' });
    const run = await runNatter(lab, ['nat', '--stun', `${PUBLIC.silent}:3478`, '--json']);
    const report = run.json as unknown as NatReportJson;
    expect(report.natType).toBe('blocked');
    expect(report.mapped).toBeNull();
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.elapsedMs).toBeLessThan(3000);
  });
});
