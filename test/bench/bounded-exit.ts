/**
 * A bounded wait for a peer the bench spawned with a known run time. baresip once ran past its
 * `-t` and ignored SIGTERM, and the bench waited for its exit for ever: a peer still running a
 * grace after its expected end is sent SIGTERM, and SIGKILL if it outlives that too, and the
 * caller is told which, so that its row can say the figures come from a peer that had to be
 * stopped.
 */
import type { ChildProcess } from 'node:child_process';

export interface BoundedExitOptions {
  /** When the peer should have ended by itself, as a `Date.now()` time. */
  expectedEndAt: number;
  /** How long past `expectedEndAt` it may take before SIGTERM. */
  graceMs: number;
  /** How long it has after SIGTERM before SIGKILL. */
  termGraceMs?: number;
}

/** How the peer ended: by itself, or stopped by which signal. */
export type PeerEnd = 'exited' | 'SIGTERM' | 'SIGKILL';

const DEFAULT_TERM_GRACE_MS = 3000;

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once `child` has exited, stopping it as {@link BoundedExitOptions} says. */
export function boundedExit(child: ChildProcess, options: BoundedExitOptions): Promise<PeerEnd> {
  // 'exit' fires once: a peer that ended before this call would otherwise be waited for forever.
  if (hasExited(child)) return Promise.resolve('exited');
  return new Promise((resolveEnd) => {
    let end: PeerEnd = 'exited';
    let kill: NodeJS.Timeout | undefined;
    const term = setTimeout(
      () => {
        end = 'SIGTERM';
        child.kill('SIGTERM');
        kill = setTimeout(() => {
          end = 'SIGKILL';
          child.kill('SIGKILL');
        }, options.termGraceMs ?? DEFAULT_TERM_GRACE_MS);
      },
      Math.max(0, options.expectedEndAt + options.graceMs - Date.now()),
    );
    child.once('exit', () => {
      clearTimeout(term);
      clearTimeout(kill);
      resolveEnd(end);
    });
  });
}

/** What a row says of a peer that had to be stopped; empty when it ended by itself. */
export function describeEnd(name: string, end: PeerEnd, graceMs: number): string {
  if (end === 'exited') return '';
  const how = end === 'SIGTERM' ? 'stopped by SIGTERM' : 'ignored SIGTERM, killed';
  return `${name} ran ${graceMs / 1000} s past its end: ${how}`;
}
