/**
 * CPU profiles of the bench's calls (BENCH_PROFILE=1): where a call's time goes, as self time per
 * function and per module, from V8's sampling profiler. The profile of a whole process is cut to
 * a window (the steady call, without start-up and hang-up), so what is summed is what a call
 * costs while it runs.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import { REPO } from '../lab/support/peers.js';
import { round } from './stats.js';

/** The parts of a `.cpuprofile` (Chrome DevTools' format) that the summary reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  /** Microseconds, on the profiler's own clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Milliseconds of self time in the window. */
  ms: number;
  /** Share of every sample in the window, idle included. */
  percent: number;
}

export interface ProfileSummary {
  windowMs: number;
  /** Time the process was not idle, in milliseconds. */
  busyMs: number;
  functions: SelfTime[];
  modules: SelfTime[];
}

/** Profiles this process from now until the returned function is called. */
export async function startProfiling(): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 250 µs: fine enough for a 20 ms cadence whose work per tick is a few tens of µs.
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile as unknown as CpuProfile;
  };
}

/** The single `.cpuprofile` that `node --cpu-prof --cpu-prof-dir=<dir>` wrote. */
export function readProfileFrom(dir: string): CpuProfile {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}

/** Where a frame's code lives: a path in the repo or node_modules, a node builtin, or V8's own. */
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const rest = path.slice(inModules + 'node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return `node_modules/${name}`;
  }
  if (path.startsWith('node:')) return path;
  return path.startsWith('/') ? relative(REPO, path) : path;
}

/**
 * Self time per function and per module over `[fromMs, toMs)` of the profile (milliseconds from
 * its start; the whole profile by default).
 */
export function summariseProfile(
  profile: CpuProfile,
  window: { fromMs?: number; toMs?: number } = {},
  top = 15,
): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const from = window.fromMs ?? 0;
  const to = window.toMs ?? Infinity;
  let at = profile.startTime;
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    const offsetMs = (at - profile.startTime) / 1000;
    if (offsetMs < from || offsetMs >= to) return;
    // A sample's time is the gap to the next one: what it stood for.
    const next = profile.timeDeltas[index + 1] ?? 0;
    const frame = frames.get(id);
    if (!frame) return;
    const module = moduleOf(frame.url, frame.functionName);
    const name = `${frame.functionName || '(anonymous)'} ${module}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    total += next;
    if (frame.functionName === '(idle)') idle += next;
    byFunction.set(name, (byFunction.get(name) ?? 0) + next);
    byModule.set(module, (byModule.get(module) ?? 0) + next);
  });
  const ranked = (entries: Map<string, number>) =>
    [...entries]
      .filter(([name]) => !name.startsWith('(idle)'))
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: round(us / 1000, 1),
        percent: round((us / Math.max(total, 1)) * 100, 2),
      }));
  return {
    windowMs: round(total / 1000, 0),
    busyMs: round((total - idle) / 1000, 1),
    functions: ranked(byFunction),
    modules: ranked(byModule),
  };
}

/** The summary as lines for the bench's progress output. */
export function formatSummary(title: string, summary: ProfileSummary): string {
  const rows = (entries: SelfTime[]) =>
    entries.map(
      (e) => `  ${String(e.ms).padStart(8)} ms ${String(e.percent).padStart(6)} %  ${e.name}`,
    );
  return [
    `${title}: ${summary.busyMs} ms busy of ${summary.windowMs} ms (${round((summary.busyMs / Math.max(summary.windowMs, 1)) * 100, 2)} % of a core, profiler included)`,
    ' top self time by function:',
    ...rows(summary.functions),
    ' by module:',
    ...rows(summary.modules),
  ].join('\n');
}

/** Writes the profile where DevTools or speedscope can open it; returns the path. */
export function saveProfile(profile: CpuProfile, dir: string, name: string): string {
  const file = join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return file;
}
