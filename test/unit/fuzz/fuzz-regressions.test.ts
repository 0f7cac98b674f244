/**
 * Every input a fuzz run found breaking a contract, kept in test/fuzz/regressions/*.json by
 * `npm run fuzz` (target, seed, path, error and the shrunk input), replayed against its target.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timed } from '../../fuzz/run-target.js';
import { targetNamed } from '../../fuzz/targets/index.js';

const DIRECTORY = join(import.meta.dirname, '../../fuzz/regressions');

interface Regression {
  target: string;
  seed: number;
  path: string;
  error: string;
  input: unknown;
}

const files = readdirSync(DIRECTORY).filter((file) => file.endsWith('.json'));

describe('fuzz regressions', () => {
  it('has a regression file for each crash fixed so far', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s keeps its target contract', async (file) => {
    const regression = JSON.parse(readFileSync(join(DIRECTORY, file), 'utf8')) as Regression;
    const target = targetNamed(regression.target);
    expect(target, `no fuzz target ${regression.target}`).toBeDefined();
    if (!target) return;
    try {
      await timed(target)(target.fromJson(regression.input));
    } finally {
      await target.dispose?.();
    }
  });
});
