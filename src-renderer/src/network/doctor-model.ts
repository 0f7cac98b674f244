/**
 * What the connection check view shows, as pure functions of the doctor's steps and report: the
 * step list in the doctor's order, which step is running, the verdict's colour and the fix in
 * words.
 */
import {
  DOCTOR_STEP_IDS,
  type DoctorFix,
  type DoctorStep,
  type DoctorStepId,
  type DoctorStepStatus,
  type DoctorVerdictCode,
} from '../../../src-shared/doctor.js';
import type { VerdictColor } from '../../../src-shared/nat-verdict.js';

export const STEP_TEXT: Record<DoctorStepId, { title: string; does: string }> = {
  reachability: {
    title: 'Reach voip.ms',
    does: 'Finds your server, times a SIP round trip and registers a test phone.',
  },
  nat: {
    title: 'NAT type',
    does: 'Asks two STUN servers which public address your router gives this computer.',
  },
  binding: {
    title: 'Binding lifetime',
    does: 'Measures how long your router remembers an idle UDP mapping.',
  },
  alg: {
    title: 'SIP ALG',
    does: 'Checks whether your router rewrites SIP messages on the way out; if it does, tries SIP over TLS, which it cannot read.',
  },
  'call-no-stun': {
    title: 'Test call without STUN',
    does: 'Calls the echo test with this computer’s own address and listens for the tone.',
  },
  'call-stun': {
    title: 'Test call with STUN',
    does: 'Calls again with the public address STUN found.',
  },
  'call-turn': {
    title: 'Test call with TURN',
    does: 'Calls through a relay, for routers that change ports per destination.',
  },
};

export const STATUS_WORDS: Record<DoctorStepStatus | 'running' | 'pending', string> = {
  pass: 'Passed',
  warn: 'Warning',
  fail: 'Failed',
  skipped: 'Skipped',
  running: 'Running',
  pending: 'Waiting',
};

export interface StepRow {
  id: DoctorStepId;
  state: DoctorStepStatus | 'running' | 'pending';
  step: DoctorStep | null;
}

/**
 * Every step in the doctor's order, landed or not. The doctor runs them in that order, so while
 * it runs the first one without a result is the one in progress.
 */
export function stepRows(steps: readonly DoctorStep[], running: boolean): StepRow[] {
  const byId = new Map(steps.map((step) => [step.id, step]));
  let runningShown = false;
  return DOCTOR_STEP_IDS.map((id) => {
    const step = byId.get(id) ?? null;
    if (step) return { id, state: step.status, step };
    if (running && !runningShown) {
      runningShown = true;
      return { id, state: 'running', step: null };
    }
    return { id, state: 'pending', step: null };
  });
}

export function verdictColor(code: DoctorVerdictCode): VerdictColor {
  switch (code) {
    case 'provider-handles-nat':
    case 'stun-fixes':
    case 'turn-fixes':
    case 'alg-tls-fixes':
      return 'green';
    case 'alg-detected':
    case 'turn-required':
      return 'amber';
    default:
      return 'red';
  }
}

/** The fix as one sentence a person can agree to before pressing "Apply". */
export function describeFix(fix: DoctorFix): string {
  const parts: string[] = [];
  if (fix.stunServers !== undefined) {
    parts.push(
      fix.stunServers.length === 0
        ? 'turn STUN off (voip.ms already answers to the address it sees)'
        : `use STUN (${fix.stunServers.join(', ')})`,
    );
  }
  if (fix.keepaliveSeconds !== undefined) {
    parts.push(
      fix.keepaliveSeconds === 0
        ? 'stop sending keepalives'
        : `send a keepalive every ${fix.keepaliveSeconds} s`,
    );
  }
  if (fix.turnServer !== undefined || fix.turnPolicy !== undefined) {
    const relay = fix.turnServer ?? 'the TURN relay';
    parts.push(
      fix.turnPolicy === 'never'
        ? 'stop relaying calls'
        : fix.turnPolicy === 'always'
          ? `relay every call through ${relay}`
          : `relay calls through ${relay} behind a symmetric NAT`,
    );
  }
  if (fix.sipTransport === 'tls') {
    parts.push('switch to SIP over TLS (port 5061), which the router’s SIP ALG cannot rewrite');
  }
  const sentence = parts.join(' and ');
  return sentence ? `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.` : '';
}

/**
 * What to do next when the verdict has no fix to apply, so the view never ends on a problem
 * without a way forward; null when the verdict or its fix already says it.
 */
export function nextStep(code: DoctorVerdictCode, fix: DoctorFix | null): string | null {
  if (fix && describeFix(fix)) return null;
  // The other verdicts' sentences name the remedy already (turn off SIP ALG, check the firewall).
  return code === 'turn-required'
    ? 'Next: add a TURN relay in Settings → Relay, then check again.'
    : null;
}

/**
 * A step's summary as the app shows it: the doctor writes for the CLI too, so its lines start in
 * lower case, may repeat the step's title, and name CLI flags where the app has a checkbox.
 */
export function displaySummary(step: DoctorStep): string {
  const title = STEP_TEXT[step.id].title.toLowerCase();
  let text = step.summary.trim();
  if (text.toLowerCase().startsWith(`${title}:`)) text = text.slice(title.length + 1).trim();
  // The relay's call names its relay where the others name their mode: keep the address only.
  const relayed = /^test call through the TURN relay (\S+): (.*)$/i.exec(text);
  if (step.id === 'call-turn' && relayed) text = `relay ${relayed[1]}: ${relayed[2]}`;
  if (step.id === 'binding' && step.status === 'skipped' && text.includes('--full')) {
    text = 'Not measured: tick “Measure how long the router keeps a mapping” and check again.';
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether a step has evidence beyond the reason it was skipped, which its summary already says. */
export function hasEvidence(step: DoctorStep): boolean {
  return Object.keys(step.evidence).some((key) => step.status !== 'skipped' || key !== 'reason');
}

/** One step as text for a support ticket or a forum post. */
export function stepAsText(step: DoctorStep): string {
  return [
    `${STEP_TEXT[step.id].title}: ${STATUS_WORDS[step.status]} (${step.durationMs} ms)`,
    step.summary,
    JSON.stringify(step.evidence, null, 2),
  ].join('\n');
}

export function secondsSince(start: number | null, now: number): number {
  return start === null ? 0 : Math.max(0, Math.floor((now - start) / 1000));
}
