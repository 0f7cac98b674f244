/**
 * The NAT doctor: the procedure voip.ms gives its users (test call first; one-way audio means SIP
 * ALG or NAT; then STUN; a symmetric NAT needs a relay), run in under a minute with the evidence
 * of each step, ending in one verdict and the setting that fixes it. One routine for the CLI's
 * `natter doctor` and the app's "Check my connection".
 */
import { describeError } from '../engine-error.js';
import type { Account, NatStatus, NatType, TransportAddress } from '../../../src-shared/domain.js';
import type {
  DoctorAlgTls,
  DoctorFix,
  DoctorReport,
  DoctorStep,
  DoctorStepId,
  DoctorStepStatus,
  DoctorVerdict,
} from '../../../src-shared/doctor.js';
import { allocateRtpEndpoints } from '../../media/rtp-port-allocator.js';
import {
  keepaliveForLifetime,
  probeBindingLifetime,
  probeMapping,
  type MappingProbe,
  type NatStrategyId,
} from '../../nat/index.js';
import { UdpEndpoint } from '../../net/udp-endpoint.js';
import type { EngineOptions } from '../engine-options.js';
import { probeSipServers } from '../sip-options-probe.js';
import { parseServerSpec, resolveServer } from '../server-address.js';
import { viewSipMessage } from '../../sip/sip-message-view.js';
import { phoneFactNotes, registrarDisagrees, type PhoneFacts } from './phone-facts.js';
import { detectSipAlg } from './sip-alg.js';
import {
  NOT_TRIED,
  TLS_CURES_ALG,
  tlsAttemptNote,
  tlsAttemptSummary,
  tryTlsAroundAlg,
} from './alg-tls.js';
import { TestPhone, type TestCallResult } from './test-phone.js';

export interface DoctorOptions {
  account: Account;
  password: string;
  /** STUN servers to test with; two at different addresses tell a symmetric NAT apart. */
  stunServers: string[];
  /** The echo test number to call (voip.ms: 4443). */
  echo: string;
  /** Also measure the binding lifetime (takes minutes). */
  full: boolean;
  /** A TURN relay to try when the NAT is symmetric. */
  turn: { server: string; user: string; password: string } | null;
  /** Address to bind the test sockets to (the lab's client address); all interfaces by default. */
  localAddress?: string;
  /** Seconds of tone per test call once answered (default 4). */
  callSeconds?: number;
  /** Seconds to wait for the echo service to answer (default 15). */
  ringSeconds?: number;
  /** Longest idle gap the binding lifetime probe tries (default 180 s). */
  bindingMaxSeconds?: number;
  /** What the running phone healed by itself this session (the app's; the CLI has none). */
  phoneFacts?: PhoneFacts;
  /** An extra CA certificate file for the SIP over TLS attempt (a lab, a private PBX). */
  tlsCaFile?: string;
}

interface StepOutcome {
  status: DoctorStepStatus;
  summary: string;
  evidence: Record<string, unknown>;
}

const describe = (address: TransportAddress | null | undefined) =>
  address ? `${address.address}:${address.port}` : 'unknown';

/** Runs the steps in order, reporting each as it lands, and returns the whole report. */
export async function runDoctor(
  options: DoctorOptions,
  onStep: (step: DoctorStep) => void = () => undefined,
): Promise<DoctorReport> {
  const steps: DoctorStep[] = [];
  const run = async (id: DoctorStepId, body: () => Promise<StepOutcome>) => {
    const started = performance.now();
    let outcome: StepOutcome;
    try {
      outcome = await body();
    } catch (error) {
      // A step that breaks is a failed step with its reason, never a crashed doctor.
      outcome = {
        status: 'fail',
        summary: `could not run: ${describeError(error)}`,
        evidence: {},
      };
    }
    const step: DoctorStep = {
      id,
      ...outcome,
      durationMs: Math.round(performance.now() - started),
    };
    steps.push(step);
    onStep(step);
    return step;
  };
  const skip = (id: DoctorStepId, reason: string) =>
    run(id, async () => ({ status: 'skipped', summary: reason, evidence: { reason } }));

  const callSeconds = options.callSeconds ?? 4;
  const ringSeconds = options.ringSeconds ?? 15;
  const bind = options.localAddress ? { localAddress: options.localAddress } : {};

  // Step 1 registers the phone without STUN that steps 4 and 5 go on using.
  const plainPhone = new TestPhone({ natStrategy: 'none', ...bind });
  let reachable = false;
  let reachabilityProblem = '';
  let nat: { natType: NatType; sipMapped: TransportAddress | null } = {
    natType: 'unknown',
    sipMapped: null,
  };
  const calls: Partial<Record<DoctorStrategy, TestCallResult>> = {};
  let plainClosed = false;
  let algDetected = false;
  let algRan = false;
  let tlsAttempt: DoctorAlgTls = NOT_TRIED;
  const fix: DoctorFix = {};
  // The STUN test phone's NAT status: STUN's mapping and voip.ms's view of the same socket.
  let stunPhoneNat: NatStatus | null = null;
  try {
    await run('reachability', async () => {
      const outcome = await checkReachability(options, plainPhone);
      reachable = outcome.status === 'pass';
      reachabilityProblem = outcome.summary;
      return outcome;
    });

    await run('nat', async () => {
      const outcome = await checkNat(options);
      nat = {
        natType: outcome.evidence.natType as NatType,
        sipMapped: (outcome.evidence.sipSocket as MappingProbe | undefined)?.mapped ?? null,
      };
      return outcome;
    });

    if (options.full) {
      await run('binding', async () => {
        const outcome = await checkBinding(options);
        if (typeof outcome.evidence.keepaliveSeconds === 'number') {
          fix.keepaliveSeconds = outcome.evidence.keepaliveSeconds;
        }
        return outcome;
      });
    } else {
      await skip('binding', 'not measured (it takes minutes): run with --full');
    }

    // A rewriting router can break registration itself (the registrar echoes a Contact that is
    // not ours): judge SIP ALG whenever the registrar answered at all.
    const registrarAnswered = plainPhone.trace.some((entry) => {
      const view = entry.direction === 'in' ? viewSipMessage(entry.message) : null;
      return view?.kind === 'response' && view.method === 'REGISTER';
    });
    if (registrarAnswered) {
      await run('alg', async () => {
        const local = sipSocketOf(plainPhone);
        const finding = detectSipAlg(plainPhone.trace, { local, stunMapped: nat.sipMapped });
        algDetected = finding.detected;
        algRan = true;
        if (finding.detected) {
          // What the router cannot read, it cannot rewrite: try the same account over TLS.
          tlsAttempt = (
            await tryTlsAroundAlg({
              account: options.account,
              password: options.password,
              echo: options.echo,
              stunServers: nat.natType === 'blocked' ? [] : options.stunServers,
              callSeconds,
              ringSeconds,
              ...(options.tlsCaFile ? { tlsCaFile: options.tlsCaFile } : {}),
              ...bind,
            })
          ).attempt;
        }
        return {
          status: finding.detected ? 'fail' : 'pass',
          summary: finding.detected
            ? `your router rewrites SIP: ${finding.reasons.join('; ')}; ${tlsAttemptSummary(tlsAttempt)}`
            : 'SIP arrives at voip.ms as we sent it',
          evidence: {
            ...finding.evidence,
            reasons: finding.reasons,
            ...(finding.detected ? { tls: tlsAttempt } : {}),
          },
        };
      });
    } else {
      await skip('alg', 'the registrar did not answer');
    }
    // The test calls, one per NAT strategy, cheapest first: each runs only if all before failed.
    for (const id of DOCTOR_STRATEGIES) {
      const worked = (tried: DoctorStrategy) => calls[tried]?.outcome === 'two-way';
      const reason = whyNotTry(id, {
        reachable,
        natType: nat.natType,
        options,
        noneWorked: worked('none'),
        anyWorked: worked('none') || worked('stun'),
      });
      if (reason) {
        await skip(CALL_STEP[id], reason);
      } else {
        const phone = id === 'none' ? plainPhone : new TestPhone(phoneSettings(id, options, bind));
        try {
          await run(CALL_STEP[id], async () => {
            if (id !== 'none') {
              const registration = await phone.register(options.account, options.password);
              if (registration.state !== 'registered') {
                return {
                  status: 'fail',
                  summary: `could not register${id === 'stun' ? ' with STUN on' : ''}: ${registration.error?.message ?? registration.state}`,
                  evidence: { registration },
                };
              }
            }
            const call = await phone.call(options.echo, callSeconds, ringSeconds);
            calls[id] = call;
            const outcome = callOutcome(call, howCalled(id, options));
            if (id === 'stun') {
              stunPhoneNat = phone.engine.natStatus;
              return { ...outcome, evidence: { ...outcome.evidence, nat: stunPhoneNat } };
            }
            if (id === 'turn' && (call.relay?.state === 'failed' || !call.relay)) {
              return {
                status: 'fail',
                summary: `the TURN relay could not be used: ${call.relay?.error ?? 'no allocation'}`,
                evidence: outcome.evidence,
              };
            }
            return outcome;
          });
        } finally {
          if (id !== 'none') await phone.close();
        }
      }
      // The phone without NAT help has done its work once its own call is over.
      if (id === 'none') {
        plainClosed = true;
        await plainPhone.close();
      }
    }
  } finally {
    if (!plainClosed) await plainPhone.close();
  }

  const noStunCall = calls.none ?? null;
  const stunCall = calls.stun ?? null;
  const turnCall = calls.turn ?? null;
  const noStunWorked = noStunCall?.outcome === 'two-way';
  const stunWorked = stunCall?.outcome === 'two-way';
  const turnWorked = turnCall?.outcome === 'two-way' && turnCall.relay?.state !== 'failed';
  const tlsWorked = tlsAttempt.audio;

  if (noStunWorked) fix.stunServers = [];
  else if (stunWorked) fix.stunServers = options.stunServers;
  else if (turnWorked && options.turn) {
    fix.stunServers = options.stunServers;
    fix.turnServer = options.turn.server;
    fix.turnUser = options.turn.user;
    fix.turnPolicy = 'symmetric';
  }
  if (algDetected && tlsWorked) {
    fix.sipTransport = 'tls';
    // The TLS test call used STUN when it had servers: the fix is the configuration that worked.
    if (
      fix.stunServers === undefined &&
      options.stunServers.length > 0 &&
      nat.natType !== 'blocked'
    ) {
      fix.stunServers = options.stunServers;
    }
  }

  const verdict = decide({
    reachable,
    reachabilityProblem,
    // voip.ms's view outranks STUN's pair of servers: it is the destination that matters.
    natType: registrarDisagrees(stunPhoneNat) ? 'symmetric' : nat.natType,
    algDetected,
    tlsWorked,
    noStunWorked,
    stunWorked,
    turnWorked,
    calls: [noStunCall, stunCall, turnCall],
  });
  const tlsNote = tlsAttemptNote(tlsAttempt);
  return {
    steps,
    verdict,
    notes: [...(tlsNote ? [tlsNote] : []), ...phoneFactNotes(stunPhoneNat, options.phoneFacts)],
    ...(algRan ? { alg: { detected: algDetected, tls: tlsAttempt } } : {}),
    fix: Object.keys(fix).length > 0 ? fix : null,
    applied: null,
    twoWayFound: noStunWorked || stunWorked || turnWorked || tlsWorked,
  };
}

/** The strategies the doctor's test calls try, in order, and the step each one reports as. */
type DoctorStrategy = Extract<NatStrategyId, 'none' | 'stun' | 'turn'>;
const DOCTOR_STRATEGIES: readonly DoctorStrategy[] = ['none', 'stun', 'turn'];
const CALL_STEP: Record<DoctorStrategy, DoctorStepId> = {
  none: 'call-no-stun',
  stun: 'call-stun',
  turn: 'call-turn',
};

/** Why a strategy's test call is not worth making, or null to make it. */
function whyNotTry(
  id: DoctorStrategy,
  facts: {
    reachable: boolean;
    natType: NatType;
    options: DoctorOptions;
    noneWorked: boolean;
    anyWorked: boolean;
  },
): string | null {
  switch (id) {
    case 'none':
      return facts.reachable ? null : 'not registered';
    case 'stun':
      if (!facts.reachable) return 'not registered';
      if (facts.noneWorked) return 'not needed: audio went both ways without STUN';
      if (facts.natType === 'blocked' || facts.options.stunServers.length === 0) {
        return 'no STUN server answered';
      }
      return null;
    case 'turn':
      if (facts.anyWorked) return 'not needed: audio went both ways';
      if (facts.natType !== 'symmetric') {
        return 'not a symmetric NAT: a relay would not be the fix';
      }
      return facts.options.turn ? null : 'no TURN server configured';
  }
}

/** The settings of a phone that uses exactly one strategy. */
function phoneSettings(
  id: DoctorStrategy,
  options: DoctorOptions,
  bind: { localAddress?: string },
): Partial<EngineOptions> {
  const turn = options.turn;
  return {
    natStrategy: id,
    stunServers: options.stunServers,
    ...(id === 'turn' && turn
      ? { turn: { server: turn.server, username: turn.user, password: turn.password } }
      : {}),
    ...bind,
  };
}

function howCalled(id: DoctorStrategy, options: DoctorOptions): string {
  if (id === 'none') return 'without STUN';
  if (id === 'stun') return 'with STUN';
  return `through the TURN relay ${options.turn?.server ?? ''}`;
}

/** Registration failures that only an answer from the registrar can cause. */
const REGISTRAR_ANSWERED = new Set(['auth-failed', 'forbidden', 'not-found', 'contact-rewritten']);

async function checkReachability(options: DoctorOptions, phone: TestPhone): Promise<StepOutcome> {
  const spec = parseServerSpec(options.account.server);
  const resolved = await resolveServer(spec).catch((error: unknown) => describeError(error));
  if (typeof resolved === 'string') {
    return {
      status: 'fail',
      summary: `cannot find ${spec.host}: ${resolved}`,
      evidence: { server: options.account.server, dns: null, dnsError: resolved },
    };
  }
  const [options_] = await probeSipServers([options.account.server], {
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
  const registration = await phone.register(options.account, options.password);
  const evidence = {
    server: options.account.server,
    dns: resolved.address,
    optionsRttMs: options_?.rttMs ?? null,
    optionsError: options_?.error ?? null,
    registration: { state: registration.state, error: registration.error },
    contact: registration.contact,
  };
  if (registration.state === 'registered') {
    const rtt = options_?.rttMs;
    return {
      status: 'pass',
      summary: `registered at ${options.account.server}${rtt === null || rtt === undefined ? '' : ` (OPTIONS round trip ${Math.round(rtt)} ms)`}`,
      evidence,
    };
  }
  const why = registration.error?.message ?? 'no answer';
  // A registrar that refused the account, or accepted a rewritten Contact, did answer, even when
  // it ignores OPTIONS: only then is "does not answer SIP" wrong.
  const registrarAnswered = REGISTRAR_ANSWERED.has(registration.error?.code ?? '');
  const silent = options_?.rttMs === null && !registrarAnswered;
  return {
    status: 'fail',
    summary: silent
      ? `${options.account.server} does not answer SIP: ${why}`
      : `${options.account.server} answers but registration failed: ${why}`,
    evidence,
  };
}

/** The NAT type seen from a SIP-like socket and from an RTP socket, each asking every server. */
async function checkNat(options: DoctorOptions): Promise<StepOutcome> {
  const address = options.localAddress;
  const sip = await UdpEndpoint.bind({ role: 'sip', ...(address ? { address } : {}) });
  const rtp = await allocateRtpEndpoints(address ? { address } : {});
  try {
    const discover = (endpoint: UdpEndpoint) =>
      probeMapping(endpoint, options.stunServers, {
        deadlineMs: 2000,
        // Both answers are needed to tell a symmetric NAT from a cone.
        graceAfterFirstMs: 1500,
        ...(address ? { localAddress: address } : {}),
      });
    const [sipSocket, rtpSocket] = await Promise.all([discover(sip), discover(rtp.rtp)]);
    const natType = worstNat(sipSocket.natType, rtpSocket.natType);
    const evidence = { natType, sipSocket, rtpSocket };
    const answered = sipSocket.results.filter((result) => result.mapped).length;
    switch (natType) {
      case 'open':
        return { status: 'pass', summary: 'no NAT: this computer has a public address', evidence };
      case 'cone':
        return {
          status: 'pass',
          summary: `cone NAT: public address ${describe(sipSocket.mapped)}, the same toward every server`,
          evidence,
        };
      case 'symmetric':
        return {
          status: 'warn',
          summary: 'symmetric NAT: the router gives each destination another public port',
          evidence,
        };
      case 'blocked':
        return { status: 'fail', summary: 'no STUN server answered: UDP may be blocked', evidence };
      default:
        return {
          status: 'warn',
          summary:
            answered < 2
              ? `public address ${describe(sipSocket.mapped)}; one STUN server answered, so the NAT type is not known`
              : `public address ${describe(sipSocket.mapped)}`,
          evidence,
        };
    }
  } finally {
    await Promise.all([sip.close(), rtp.rtp.close(), rtp.rtcp.close()]);
  }
}

function worstNat(a: NatType, b: NatType): NatType {
  const order: NatType[] = ['blocked', 'symmetric', 'unknown', 'cone', 'open'];
  return order.indexOf(a) <= order.indexOf(b) ? a : b;
}

async function checkBinding(options: DoctorOptions): Promise<StepOutcome> {
  const refusals: { server: string; error: string | null }[] = [];
  for (const server of options.stunServers) {
    const result = await probeBindingLifetime({
      server,
      maxSeconds: options.bindingMaxSeconds ?? 180,
      ...(options.localAddress ? { bindAddress: options.localAddress } : {}),
    });
    if (!result.supported) {
      refusals.push({ server, error: result.error });
      continue;
    }
    const keepaliveSeconds = keepaliveForLifetime(result);
    const lifetime =
      result.expiredSeconds === null
        ? `longer than ${result.aliveSeconds ?? '?'} s`
        : `between ${result.aliveSeconds ?? 0} and ${result.expiredSeconds} s`;
    return {
      status: result.expiredSeconds !== null && result.expiredSeconds < 30 ? 'warn' : 'pass',
      summary: `the router keeps an idle UDP mapping ${lifetime}${keepaliveSeconds === null ? '' : `; keepalive every ${keepaliveSeconds} s`}`,
      evidence: { ...result, keepaliveSeconds },
    };
  }
  return {
    status: 'skipped',
    summary:
      'none of the STUN servers can measure it (they lack RFC 5780 RESPONSE-PORT or did not answer)',
    evidence: { servers: refusals },
  };
}

function callOutcome(call: TestCallResult, how: string): StepOutcome {
  const evidence = { ...call };
  if (call.outcome === 'two-way') {
    return {
      status: 'pass',
      summary: `test call ${how}: audio both ways (${call.rtp.sent} packets sent, ${call.rtp.received} received${call.toneFramesBack > 0 ? ', our tone came back' : ''})`,
      evidence,
    };
  }
  if (call.outcome === 'one-way') {
    return {
      status: 'fail',
      summary: `test call ${how}: one-way audio (${call.rtp.sent} packets sent, ${call.rtp.received} received)`,
      evidence,
    };
  }
  return {
    status: 'fail',
    summary: `test call ${how}: no answer (${call.end?.message ?? 'no reason given'})`,
    evidence,
  };
}

/** The SIP socket's own address, from the Contact a phone without STUN sends. */
function sipSocketOf(phone: TestPhone): TransportAddress {
  const contact = phone.engine.contactHeader ?? '';
  const match = /@([\d.]+):(\d+)/.exec(contact);
  return { address: match?.[1] ?? '0.0.0.0', port: Number(match?.[2] ?? 0) };
}

interface Findings {
  reachable: boolean;
  reachabilityProblem: string;
  natType: NatType;
  algDetected: boolean;
  /** The test call over TLS (tried when the ALG was found) had audio both ways. */
  tlsWorked?: boolean;
  noStunWorked: boolean;
  stunWorked: boolean;
  turnWorked: boolean;
  calls: (TestCallResult | null)[];
}

/** The decision table: the first row that matches gives the one sentence a person acts on. */
export function decide(findings: Findings): DoctorVerdict {
  if (findings.algDetected && findings.tlsWorked) {
    return { code: 'alg-tls-fixes', message: TLS_CURES_ALG };
  }
  if (findings.algDetected) {
    return {
      code: 'alg-detected',
      message:
        'Your router rewrites SIP (SIP ALG): disable SIP ALG on the router, then test again.',
    };
  }
  if (!findings.reachable) {
    return {
      code: 'unreachable',
      message: `voip.ms cannot be reached or refused the account: ${findings.reachabilityProblem}.`,
    };
  }
  if (findings.noStunWorked) {
    return {
      code: 'provider-handles-nat',
      message: 'Your provider handles NAT: audio works both ways and STUN is not needed.',
    };
  }
  if (findings.stunWorked) {
    return { code: 'stun-fixes', message: 'STUN fixed one-way audio: turn STUN on.' };
  }
  if (findings.turnWorked) {
    return {
      code: 'turn-fixes',
      message:
        'Symmetric NAT: the TURN relay gave audio both ways; use it for calls behind this router.',
    };
  }
  if (findings.natType === 'symmetric') {
    return {
      code: 'turn-required',
      message:
        'Symmetric NAT: your router gives every destination another port, so a TURN relay is required.',
    };
  }
  if (findings.calls.every((call) => call === null || call.outcome === 'no-answer')) {
    return {
      code: 'blocked',
      message:
        'The test call was not answered: a firewall may block SIP or the echo number is wrong.',
    };
  }
  return {
    code: 'blocked',
    message:
      'Audio cannot get in, even with STUN: a firewall blocks incoming UDP; allow it or use a TURN relay.',
  };
}
