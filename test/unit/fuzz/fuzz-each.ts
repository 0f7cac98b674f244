import { expect, it } from 'vitest';
import { failureReport, fuzzTarget } from '../../fuzz/run-target.js';
import { targetNamed } from '../../fuzz/targets/index.js';

/** Seconds per target in the unit project: enough for thousands of inputs, cheap for CI. */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 8);
/** A fixed seed replays a CI failure (FUZZ_SEED=...); by default each run explores anew. */
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

export function fuzzEach(names: string[]): void {
  for (const name of names) {
    it(
      `${name}: keeps its contract for ${SECONDS} s of mutated input`,
      async () => {
        const target = targetNamed(name);
        if (!target) throw new Error(`no fuzz target ${name}`);
        const outcome = await fuzzTarget(target, {
          seconds: SECONDS,
          ...(SEED === undefined ? {} : { seed: SEED }),
        });
        console.log(
          `fuzz ${name}: ${outcome.executions} executions in ${outcome.seconds.toFixed(1)} s, seed ${outcome.seed}`,
        );
        if (outcome.failure) console.error(failureReport(outcome.failure));
        expect(outcome.failure, outcome.failure ? failureReport(outcome.failure) : '').toBeNull();
        // The budget was spent on inputs, not lost: a target that stalls fails here too.
        expect(outcome.executions).toBeGreaterThanOrEqual(10);
      },
      SECONDS * 1000 + 60_000,
    );
  }
}
