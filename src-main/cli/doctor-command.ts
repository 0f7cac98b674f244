import { resolve } from 'node:path';
import { SettingsStore, type SecretCipher } from '../storage/settings-store.js';
import { settingsFileIn, userDataDirectory } from '../storage/app-paths.js';
import { DEFAULT_STUN_SERVERS } from '../engine/engine-options.js';
import { runDoctor } from '../engine/doctor/doctor.js';
import { tlsServerFor } from '../engine/doctor/alg-tls.js';
import type { DoctorFix, DoctorReport } from '../../src-shared/doctor.js';
import { measuredBindingLifetime } from '../../src-shared/keepalive-interval.js';
import type { DoctorArgs } from './cli-args.js';
import type { CliOutput } from './cli-output.js';

const STATUS_MARK = { pass: 'ok  ', warn: 'warn', fail: 'FAIL', skipped: 'skip' } as const;

/** `natter doctor`: the troubleshooting procedure, a verdict, and with --apply the fix saved. */
export async function doctorCommand(args: DoctorArgs, out: CliOutput): Promise<number> {
  const password = process.env.NATTER_PASSWORD;
  if (!password) {
    out.failure('set NATTER_PASSWORD to the sub-account password (it is never a flag)');
    return 2;
  }
  const turnPassword = process.env.NATTER_TURN_PASSWORD;
  if (args.turn && !turnPassword) {
    out.failure('set NATTER_TURN_PASSWORD to the TURN password (it is never a flag)');
    return 2;
  }
  out.progress(`Checking ${args.user} at ${args.server}...`);
  const report = await runDoctor(
    {
      account: { server: args.server, user: args.user },
      password,
      stunServers: args.stun.length > 0 ? args.stun : DEFAULT_STUN_SERVERS,
      echo: args.echo,
      full: args.full,
      turn: args.turn && turnPassword ? { ...args.turn, password: turnPassword } : null,
      ...(args.ringSeconds === undefined ? {} : { ringSeconds: args.ringSeconds }),
      ...(args.caFile === undefined ? {} : { tlsCaFile: resolve(args.caFile) }),
    },
    (step) => out.progress(`${STATUS_MARK[step.status]}  ${step.id}: ${step.summary}`),
  );
  if (args.apply && report.fix) {
    report.applied = await applyFix(
      report.fix,
      measuredBindingLifetime(report),
      args.settingsFile,
      out,
      args.caFile === undefined ? undefined : resolve(args.caFile),
    );
  }
  out.result(report, humanReport(report, args));
  return report.twoWayFound ? 0 : 1;
}

/** Writes only what the fix names; the account and its encrypted password stay as they are. */
async function applyFix(
  fix: DoctorFix,
  bindingLifetimeSeconds: number | null,
  settingsFile: string | undefined,
  out: CliOutput,
  caFile: string | undefined,
): Promise<DoctorFix> {
  const file = settingsFile ?? settingsFileIn(userDataDirectory());
  const cipher: SecretCipher = {
    // The CLI never writes the password, so it needs no way to encrypt one.
    isAvailable: () => false,
    encrypt: () => {
      throw new Error('the CLI does not store passwords');
    },
    decrypt: () => {
      throw new Error('the CLI does not read passwords');
    },
  };
  // A damaged file is repaired the same way the app repairs it; the person running it is told.
  const store = new SettingsStore(file, cipher, { log: (line) => out.progress(line) });
  await store.load();
  await store.update({
    ...(fix.stunServers === undefined ? {} : { stunServers: fix.stunServers }),
    ...(fix.keepaliveSeconds === undefined ? {} : { keepaliveSeconds: fix.keepaliveSeconds }),
    ...(fix.turnServer === undefined ? {} : { turnServer: fix.turnServer }),
    ...(fix.turnUser === undefined ? {} : { turnUser: fix.turnUser }),
    ...(fix.turnPolicy === undefined ? {} : { turnPolicy: fix.turnPolicy }),
    // The CA the TLS attempt trusted goes with TLS: without it the saved TLS would not verify.
    ...(fix.sipTransport === undefined
      ? {}
      : { sipTransport: fix.sipTransport, ...(caFile ? { tlsCaFile: caFile } : {}) }),
    // Kept as the app keeps it, so its automatic keepalive follows the router's lifetime.
    ...(bindingLifetimeSeconds === null ? {} : { bindingLifetimeSeconds }),
  });
  return fix;
}

function humanReport(report: DoctorReport, args: DoctorArgs): string[] {
  const fix = report.fix;
  const fixLine = !fix
    ? []
    : [
        `Fix:      ${[
          fix.stunServers === undefined
            ? null
            : fix.stunServers.length === 0
              ? 'STUN off'
              : `STUN on (${fix.stunServers.join(', ')})`,
          fix.keepaliveSeconds === undefined ? null : `keepalive ${fix.keepaliveSeconds} s`,
          fix.turnServer === undefined ? null : `TURN relay ${fix.turnServer}`,
          fix.sipTransport === 'tls' ? 'SIP over TLS' : null,
        ]
          .filter(Boolean)
          .join(
            ', ',
          )}${report.applied ? ' — applied' : args.apply ? '' : ' (run with --apply to save it)'}`,
      ];
  const flags = fix ? callFlags(fix, args) : null;
  return [
    ...report.steps.map((step) => `${STATUS_MARK[step.status]}  ${step.id}: ${step.summary}`),
    '',
    `Verdict:  ${report.verdict.message}`,
    ...(report.notes ?? []).map((note) => `          ${note}`),
    ...fixLine,
    ...(flags ? [`Use:      natter call ... ${flags}`] : []),
  ];
}

/** The `natter call`/`listen` flags that carry the fix, for people who use the CLI. */
export function callFlags(
  fix: DoctorFix,
  args: Pick<DoctorArgs, 'caFile'> & { server?: string },
): string | null {
  if (fix.sipTransport !== 'tls') return null;
  return [
    // A port typed for UDP is not the TLS one: the server the TLS test reached is named.
    args.server && /:\d+$/.test(args.server.trim())
      ? `--server ${tlsServerFor(args.server)}`
      : null,
    '--transport tls',
    args.caFile === undefined ? null : `--ca ${args.caFile}`,
    ...(fix.stunServers ?? []).map((server) => `--stun ${server}`),
  ]
    .filter(Boolean)
    .join(' ');
}
