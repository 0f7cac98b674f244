/**
 * `npm run fuzz`: every fuzz target for FUZZ_SECONDS each (60 by default; FUZZ_ONLY=sip,stun runs
 * some; FUZZ_SEED replays one seed), one at a time in a worker thread. Prints per target the
 * executions, executions per second, failures and the coverage of its modules; a failure is
 * written to test/fuzz/regressions/ (replayed by the unit project) and fails the run. A target
 * that outlives its budget by a minute is stopped and reported as a hang, with its seed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ModuleCoverage } from './coverage.js';
import { failureReport, type FuzzFailure, type FuzzOutcome } from './run-target.js';
import { FUZZ_TARGETS } from './targets/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const REGRESSIONS = join(REPO, 'test/fuzz/regressions');
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const ONLY = (process.env.FUZZ_ONLY ?? '').split(',').filter(Boolean);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** Past its budget by this much, a target is stuck (a shrink included). */
const HANG_GRACE_MS = 60_000;

interface Result {
  name: string;
  outcome: FuzzOutcome | null;
  coverage: ModuleCoverage[];
  hang: string | null;
}

function runInWorker(name: string): Promise<Result> {
  const seed = SEED ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  return new Promise((resolveResult) => {
    const worker = new Worker(join(HERE, 'fuzz-worker.js'), {
      workerData: { name, seconds: SECONDS, seed },
    });
    let settled = false;
    const settle = (result: Result): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      resolveResult(result);
    };
    const watchdog = setTimeout(
      () => {
        void worker.terminate();
        settle({
          name,
          outcome: null,
          coverage: [],
          hang: `no result ${SECONDS} s + ${HANG_GRACE_MS / 1000} s after start: stuck (seed ${seed})`,
        });
      },
      SECONDS * 1000 + HANG_GRACE_MS,
    );
    worker.on(
      'message',
      (message: { type: string; outcome?: FuzzOutcome; coverage?: ModuleCoverage[] }) => {
        if (message.type === 'done' && message.outcome) {
          settle({ name, outcome: message.outcome, coverage: message.coverage ?? [], hang: null });
          void worker.terminate();
        }
      },
    );
    worker.on('error', (error) =>
      settle({
        name,
        outcome: null,
        coverage: [],
        hang: `worker failed: ${error.message} (seed ${seed})`,
      }),
    );
    worker.on('exit', () =>
      settle({
        name,
        outcome: null,
        coverage: [],
        hang: `worker exited without a result (seed ${seed})`,
      }),
    );
  });
}

function keepFailure(failure: FuzzFailure): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  const file = join(REGRESSIONS, `${failure.target}-${failure.seed >>> 0}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ...failure, found: new Date().toISOString() }, null, 2)}\n`,
  );
  return file;
}

function percent(part: { covered: number; total: number }): string {
  return part.total === 0 ? '–' : `${((100 * part.covered) / part.total).toFixed(0)} %`;
}

const targets = FUZZ_TARGETS.filter((target) => ONLY.length === 0 || ONLY.includes(target.name));
const unknown = ONLY.filter((name) => !FUZZ_TARGETS.some((target) => target.name === name));
if (unknown.length > 0) {
  console.error(`fuzz: no target named ${unknown.join(', ')}`);
  process.exit(2);
}
console.error(`fuzz: ${targets.length} targets, ${SECONDS} s each`);
const rows: string[][] = [];
let failed = 0;
for (const target of targets) {
  const result = await runInWorker(target.name);
  const failure = result.outcome?.failure ?? null;
  if (failure) {
    failed++;
    console.error(failureReport(failure));
    console.error(`  kept as ${keepFailure(failure)}`);
  }
  if (result.hang) {
    failed++;
    console.error(`fuzz target ${target.name}: ${result.hang}`);
  }
  const functions = { covered: 0, total: 0 };
  const lines = { covered: 0, total: 0 };
  for (const module of result.coverage) {
    functions.covered += module.functions.covered;
    functions.total += module.functions.total;
    lines.covered += module.lines.covered;
    lines.total += module.lines.total;
  }
  const outcome = result.outcome;
  const row = [
    target.name,
    outcome ? String(outcome.executions) : '–',
    outcome ? (outcome.executions / outcome.seconds).toFixed(0) : '–',
    outcome ? outcome.seconds.toFixed(0) : '–',
    String((failure ? 1 : 0) + (result.hang ? 1 : 0)),
    `${percent(lines)} (${lines.covered}/${lines.total})`,
    `${percent(functions)} (${functions.covered}/${functions.total})`,
    result.coverage
      .map((module) => `${module.module.split('/').pop()} ${percent(module.lines)}`)
      .join(', '),
  ];
  rows.push(row);
  console.error(`fuzz: ${row.slice(0, 7).join('  ')}`);
}

const header = [
  'target',
  'executions',
  'exec/s',
  's',
  'failures',
  'lines',
  'functions',
  'per module (lines)',
];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
);
const format = (row: string[]): string =>
  row
    .map((cell, column) => cell.padEnd(widths[column] ?? 0))
    .join('  ')
    .trimEnd();
console.log(format(header));
for (const row of rows) console.log(format(row));
process.exit(failed > 0 ? 1 : 0);
