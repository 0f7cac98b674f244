import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Lab and e2e files run together, two at a time: each lab test builds its own uniquely named
 * namespaces, and each loopback suite keeps to its own ports, so what one file does cannot reach
 * another. Two, not more: their pacing and audio checks share this machine's two cores. Vitest
 * runs one group (`sequence.groupOrder`) after another, and the projects of one group must agree
 * on `maxWorkers`: the unit tests come first, on their own.
 */
const SIDE_BY_SIDE = { maxWorkers: 2, sequence: { groupOrder: 1 } } as const;

/**
 * Vitest's order (longest or largest first), with the projects of a group taken in turn rather
 * than one after the other: a lab file then runs beside an e2e file while both have some left,
 * instead of two Chromiums side by side and later two labs.
 */
class TakeTurnsSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const groups = new Map<number, TestSpecification[]>();
    for (const file of await super.sort(files)) {
      const order = file.project.config.sequence.groupOrder;
      groups.set(order, [...(groups.get(order) ?? []), file]);
    }
    return [...groups.keys()]
      .sort((a, b) => a - b)
      .flatMap((order) => takeTurns(groups.get(order) ?? []));
  }
}

/** One file of each project in turn, each project's files in the order given. */
function takeTurns(files: TestSpecification[]): TestSpecification[] {
  const byProject = new Map<string, TestSpecification[]>();
  for (const file of files) {
    byProject.set(file.project.name, [...(byProject.get(file.project.name) ?? []), file]);
  }
  const queues = [...byProject.values()];
  const order: TestSpecification[] = [];
  while (queues.some((queue) => queue.length > 0)) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next) order.push(next);
    }
  }
  return order;
}

export default defineConfig({
  test: {
    globalSetup: ['test/support/run-temp-dir.ts'],
    sequence: { sequencer: TakeTurnsSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Vitest's default (one worker per core but one): CPU-bound tests keep their timeouts.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          environment: 'node',
          ...SIDE_BY_SIDE,
          // Within a file, tests marked concurrent (each with a lab of its own) go two at a time.
          maxConcurrency: 2,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          ...SIDE_BY_SIDE,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
