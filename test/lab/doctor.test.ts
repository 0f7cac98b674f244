/**
 * The doctor's decision table, row by row, with real peers: the client behind the router
 * namespace ({no NAT, cone, symmetric}), sipp as the provider (comedia: it answers to where our
 * RTP comes from; strict: only to our SDP address), coturn as STUN on two addresses. Each row
 * checks `natter doctor --json --apply`'s verdict, that it stays within a minute, and that the fix
 * it saved gives a `natter call` with audio both ways where one is possible.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import type { DoctorReport, DoctorVerdictCode } from '../../src-shared/doctor.js';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { createLab, PUBLIC, type Lab, type LabOptions, type NatMode } from './support/netns-lab.js';
import { ALG_PROXY_ADDRESS, startLabAlgProxy } from './support/alg-proxy.js';
import { startTurnServer, TURN_PASSWORD, TURN_USER } from './support/turn-server.js';
import { LAB_USER, PROVIDER_SIP_PORT, runNatter, startCoturn, startSipp } from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: NAT doctor decision table',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack']),
);

const STUN_SERVERS = [`${PUBLIC.stunA}:3478`, `${PUBLIC.stunB}:3478`];
const STUN = STUN_SERVERS.flatMap((server) => ['--stun', server]);
const SERVER = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];

type Provider = 'comedia' | 'strict';

interface Row {
  nat: NatMode;
  provider: Provider;
  verdict: DoctorVerdictCode;
  /** Whether some configuration can give audio both ways (the doctor's exit 0). */
  twoWay: boolean;
  /** What --apply should write for STUN: off, on, or nothing. */
  stun: 'off' | 'on' | 'unchanged';
}

const TABLE: Row[] = [
  { nat: 'none', provider: 'comedia', verdict: 'provider-handles-nat', twoWay: true, stun: 'off' },
  { nat: 'none', provider: 'strict', verdict: 'provider-handles-nat', twoWay: true, stun: 'off' },
  { nat: 'cone', provider: 'comedia', verdict: 'provider-handles-nat', twoWay: true, stun: 'off' },
  { nat: 'cone', provider: 'strict', verdict: 'stun-fixes', twoWay: true, stun: 'on' },
  {
    nat: 'symmetric',
    provider: 'comedia',
    verdict: 'provider-handles-nat',
    twoWay: true,
    stun: 'off',
  },
  {
    nat: 'symmetric',
    provider: 'strict',
    verdict: 'turn-required',
    twoWay: false,
    stun: 'unchanged',
  },
];

async function startProvider(lab: Lab, provider: Provider): Promise<void> {
  await startCoturn(lab);
  await startSipp(
    lab,
    provider === 'comedia' ? 'provider-comedia.xml' : 'provider-strict.xml',
    // The doctor alone places up to three registrations and calls; the fix's check one more.
    provider === 'comedia' ? { extraArgs: ['-rtp_echo'], calls: 30 } : { calls: 30 },
  );
}

function stepOf(report: DoctorReport, id: string) {
  return report.steps.find((step) => step.id === id);
}

// Every row has a lab of its own, and most of a row is waiting on the wire: two rows at a time
// (the lab project's maxConcurrency).
describe.skipIf(skip).concurrent('the NAT doctor decides as voip.ms would advise', () => {
  /** A lab for one test, removed as soon as that test ends. */
  const labForTest = (options: LabOptions, test: TestContext): Lab => {
    const lab = createLab(options);
    test.onTestFinished(() => lab.destroy());
    return lab;
  };

  it.for(TABLE)(
    '$nat NAT, $provider provider → $verdict',
    { timeout: 150_000 },
    async (row, test) => {
      const lab = labForTest({ nat: row.nat }, test);
      await startProvider(lab, row.provider);
      const settingsFile = join(mkdtempSync(join(tmpdir(), 'natter-doctor-')), 'settings.json');
      const run = await runNatter(lab, [
        'doctor',
        ...SERVER,
        ...STUN,
        '--ring-seconds',
        '10',
        '--apply',
        '--settings',
        settingsFile,
        '--json',
      ]);
      expect(run.json, `${run.stderr}\n${run.stdout}`).not.toBeNull();
      const report = run.json as unknown as DoctorReport;
      const trail = report.steps.map((step) => `${step.id}: ${step.status} ${step.summary}`);
      expect(report.verdict.code, trail.join('\n')).toBe(row.verdict);
      expect(report.verdict.message.length).toBeGreaterThan(10);
      expect(run.code).toBe(row.twoWay ? 0 : 1);
      expect(report.twoWayFound).toBe(row.twoWay);
      // Bounded: the whole procedure without --full lands within a minute.
      expect(run.elapsedMs).toBeLessThan(60_000);
      expect(report.steps.map((step) => step.id)).toEqual([
        'reachability',
        'nat',
        'binding',
        'alg',
        'call-no-stun',
        'call-stun',
        'call-turn',
      ]);
      expect(stepOf(report, 'reachability')?.status).toBe('pass');
      expect(stepOf(report, 'alg')?.status).toBe('pass');
      expect(stepOf(report, 'nat')?.evidence.natType).toBe(row.nat === 'none' ? 'open' : row.nat);

      if (row.stun === 'unchanged') {
        expect(report.applied).toBeNull();
        return;
      }
      const expected = row.stun === 'on' ? STUN_SERVERS : [];
      expect(report.applied?.stunServers).toEqual(expected);
      const saved = JSON.parse(readFileSync(settingsFile, 'utf8').toString()) as {
        settings: { stunServers: string[] };
      };

      expect(saved.settings.stunServers).toEqual(expected);

      // The fix it saved gives a call with audio both ways.
      const call = await runNatter(lab, [
        'call',
        '4443',
        ...SERVER,
        ...(row.stun === 'on' ? STUN : ['--no-stun']),
        '--seconds',
        '3',
        '--json',
      ]);
      const callReport = call.json as unknown as CallReportJson;
      expect(callReport.oneWayAudio, call.stderr).toBe(false);
      expect(callReport.rtp.received).toBeGreaterThan(50);
      expect(call.code).toBe(0);
    },
  );

  it('symmetric NAT, strict provider, a TURN relay configured → turn-fixes, and the saved relay carries a call', async (test) => {
    const lab = labForTest({ nat: 'symmetric' }, test);
    await startProvider(lab, 'strict');
    const turn = await startTurnServer(lab);
    const settingsFile = join(mkdtempSync(join(tmpdir(), 'natter-doctor-')), 'settings.json');
    const env = { NATTER_TURN_PASSWORD: TURN_PASSWORD };
    const run = await runNatter(
      lab,
      [
        'doctor',
        ...SERVER,
        ...STUN,
        '--turn',
        turn.server,
        '--turn-user',
        TURN_USER,
        '--ring-seconds',
        '10',
        '--apply',
        '--settings',
        settingsFile,
        '--json',
      ],
      { env },
    );
    expect(run.json, `${run.stderr}\n${run.stdout}`).not.toBeNull();
    const report = run.json as unknown as DoctorReport;
    const trail = report.steps.map((step) => `${step.id}: ${step.status} ${step.summary}`);
    expect(report.verdict.code, trail.join('\n')).toBe('turn-fixes');
    expect(run.code).toBe(0);
    expect(stepOf(report, 'call-stun')?.status).toBe('fail');
    expect(stepOf(report, 'call-turn')?.status).toBe('pass');
    expect(JSON.stringify(report)).not.toContain(TURN_PASSWORD);
    const saved = JSON.parse(readFileSync(settingsFile, 'utf8').toString()) as {
      settings: { turnServer: string; turnUser: string; turnPolicy: string };
    };
    expect(saved.settings).toMatchObject({
      turnServer: turn.server,
      turnUser: TURN_USER,
      turnPolicy: 'symmetric',
    });
    expect(readFileSync(settingsFile, 'utf8')).not.toContain(TURN_PASSWORD);
    // The saved relay, used as the settings say (only behind a symmetric NAT), carries a call.
    const call = await runNatter(
      lab,
      [
        'call',
        '4443',
        ...SERVER,
        ...STUN,
        '--turn',
        saved.settings.turnServer,
        '--turn-user',
        saved.settings.turnUser,
        '--turn-policy',
        saved.settings.turnPolicy,
        '--seconds',
        '3',
        '--json',
      ],
      { env },
    );
    const callReport = call.json as unknown as CallReportJson;
    expect(callReport.oneWayAudio, call.stderr).toBe(false);
    expect(callReport.rtp.received, `${call.stderr}\n${call.stdout}`).toBeGreaterThan(50);
  }, 150_000);

  it('--full measures how long the router keeps a mapping and saves a keepalive below it', async (test) => {
    const timeoutSeconds = 15;
    const lab = labForTest({ nat: 'cone', udpTimeoutSeconds: timeoutSeconds }, test);
    await startProvider(lab, 'comedia');
    const settingsFile = join(mkdtempSync(join(tmpdir(), 'natter-doctor-')), 'settings.json');
    const run = await runNatter(
      lab,
      [
        'doctor',
        ...SERVER,
        ...STUN,
        '--full',
        '--apply',
        '--settings',
        settingsFile,
        '--ring-seconds',
        '10',
        '--json',
      ],
      { timeoutMs: 240_000 },
    );
    expect(run.json, `${run.stderr}\n${run.stdout}`).not.toBeNull();
    const report = run.json as unknown as DoctorReport;
    const binding = stepOf(report, 'binding');
    const evidence = binding?.evidence as
      { aliveSeconds: number; expiredSeconds: number; keepaliveSeconds: number } | undefined;
    expect(binding?.status, binding?.summary).not.toBe('skipped');
    // Within ±25 % of the timeout set on the router.
    expect(evidence?.aliveSeconds).toBeGreaterThanOrEqual(timeoutSeconds * 0.75);
    expect(evidence?.expiredSeconds).toBeLessThanOrEqual(timeoutSeconds * 1.25);
    expect(evidence?.keepaliveSeconds).toBeLessThan(timeoutSeconds);
    expect(report.applied?.keepaliveSeconds).toBe(evidence?.keepaliveSeconds);
    const saved = JSON.parse(readFileSync(settingsFile, 'utf8').toString()) as {
      settings: { keepaliveSeconds: number };
    };
    expect(saved.settings.keepaliveSeconds).toBe(evidence?.keepaliveSeconds);
  }, 240_000);

  it('a router that rewrites SIP like a broken ALG → alg-detected, with the rewrite as evidence', async (test) => {
    const lab = labForTest({ nat: 'cone' }, test);
    await startProvider(lab, 'comedia');
    // The middlebox stands where a router's ALG would: between the client and voip.ms,
    // rewriting our Contact to the public address and port 5060.
    await startLabAlgProxy(lab);
    const run = await runNatter(lab, [
      'doctor',
      '--server',
      `${ALG_PROXY_ADDRESS}:5060`,
      '--user',
      LAB_USER,
      ...STUN,
      '--ring-seconds',
      '10',
      '--json',
    ]);
    expect(run.json, `${run.stderr}\n${run.stdout}`).not.toBeNull();
    const report = run.json as unknown as DoctorReport;
    const trail = report.steps.map((step) => `${step.id}: ${step.status} ${step.summary}`);
    expect(report.verdict.code, trail.join('\n')).toBe('alg-detected');
    expect(report.verdict.message).toMatch(/disable SIP ALG/);
    const alg = stepOf(report, 'alg');
    expect(alg?.status).toBe('fail');
    expect(JSON.stringify(alg?.evidence)).toMatch(/:5060/);
    expect(JSON.stringify(report)).not.toContain('lab-secret');
    expect(run.elapsedMs).toBeLessThan(60_000);
  }, 150_000);
});
