import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ENGINE_V8_FLAGS, PACKET_PATH_INTERRUPT_BUDGET } from '../../src-main/engine/v8-tuning.js';

/** The interrupt budget V8 reports it runs with, given these flags. */
function budgetWith(flags: string[]): number {
  const child = spawnSync(process.execPath, [...flags, '--v8-options'], { encoding: 'utf8' });
  expect(child.status).toBe(0);
  // A flag V8 does not know is ignored with a warning: that must not be the case.
  expect(child.stderr).not.toMatch(/unrecognized|unknown/i);
  return Number(/default: --interrupt-budget=(\d+)/.exec(child.stdout)?.[1]);
}

/**
 * The new space (MB) of a Node process that applied `flags` as the engine does, once it is
 * running, and then allocated 60 MB of short-lived objects fast, one in fifty kept a while.
 */
function newSpaceMbAfterAllocating(flags: string): number {
  const script = `
    const v8 = require('node:v8');
    v8.setFlagsFromString(${JSON.stringify(flags)});
    let kept = [];
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 20000; i++) {
        const object = { at: i, text: 'x' + i, pair: [i, i + 1] };
        if (i % 50 === 0) kept.push(object);
      }
      if (kept.length > 20000) kept = [];
    }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 1048576));
  `;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  expect(child.stderr).not.toMatch(/unrecognized|unknown/i);
  return Number(child.stdout);
}

describe('V8 tuning for calls', () => {
  it('names a flag this Node takes, far below the default budget', () => {
    expect(budgetWith(ENGINE_V8_FLAGS.split(' '))).toBe(PACKET_PATH_INTERRUPT_BUDGET);
    expect(PACKET_PATH_INTERRUPT_BUDGET).toBeLessThan(budgetWith([]) / 8);
  });

  it('keeps the young generation at its initial size, set from inside the running process', () => {
    // Without the flags the same allocation grows new space eightfold, halfway to its limit.
    expect(newSpaceMbAfterAllocating('')).toBeGreaterThanOrEqual(16);
    expect(newSpaceMbAfterAllocating(ENGINE_V8_FLAGS)).toBeLessThanOrEqual(2);
  }, 30_000);
});
