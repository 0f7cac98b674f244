import { describe, expect, it } from 'vitest';
import { doctorReportSchema, type DoctorAlgTls } from '../../../src-shared/doctor.js';
import { decide } from '../../../src-main/engine/doctor/doctor.js';
import {
  NOT_TRIED,
  TLS_CURES_ALG,
  tlsAttemptNote,
  tlsAttemptSummary,
  tlsServerFor,
  tryTlsAroundAlg,
} from '../../../src-main/engine/doctor/alg-tls.js';
import { callFlags } from '../../../src-main/cli/doctor-command.js';
import { createDoctorRunner, settingsForFix } from '../../../src-main/app/doctor-runner.js';
import { parseCliArgs, UsageError } from '../../../src-main/cli/cli-args.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../src-shared/settings.js';

const base = {
  reachable: false,
  reachabilityProblem: 'the registrar accepted a Contact other than ours',
  natType: 'cone' as const,
  algDetected: true,
  noStunWorked: false,
  stunWorked: false,
  turnWorked: false,
  calls: [null, null, null],
};

const worked: DoctorAlgTls = {
  tried: true,
  server: 'atlanta1.voip.ms:5061',
  registered: true,
  audio: true,
  error: null,
};
const refused: DoctorAlgTls = {
  tried: true,
  server: 'atlanta1.voip.ms:5061',
  registered: false,
  audio: false,
  error: 'cannot reach atlanta1.voip.ms:5061 over TLS: connection refused',
};

describe('SIP over TLS as the cure for a SIP ALG', () => {
  it('recommends TLS, in plain words, only when the ALG was found and TLS gave audio both ways', () => {
    const verdict = decide({ ...base, tlsWorked: true });
    expect(verdict).toEqual({ code: 'alg-tls-fixes', message: TLS_CURES_ALG });
    expect(verdict.message).toBe(
      "Your router's SIP ALG cannot read encrypted traffic: switch to SIP over TLS.",
    );
    // TLS that did not work keeps the ALG advice; no ALG, no TLS verdict whatever TLS did.
    expect(decide({ ...base, tlsWorked: false }).code).toBe('alg-detected');
    expect(decide({ ...base, tlsWorked: false }).message).toMatch(/disable SIP ALG/);
    expect(decide({ ...base, algDetected: false, reachable: true, tlsWorked: true }).code).not.toBe(
      'alg-tls-fixes',
    );
  });

  it('tries the same host on the TLS port, whatever port was typed for UDP', () => {
    expect(tlsServerFor('atlanta1.voip.ms')).toBe('atlanta1.voip.ms:5061');
    expect(tlsServerFor('atlanta1.voip.ms:5060')).toBe('atlanta1.voip.ms:5061');
    expect(tlsServerFor(' 198.51.100.40:5080 ')).toBe('198.51.100.40:5061');
  });

  it('says why TLS is not the fix when it is not, and nothing when it is', () => {
    expect(tlsAttemptNote(worked)).toBeNull();
    expect(tlsAttemptNote(NOT_TRIED)).toBeNull();
    const note = tlsAttemptNote(refused);
    expect(note).toContain('did not register at atlanta1.voip.ms:5061');
    expect(note).toContain('connection refused');
    expect(note).toContain('Encrypted SIP Traffic');
    const silent = tlsAttemptNote({ ...worked, audio: false, error: 'one-way audio' });
    expect(silent).toMatch(/got past the router's SIP ALG, but one-way audio/);
    // A long error still fits the report's notes.
    const long = tlsAttemptNote({ ...refused, error: 'x'.repeat(2000) });
    expect(long!.length).toBeLessThanOrEqual(500);
    expect(tlsAttemptSummary(worked)).toMatch(/registered and the test call had audio both ways/);
    expect(tlsAttemptSummary(refused)).toMatch(/did not register: cannot reach/);
    expect(tlsAttemptSummary(NOT_TRIED)).toBe('');
  });

  it('a report carrying the attempt and the TLS fix passes the report schema', () => {
    const report = {
      steps: [],
      verdict: { code: 'alg-tls-fixes', message: TLS_CURES_ALG },
      notes: [tlsAttemptNote(refused)],
      alg: { detected: true, tls: worked },
      fix: { sipTransport: 'tls' },
      applied: null,
      twoWayFound: true,
    };
    expect(doctorReportSchema.safeParse(report).success).toBe(true);
    expect(
      doctorReportSchema.safeParse({ ...report, alg: { detected: true, tls: { tried: 'yes' } } })
        .success,
    ).toBe(false);
  });

  it('the fix becomes the sipTransport setting in the app and the --transport flag in the CLI', () => {
    expect(settingsForFix({ sipTransport: 'tls' })).toEqual({ sipTransport: 'tls' });
    expect(callFlags({ sipTransport: 'tls' }, { caFile: undefined })).toBe('--transport tls');
    expect(
      callFlags({ sipTransport: 'tls', stunServers: ['stun.example:3478'] }, { caFile: 'ca.pem' }),
    ).toBe('--transport tls --ca ca.pem --stun stun.example:3478');
    expect(callFlags({ stunServers: [] }, { caFile: undefined })).toBeNull();
    expect(
      callFlags({ sipTransport: 'tls' }, { caFile: undefined, server: 'atlanta1.voip.ms:5060' }),
    ).toBe('--server atlanta1.voip.ms:5061 --transport tls');
  });

  it('a TLS attempt that cannot connect ends as a plain failure, never a throw', async () => {
    const { attempt, call } = await tryTlsAroundAlg({
      account: { server: '127.0.0.1:5060', user: '123456_home' },
      password: 'secret',
      echo: '4443',
      stunServers: [],
      localAddress: '127.0.0.1',
      callSeconds: 1,
      ringSeconds: 1,
      registerSeconds: 5,
    });
    expect(call).toBeNull();
    expect(attempt).toMatchObject({
      tried: true,
      server: '127.0.0.1:5061',
      registered: false,
      audio: false,
    });
    expect(attempt.error).toMatch(/127\.0\.0\.1:5061/);
    expect(attempt.error).not.toContain('secret');
  }, 15_000);

  it('the doctor takes --ca for its TLS attempt, and no --transport', () => {
    const args = parseCliArgs(['doctor', '--server', 'x.example', '--user', 'u', '--ca', 'ca.pem']);
    expect(args).toMatchObject({ command: 'doctor', caFile: 'ca.pem' });
    expect(() =>
      parseCliArgs(['doctor', '--server', 'x.example', '--user', 'u', '--transport', 'tls']),
    ).toThrow(UsageError);
  });

  it('the app passes its CA file to the doctor and "Apply" saves the TLS transport', async () => {
    const saved: unknown[] = [];
    let caSeen: string | undefined;
    const doctor = createDoctorRunner({
      run: async (options) => {
        caSeen = options.tlsCaFile;
        return {
          steps: [],
          verdict: { code: 'alg-tls-fixes', message: TLS_CURES_ALG },
          alg: { detected: true, tls: worked },
          fix: { sipTransport: 'tls' },
          applied: null,
          twoWayFound: true,
        };
      },
      account: () => ({ server: 'atlanta1.voip.ms', user: '123456_home' }),
      password: () => 'secret',
      stunServers: () => [],
      tlsCaFile: () => '/etc/ssl/pbx-ca.pem',
      localAddress: () => undefined,
      saveSettings: async (change) => {
        saved.push(change);
        return { ...DEFAULT_SETTINGS, ...change } as Settings;
      },
      onStep: () => undefined,
    });
    const report = await doctor.run({ full: false, echo: '4443', apply: false });
    expect(caSeen).toBe('/etc/ssl/pbx-ca.pem');
    expect(report.alg?.tls.audio).toBe(true);
    expect(saved).toEqual([]);
    const { applied, settings } = await doctor.applyLastFix();
    expect(applied).toEqual({ sipTransport: 'tls' });
    expect(settings.sipTransport).toBe('tls');
    expect(saved).toEqual([{ sipTransport: 'tls' }]);
  });
});
