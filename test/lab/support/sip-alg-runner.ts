/**
 * Registers with the engine, traces its SIP as the doctor does, and prints one JSON object:
 * the registration, the SIP socket's local address and STUN mapping, and `detectSipAlg`'s
 * finding on the trace. Run in the lab's client namespace from the build:
 *
 * `NATTER_PASSWORD=... node dist/test/lab/support/sip-alg-runner.js --server IP:PORT --user U
 *  [--stun IP:PORT ...] [--local-port N] [--t1 MS]`
 *
 * Exit 0 when it could judge (whatever the finding), 1 when the engine could not even open.
 */
import type { Registration } from '../../../src-shared/domain.js';
import { detectSipAlg, type TracedMessage } from '../../../src-main/engine/doctor/sip-alg.js';
import { NatterEngine } from '../../../src-main/engine/natter-engine.js';

export interface AlgRunnerReport {
  registration: Pick<Registration, 'state' | 'contact' | 'error'>;
  local: { address: string; port: number } | null;
  stunMapped: { address: string; port: number } | null;
  finding: ReturnType<typeof detectSipAlg> | null;
}

/** A final answer to REGISTER other than a digest challenge. */
const FINAL_REGISTER_ANSWER = /^SIP\/2\.0 (?!401|407)[2-6]\d\d [^]*?^CSeq:\s*\d+\s+REGISTER/im;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(argv: string[]): Promise<number> {
  const values = (flag: string) =>
    argv.flatMap((arg, at) => (arg === flag && argv[at + 1] ? [argv[at + 1] as string] : []));
  const server = values('--server')[0];
  const user = values('--user')[0];
  const password = process.env.NATTER_PASSWORD;
  if (!server || !user || !password) {
    process.stderr.write('usage: NATTER_PASSWORD=... sip-alg-runner --server IP:PORT --user U\n');
    return 2;
  }
  const t1 = Number(values('--t1')[0] ?? 500);
  const trace: TracedMessage[] = [];
  let onAnswer: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (onAnswer = resolve));
  const engine = new NatterEngine(
    {
      stunServers: values('--stun'),
      localSipPort: Number(values('--local-port')[0] ?? 0),
      keepaliveSeconds: 0,
      sipTimers: { t1, t2: Math.max(t1 * 8, 4000) },
    },
    {
      onTrace: (direction, message, peer) => {
        trace.push({ direction, message, peer });
        if (direction === 'in' && FINAL_REGISTER_ANSWER.test(message)) onAnswer();
      },
    },
  );
  const registering = engine.invoke('register', { account: { server, user }, password });
  // sip.js drops a 200 whose Contact list lacks ours (what a rewriting ALG causes) and the
  // engine then waits out its own guard; the registrar's answer is all the check needs.
  const registration = await Promise.race([
    registering,
    answered
      .then(() => delay(500))
      .then(() => engine.invoke('snapshot', {}))
      .then((s) => s.registration),
  ]);
  const nat = engine.natStatus;
  // Judged on what registering showed, before the un-REGISTER adds its own exchange.
  const finding = nat ? detectSipAlg(trace, { local: nat.local, stunMapped: nat.mapped }) : null;
  const report: AlgRunnerReport = {
    registration: {
      state: registration.state,
      contact: registration.contact,
      error: registration.error,
    },
    local: nat?.local ?? null,
    stunMapped: nat?.mapped ?? null,
    finding,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await engine.shutdown();
  return nat ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `sip-alg-runner: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
