/**
 * Runs one fuzz target with fast-check for a time budget. Each execution is time-boxed: one that
 * takes longer than {@link EXECUTION_LIMIT_MS} fails as a hang (an infinite loop is caught by the
 * runner's watchdog instead, see run-fuzz.ts). A failure carries fast-check's seed and path, the
 * shrunk input as JSON, and is what a regression file keeps.
 */
import fc from 'fast-check';
import { ContractViolation, describe, type FuzzTarget } from './fuzz-target.js';

/**
 * Longer than any sane handling of one input, even on a machine loaded many times over (the
 * shared CI machine runs at a load of 8 per core): beyond it, the input is a hang.
 */
export const EXECUTION_LIMIT_MS = 5000;

export interface FuzzFailure {
  target: string;
  seed: number;
  path: string;
  error: string;
  input: unknown;
}

export interface FuzzOutcome {
  target: string;
  seed: number;
  executions: number;
  seconds: number;
  failure: FuzzFailure | null;
}

/**
 * CPU time one input may cost: a datagram that costs a second of CPU is a denial of service
 * whatever the wall clock says (CPU time, unlike wall time, does not grow with the machine's load).
 */
export const EXECUTION_CPU_LIMIT_MS = 1000;

/** The target's execute, failing an input that takes too long as a hang. */
export function timed<T>(target: FuzzTarget<T>): (input: T) => void | Promise<void> {
  const tooSlow = (started: number, cpu: NodeJS.CpuUsage): void => {
    const took = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (took > EXECUTION_LIMIT_MS || cpuMs > EXECUTION_CPU_LIMIT_MS) {
      throw new ContractViolation(
        `one execution took ${Math.round(took)} ms (${Math.round(cpuMs)} ms of CPU): a hang`,
      );
    }
  };
  if (target.async) {
    return async (input) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      await target.execute(input);
      tooSlow(started, cpu);
    };
  }
  return (input) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    void target.execute(input);
    tooSlow(started, cpu);
  };
}

export async function fuzzTarget<T>(
  target: FuzzTarget<T>,
  options: { seconds: number; seed?: number },
): Promise<FuzzOutcome> {
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  let executions = 0;
  const body = timed(target);
  const counted = (input: T): void | Promise<void> => {
    executions++;
    return body(input);
  };
  const parameters: fc.Parameters<[T]> = {
    seed,
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: options.seconds * 1000,
    // A shrink that takes longer than the budget is cut short: the seed still replays it.
    endOnFailure: false,
  };
  const started = performance.now();
  const details = target.async
    ? await fc.check(
        fc.asyncProperty(target.input(), async (input) => {
          await counted(input);
        }),
        { ...parameters, timeout: EXECUTION_LIMIT_MS * 2 },
      )
    : fc.check(
        fc.property(target.input(), (input) => {
          void counted(input);
        }),
        parameters,
      );
  await target.dispose?.();
  const seconds = (performance.now() - started) / 1000;
  let failure: FuzzFailure | null = null;
  if (details.failed && details.counterexample) {
    failure = {
      target: target.name,
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      error: describe(details.errorInstance),
      input: target.toJson(details.counterexample[0]),
    };
  }
  return { target: target.name, seed, executions, seconds, failure };
}

/** One line for a log: where to look and how to replay. */
export function failureReport(failure: FuzzFailure): string {
  return [
    `fuzz target ${failure.target} failed: ${failure.error}`,
    `  replay: seed ${failure.seed}, path "${failure.path}" (fc.assert(..., { seed, path }))`,
    `  input: ${JSON.stringify(failure.input).slice(0, 2000)}`,
  ].join('\n');
}
