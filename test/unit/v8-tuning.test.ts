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

describe('V8 tuning for calls', () => {
  it('names a flag this Node takes, far below the default budget', () => {
    expect(budgetWith([ENGINE_V8_FLAGS])).toBe(PACKET_PATH_INTERRUPT_BUDGET);
    expect(PACKET_PATH_INTERRUPT_BUDGET).toBeLessThan(budgetWith([]) / 8);
  });
});
