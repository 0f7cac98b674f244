/**
 * Runs one fuzz target in a worker thread of `npm run fuzz`, so that the runner can stop a target
 * stuck in a loop, and measures the coverage of the target's modules while it runs.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { startCoverage, takeCoverage } from './coverage.js';

interface Job {
  name: string;
  seconds: number;
  seed?: number;
}

const job = workerData as Job;
/** dist/, where this file runs from (dist/test/fuzz). */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const session = await startCoverage();
// Imported only now, so that coverage counts every function of the modules from their start.
const { targetNamed } = await import('./targets/index.js');
const { fuzzTarget } = await import('./run-target.js');
const target = targetNamed(job.name);
if (!target) throw new Error(`no fuzz target ${job.name}`);
parentPort?.postMessage({ type: 'started', seed: job.seed });
const outcome = await fuzzTarget(target, {
  seconds: job.seconds,
  ...(job.seed === undefined ? {} : { seed: job.seed }),
});
const coverage = await takeCoverage(session, target.modules, DIST);
parentPort?.postMessage({ type: 'done', outcome, coverage });
