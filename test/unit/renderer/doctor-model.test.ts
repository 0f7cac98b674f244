import { describe, expect, it } from 'vitest';
import {
  DOCTOR_STEP_IDS,
  DOCTOR_VERDICT_CODES,
  type DoctorStep,
} from '../../../src-shared/doctor.js';
import {
  STEP_TEXT,
  describeFix,
  nextStep,
  displaySummary,
  hasEvidence,
  stepAsText,
  stepRows,
  verdictColor,
} from '../../../src-renderer/src/network/doctor-model.js';

const step = (id: DoctorStep['id'], status: DoctorStep['status'] = 'pass'): DoctorStep => ({
  id,
  status,
  summary: `${id} summary`,
  evidence: { id },
  durationMs: 1500,
});

describe('the connection check’s step list', () => {
  it('lists every step in the doctor’s order before anything ran', () => {
    const rows = stepRows([], false);
    expect(rows.map((row) => row.id)).toEqual([...DOCTOR_STEP_IDS]);
    expect(rows.every((row) => row.state === 'pending')).toBe(true);
  });

  it('shows the first step without a result as running, and only that one', () => {
    const rows = stepRows([step('reachability'), step('nat', 'warn')], true);
    expect(rows.map((row) => row.state)).toEqual([
      'pass',
      'warn',
      'running',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
  });

  it('shows nothing running once the run is over, whatever did not land', () => {
    const rows = stepRows([step('reachability', 'fail')], false);
    expect(rows.filter((row) => row.state === 'running')).toEqual([]);
  });

  it('places steps by id, whatever order they arrive in', () => {
    const rows = stepRows([step('binding', 'skipped'), step('reachability')], true);
    expect(rows.slice(0, 3).map((row) => row.state)).toEqual(['pass', 'running', 'skipped']);
  });

  it('has a title for every step the doctor knows', () => {
    for (const id of DOCTOR_STEP_IDS) expect(STEP_TEXT[id].title).not.toBe('');
  });
});

describe('the verdict and its fix', () => {
  it('is green only when some configuration gave two-way audio', () => {
    const colors = Object.fromEntries(
      DOCTOR_VERDICT_CODES.map((code) => [code, verdictColor(code)]),
    );
    expect(colors).toEqual({
      'provider-handles-nat': 'green',
      'stun-fixes': 'green',
      'turn-required': 'amber',
      'turn-fixes': 'green',
      'alg-detected': 'amber',
      'alg-tls-fixes': 'green',
      blocked: 'red',
      unreachable: 'red',
    });
  });

  it('puts the fix in words', () => {
    expect(describeFix({ stunServers: [] })).toBe(
      'Turn STUN off (voip.ms already answers to the address it sees).',
    );
    expect(describeFix({ stunServers: ['stun.example:3478'], keepaliveSeconds: 20 })).toBe(
      'Use STUN (stun.example:3478) and send a keepalive every 20 s.',
    );
    expect(
      describeFix({
        stunServers: ['stun.example:3478'],
        turnServer: 'turn.example:3478',
        turnUser: 'alice',
        turnPolicy: 'symmetric',
      }),
    ).toBe(
      'Use STUN (stun.example:3478) and relay calls through turn.example:3478 behind a symmetric NAT.',
    );
    expect(describeFix({ turnServer: 'turn.example:3478', turnPolicy: 'always' })).toBe(
      'Relay every call through turn.example:3478.',
    );
    expect(describeFix({ turnPolicy: 'never' })).toBe('Stop relaying calls.');
    expect(describeFix({})).toBe('');
    expect(describeFix({ sipTransport: 'tls' })).toBe(
      'Switch to SIP over TLS (port 5061), which the router’s SIP ALG cannot rewrite.',
    );
  });

  it('says what to do next when there is no fix to apply', () => {
    expect(nextStep('turn-required', null)).toBe(
      'Next: add a TURN relay in Settings → Relay, then check again.',
    );
    // A fix to apply is the next step already; the ALG verdict names its remedy itself.
    expect(nextStep('turn-required', { stunServers: ['stun.example:3478'] })).toBeNull();
    expect(nextStep('alg-detected', null)).toBeNull();
    expect(nextStep('stun-fixes', { stunServers: ['stun.example:3478'] })).toBeNull();
    expect(nextStep('provider-handles-nat', null)).toBeNull();
  });

  it('copies a step with its status, summary and evidence', () => {
    expect(stepAsText(step('alg', 'fail'))).toBe(
      'SIP ALG: Failed (1500 ms)\nalg summary\n{\n  "id": "alg"\n}',
    );
  });
});

describe('step summaries in the app', () => {
  it('start with a capital and drop a repeated title', () => {
    const call = { ...step('call-no-stun'), summary: 'test call without STUN: audio both ways' };
    expect(displaySummary(call)).toBe('Audio both ways');
    expect(displaySummary({ ...step('nat'), summary: 'no NAT: public address' })).toBe(
      'No NAT: public address',
    );
    const relayed = {
      ...step('call-turn'),
      summary: 'test call through the TURN relay turn.example:3478: audio both ways (9 sent)',
    };
    expect(displaySummary(relayed)).toBe('Relay turn.example:3478: audio both ways (9 sent)');
  });

  it('point at the checkbox, not the CLI flag, for an unmeasured binding lifetime', () => {
    const binding = {
      ...step('binding', 'skipped'),
      summary: 'not measured (it takes minutes): run with --full',
      evidence: { reason: 'not measured' },
    };
    expect(displaySummary(binding)).toMatch(/^Not measured: tick “Measure how long/);
    expect(hasEvidence(binding)).toBe(false);
    expect(hasEvidence(step('binding'))).toBe(true);
  });
});
