/**
 * Coverage of a fuzz target's modules, from V8's precise coverage (node:inspector's
 * Profiler.takePreciseCoverage, block granularity): the share of functions entered and of lines
 * executed. Lines are those of the compiled JavaScript in dist/ (tsc keeps them close to the
 * TypeScript), blank and comment-only lines left out.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';

interface CoverageRange {
  startOffset: number;
  endOffset: number;
  count: number;
}

interface FunctionCoverage {
  functionName: string;
  ranges: CoverageRange[];
}

interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

export interface ModuleCoverage {
  module: string;
  functions: { covered: number; total: number };
  lines: { covered: number; total: number };
}

export async function startCoverage(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  return session;
}

/** Coverage of each module (repository path of its .ts source) as compiled under `distRoot`. */
export async function takeCoverage(
  session: Session,
  modules: readonly string[],
  distRoot: string,
): Promise<ModuleCoverage[]> {
  const { result } = (await session.post('Profiler.takePreciseCoverage')) as {
    result: ScriptCoverage[];
  };
  await session.post('Profiler.stopPreciseCoverage');
  session.disconnect();
  return modules.map((module) => {
    const compiled = `${distRoot}/${module.replace(/\.ts$/, '.js')}`;
    const script = result.find(
      (entry) => entry.url.startsWith('file:') && fileURLToPath(entry.url) === compiled,
    );
    if (!script)
      return { module, functions: { covered: 0, total: 0 }, lines: { covered: 0, total: 0 } };
    return { module, ...measure(script, readFileSync(compiled, 'utf8')) };
  });
}

function measure(script: ScriptCoverage, source: string): Omit<ModuleCoverage, 'module'> {
  // The first entry is the module itself; the others are its functions, entered or not.
  const functions = script.functions.filter(
    (entry, index) => index > 0 || entry.functionName !== '',
  );
  const covered = functions.filter((entry) => (entry.ranges[0]?.count ?? 0) > 0).length;
  // Each character's count is that of the innermost range holding it: ranges nest, and V8 lists
  // a function's own range first, then the blocks inside it.
  const counts = new Int32Array(source.length).fill(-1);
  const ranges = script.functions
    .flatMap((entry) => entry.ranges)
    .sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
  for (const range of ranges) {
    counts.fill(range.count, range.startOffset, Math.min(range.endOffset, source.length));
  }
  let lineTotal = 0;
  let lineCovered = 0;
  let offset = 0;
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    const code =
      trimmed !== '' &&
      !trimmed.startsWith('//') &&
      !trimmed.startsWith('/*') &&
      !trimmed.startsWith('*') &&
      !/^[}\])]+[;,)]*$/.test(trimmed) &&
      !trimmed.startsWith('import ') &&
      !trimmed.startsWith('//# sourceMappingURL');
    if (code) {
      lineTotal++;
      const start = offset + line.indexOf(trimmed);
      let executed = false;
      for (let at = start; at < start + trimmed.length; at++) {
        if ((counts[at] ?? 0) > 0) {
          executed = true;
          break;
        }
      }
      if (executed) lineCovered++;
    }
    offset += line.length + 1;
  }
  return {
    functions: { covered, total: functions.length },
    lines: { covered: lineCovered, total: lineTotal },
  };
}
