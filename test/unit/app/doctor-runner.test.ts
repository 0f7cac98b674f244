import { describe, expect, it, vi } from 'vitest';
import {
  createDoctorRunner,
  doctorStunServers,
  settingsForFix,
  type DoctorRoutine,
  type DoctorRunnerDeps,
} from '../../../src-main/app/doctor-runner.js';
import type { DoctorOptions } from '../../../src-main/engine/doctor/doctor.js';
import type { DoctorReport, DoctorStep } from '../../../src-shared/doctor.js';
import { DEFAULT_SETTINGS, STUN_PRESETS, type Settings } from '../../../src-shared/settings.js';

const ACCOUNT = { server: '127.0.0.1:5060', user: '123456_home' };
const PASSWORD = 'lab-secret-7';

function step(id: DoctorStep['id'], patch: Partial<DoctorStep> = {}): DoctorStep {
  return { id, status: 'pass', summary: `${id} ok`, evidence: {}, durationMs: 12, ...patch };
}

function report(patch: Partial<DoctorReport> = {}): DoctorReport {
  return {
    steps: [step('reachability'), step('nat')],
    verdict: { code: 'provider-handles-nat', message: 'Your provider handles NAT.' },
    fix: { stunServers: [] },
    applied: null,
    twoWayFound: true,
    ...patch,
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

function runner(overrides: Partial<DoctorRunnerDeps> = {}) {
  const steps: DoctorStep[] = [];
  const saved: unknown[] = [];
  const run = vi.fn<DoctorRoutine>(async (_options, onStep) => {
    const result = report();
    for (const landed of result.steps) onStep(landed);
    return result;
  });
  const deps: DoctorRunnerDeps = {
    run,
    account: () => ACCOUNT,
    password: () => PASSWORD,
    stunServers: () => ['127.0.0.1:3478'],
    localAddress: () => '127.0.0.1',
    saveSettings: async (change) => {
      saved.push(change);
      return { ...DEFAULT_SETTINGS, ...change } as Settings;
    },
    onStep: (landed) => steps.push(landed),
    ...overrides,
  };
  return { doctor: createDoctorRunner(deps), run, steps, saved };
}

describe('the STUN servers the doctor asks', () => {
  it('tops one saved server up with a preset, so the NAT type can be classified', () => {
    expect(doctorStunServers(['127.0.0.1:3478'])).toEqual([
      '127.0.0.1:3478',
      STUN_PRESETS[0].server,
    ]);
  });

  it('uses both presets when none is saved, and never the same server twice', () => {
    expect(doctorStunServers([])).toEqual(STUN_PRESETS.map((preset) => preset.server));
    expect(doctorStunServers([STUN_PRESETS[0].server.toUpperCase()])).toEqual([
      STUN_PRESETS[0].server.toUpperCase(),
      STUN_PRESETS[1].server,
    ]);
  });

  it('keeps two or more saved servers as they are, in order', () => {
    const saved = ['b.example:3478', 'a.example:3478', 'c.example'];
    expect(doctorStunServers(saved)).toEqual(saved);
  });
});

describe('a fix as settings', () => {
  it('writes only what the fix names', () => {
    expect(settingsForFix({ stunServers: [] })).toEqual({ stunServers: [] });
    expect(settingsForFix({ keepaliveSeconds: 20 })).toEqual({ keepaliveSeconds: 20 });
  });

  it('refuses a fix the settings page could not save either', () => {
    expect(() => settingsForFix({ stunServers: ['stun.example:3478;evil'] })).toThrow();
    expect(() => settingsForFix({ stunServers: Array(9).fill('stun.example') })).toThrow();
  });
});

describe('running the doctor for the app', () => {
  it('runs with the saved account, password, STUN servers and the engine’s local address', async () => {
    const { doctor, run, steps } = runner();
    const result = await doctor.run({ full: false, echo: '4443', apply: false });
    const options = run.mock.calls[0]?.[0] as DoctorOptions;
    expect(options).toMatchObject({
      account: ACCOUNT,
      password: PASSWORD,
      stunServers: ['127.0.0.1:3478', STUN_PRESETS[0].server],
      echo: '4443',
      full: false,
      turn: null,
      localAddress: '127.0.0.1',
    });
    expect(steps.map((landed) => landed.id)).toEqual(['reachability', 'nat']);
    expect(result.applied).toBeNull();
  });

  it('hands the doctor what the running phone healed, and runs without it when that fails', async () => {
    const facts = { rescues: [{ to: 'turn' as const, recovered: true }], networkChange: null };
    const told = runner({ phoneFacts: async () => facts });
    await told.doctor.run({ full: false, echo: '4443', apply: false });
    expect(told.run.mock.calls[0]?.[0].phoneFacts).toEqual(facts);
    const broken = runner({ phoneFacts: () => Promise.reject(new Error('engine gone')) });
    await broken.doctor.run({ full: false, echo: '4443', apply: false });
    expect(broken.run).toHaveBeenCalledOnce();
    expect(broken.run.mock.calls[0]?.[0].phoneFacts).toBeUndefined();
  });

  it('binds to all interfaces when the engine does', async () => {
    const { doctor, run } = runner({ localAddress: () => undefined });
    await doctor.run({ full: true, echo: '4443', apply: false });
    const options = run.mock.calls[0]?.[0] as DoctorOptions;
    expect(options).not.toHaveProperty('localAddress');
    expect(options.full).toBe(true);
  });

  it('refuses a second run while one is going, and runs again once it is done', async () => {
    const gate = deferred<DoctorReport>();
    const run = vi.fn<DoctorRoutine>(() => gate.promise);
    const { doctor } = runner({ run });
    const first = doctor.run({ full: false, echo: '4443', apply: false });
    expect(doctor.running).toBe(true);
    await expect(doctor.run({ full: false, echo: '4443', apply: false })).rejects.toMatchObject({
      code: 'doctor-busy',
    });
    await expect(doctor.applyLastFix()).rejects.toMatchObject({ code: 'doctor-busy' });
    gate.resolve(report());
    await first;
    expect(doctor.running).toBe(false);
    gate.resolve(report());
    await doctor.run({ full: false, echo: '4443', apply: false });
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('is free again after a run that failed', async () => {
    const { doctor } = runner({
      run: vi.fn<DoctorRoutine>(async () => {
        throw new Error('socket exploded');
      }),
    });
    await expect(doctor.run({ full: false, echo: '4443', apply: false })).rejects.toThrow(
      'socket exploded',
    );
    expect(doctor.running).toBe(false);
  });

  it('needs a saved account and password', async () => {
    const { doctor, run } = runner({ password: () => null });
    await expect(doctor.run({ full: false, echo: '4443', apply: false })).rejects.toMatchObject({
      code: 'no-account',
    });
    expect(run).not.toHaveBeenCalled();
  });

  it('with apply, saves the fix through the settings path and reports it applied', async () => {
    const { doctor, saved } = runner();
    const result = await doctor.run({ full: false, echo: '4443', apply: true });
    expect(saved).toEqual([{ stunServers: [] }]);
    expect(result.applied).toEqual({ stunServers: [] });
  });

  it('remembers a measured binding lifetime, without apply, so the keepalive follows it', async () => {
    const measured = report({
      steps: [
        step('binding', { evidence: { aliveSeconds: 17.28, expiredSeconds: 20.7 } }),
        step('nat'),
      ],
      fix: null,
    });
    const { doctor, saved } = runner({ run: async () => measured });
    await doctor.run({ full: true, echo: '4443', apply: false });
    expect(saved).toEqual([{ bindingLifetimeSeconds: 17 }]);
  });

  it('keeps the last measurement when a run measured nothing', async () => {
    const unmeasured = report({
      steps: [step('binding', { status: 'skipped', evidence: { aliveSeconds: null } })],
      fix: null,
    });
    const { doctor, saved } = runner({ run: async () => unmeasured });
    await doctor.run({ full: true, echo: '4443', apply: false });
    expect(saved).toEqual([]);
  });

  it('applies the last report’s fix on request, and nothing before there is one', async () => {
    const { doctor, saved } = runner();
    await expect(doctor.applyLastFix()).rejects.toMatchObject({ code: 'no-doctor-fix' });
    await doctor.run({ full: false, echo: '4443', apply: false });
    expect(saved).toEqual([]);
    const { settings, applied } = await doctor.applyLastFix();
    expect(applied).toEqual({ stunServers: [] });
    expect(settings.stunServers).toEqual([]);
    expect(saved).toEqual([{ stunServers: [] }]);
  });

  it('sends no digest response to the window, even inside a step’s evidence', async () => {
    const leaky = step('alg', {
      evidence: {
        exchange: {
          sent: 'REGISTER sip:x SIP/2.0\r\nAuthorization: Digest username="u", realm="r", uri="sip:x", response="0123456789abcdef0123456789abcdef"\r\n\r\n',
        },
      },
    });
    const { doctor, steps } = runner({
      run: vi.fn<DoctorRoutine>(async (_options, onStep) => {
        onStep(leaky);
        return report({ steps: [leaky] });
      }),
    });
    const result = await doctor.run({ full: false, echo: '4443', apply: false });
    for (const text of [JSON.stringify(steps), JSON.stringify(result)]) {
      expect(text).not.toContain('0123456789abcdef');
      expect(text).toContain('username=\\"u\\"');
    }
  });

  it('keeps running when the window that listened has gone', async () => {
    const { doctor } = runner({
      onStep: () => {
        throw new Error('object has been destroyed');
      },
    });
    const result = await doctor.run({ full: false, echo: '4443', apply: false });
    expect(result.verdict.code).toBe('provider-handles-nat');
  });
});
