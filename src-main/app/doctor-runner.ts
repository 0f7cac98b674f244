/**
 * "Check my connection" as main serves it: the NAT doctor run with the saved account, one run at
 * a time, its steps streamed as they land, and its fix saved only when the user confirms it. The
 * doctor brings its own sockets and registrations, so the app's phone stays registered meanwhile.
 */
import type { Account } from '../../src-shared/domain.js';
import {
  doctorReportSchema,
  doctorStepSchema,
  type DoctorFix,
  type DoctorReport,
  type DoctorRequest,
  type DoctorStep,
} from '../../src-shared/doctor.js';
import {
  STUN_PRESETS,
  settingsUpdateSchema,
  type Settings,
  type SettingsUpdate,
} from '../../src-shared/settings.js';
import { runDoctor, type DoctorOptions } from '../engine/doctor/doctor.js';
import type { PhoneFacts } from '../engine/doctor/phone-facts.js';
import { measuredBindingLifetime } from '../../src-shared/keepalive-interval.js';
import { redactSipMessage } from './sip-trace.js';

export type DoctorRoutine = (
  options: DoctorOptions,
  onStep: (step: DoctorStep) => void,
) => Promise<DoctorReport>;

/** What the runner needs of the app; plain functions, so tests can stand in for any of them. */
export interface DoctorRunnerDeps {
  /** The doctor itself; tests pass a stand-in. */
  run?: DoctorRoutine;
  account(): Account | null;
  password(): string | null;
  stunServers(): string[];
  /** The extra CA file of the settings, trusted when the doctor tries SIP over TLS. */
  tlsCaFile?(): string | null;
  /** The TURN relay of the settings, with its password, for the symmetric-NAT test call. */
  turn?(): DoctorOptions['turn'];
  /** The address the engine binds to, when it is not all interfaces (the test bridge's loopback). */
  localAddress(): string | undefined;
  /** What the running phone healed by itself this session, for the verdict's notes. */
  phoneFacts?(): Promise<PhoneFacts>;
  /** Saves and applies settings exactly as the settings page does. */
  saveSettings(change: SettingsUpdate): Promise<Settings>;
  onStep(step: DoctorStep): void;
  /** Shorter test calls and lifetime probes for tests. */
  timings?: Pick<DoctorOptions, 'callSeconds' | 'ringSeconds' | 'bindingMaxSeconds'>;
}

export interface DoctorRunner {
  readonly running: boolean;
  run(request: DoctorRequest): Promise<DoctorReport>;
  /** Saves the fix of the last report, as "Apply" does. */
  applyLastFix(): Promise<{ settings: Settings; applied: DoctorFix }>;
}

const fail = (code: string, message: string) => Object.assign(new Error(message), { code });

/**
 * The saved STUN servers, topped up with the presets to at least two: one server can say what the
 * public address is but not whether the router is symmetric, which takes two that compare notes.
 */
export function doctorStunServers(saved: readonly string[]): string[] {
  const servers = [...saved];
  for (const preset of STUN_PRESETS) {
    if (servers.length >= 2) break;
    if (!servers.some((server) => server.toLowerCase() === preset.server.toLowerCase())) {
      servers.push(preset.server);
    }
  }
  return servers;
}

/**
 * The settings a fix writes, checked against the same schema as a save from the settings page:
 * the doctor's report is data from a routine that talked to the network, not trusted input.
 */
export function settingsForFix(fix: DoctorFix): SettingsUpdate {
  return settingsUpdateSchema.parse({
    ...(fix.stunServers === undefined ? {} : { stunServers: fix.stunServers }),
    ...(fix.keepaliveSeconds === undefined ? {} : { keepaliveSeconds: fix.keepaliveSeconds }),
    ...(fix.turnServer === undefined ? {} : { turnServer: fix.turnServer }),
    ...(fix.turnUser === undefined ? {} : { turnUser: fix.turnUser }),
    ...(fix.turnPolicy === undefined ? {} : { turnPolicy: fix.turnPolicy }),
    ...(fix.sipTransport === undefined ? {} : { sipTransport: fix.sipTransport }),
  });
}

/**
 * The binding lifetime the report measured, kept so the keepalive follows it (unless the user
 * chose an interval); a report that measured nothing leaves the last measurement in place.
 */
async function rememberBindingLifetime(
  report: DoctorReport,
  save: DoctorRunnerDeps['saveSettings'],
): Promise<void> {
  const bindingLifetimeSeconds = measuredBindingLifetime(report);
  if (bindingLifetimeSeconds === null) return;
  try {
    await save({ bindingLifetimeSeconds });
  } catch {
    // The report is worth more than the measurement it could not store.
  }
}

/**
 * Plain data only, as it crosses Electron's structured clone and the test bridge's JSON; and any
 * SIP text in the evidence redacted once more here, so no digest response reaches a window even
 * if a step forgot to.
 */
const plain = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    typeof item === 'string' ? redactSipMessage(item) : item,
  ) as unknown;

export function createDoctorRunner(deps: DoctorRunnerDeps): DoctorRunner {
  let running = false;
  let lastFix: DoctorFix | null = null;

  const routine = deps.run ?? runDoctor;

  const applyFix = async (fix: DoctorFix) => {
    const settings = await deps.saveSettings(settingsForFix(fix));
    return { settings, applied: fix };
  };

  return {
    get running() {
      return running;
    },
    async run(request) {
      // Two checks at once would register the account twice more and dial the echo test twice:
      // each would measure the other's traffic.
      if (running) {
        throw fail('doctor-busy', 'A connection check is already running; wait for it to finish.');
      }
      const account = deps.account();
      const password = deps.password();
      if (!account || !password) {
        throw fail('no-account', 'Set up your account and password in Settings first.');
      }
      running = true;
      try {
        const localAddress = deps.localAddress();
        const phoneFacts = await deps.phoneFacts?.().catch(() => undefined);
        const tlsCaFile = deps.tlsCaFile?.() ?? null;
        const report = await routine(
          {
            account,
            password,
            stunServers: doctorStunServers(deps.stunServers()),
            echo: request.echo,
            full: request.full,
            turn: deps.turn?.() ?? null,
            ...(localAddress ? { localAddress } : {}),
            ...(phoneFacts ? { phoneFacts } : {}),
            ...(tlsCaFile ? { tlsCaFile } : {}),
            ...deps.timings,
          },
          (step) => {
            const checked = doctorStepSchema.safeParse(plain(step));
            if (!checked.success) return;
            try {
              deps.onStep(checked.data);
            } catch {
              // A window that closed mid-check must not cut the check short: the report still
              // comes back, and the fix can still be applied.
            }
          },
        );
        const checked = doctorReportSchema.parse(plain(report));
        lastFix = checked.fix;
        await rememberBindingLifetime(checked, deps.saveSettings);
        if (request.apply && checked.fix) {
          checked.applied = (await applyFix(checked.fix)).applied;
        }
        return checked;
      } finally {
        running = false;
      }
    },
    async applyLastFix() {
      if (running) {
        throw fail('doctor-busy', 'Wait for the connection check to finish before applying.');
      }
      if (!lastFix) {
        throw fail('no-doctor-fix', 'Run "Check my connection" first: there is no fix to apply.');
      }
      return applyFix(lastFix);
    },
  };
}
