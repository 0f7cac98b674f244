/**
 * Lab tests need root, network namespaces and third-party peers. Where those are missing they
 * are skipped with one loud line starting `SKIP:`; where the environment says the lab must run
 * (`NATTER_LAB_REQUIRED=1`, set by `.ci/run`), a missing prerequisite fails the test instead.
 */
import { execFileSync } from 'node:child_process';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns null when the lab can run, else the reason it cannot. Call at module level and pass the
 * result to `describe.skipIf(...)` after {@link announceSkip}.
 */
export function labUnavailableReason(commands: string[] = []): string | null {
  if (!isRoot()) return 'lab needs root for network namespaces';
  if (!hasCommand('ip')) return 'lab needs iproute2 (ip)';
  if (!hasCommand('iptables')) return 'lab needs iptables';
  for (const command of commands) {
    if (!hasCommand(command)) return `lab needs ${command}`;
  }
  return null;
}

/**
 * Prints the loud SKIP line, or throws when the lab is required here. Returns true when the caller
 * should skip.
 */
export function announceSkip(suite: string, reason: string | null): boolean {
  if (reason === null) return false;
  if (process.env.NATTER_LAB_REQUIRED === '1') {
    throw new Error(`${suite}: lab required but unavailable: ${reason}`);
  }
  console.warn(`SKIP: ${suite}: ${reason}`);
  return true;
}
