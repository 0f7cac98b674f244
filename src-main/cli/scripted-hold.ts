import type { NatterEngine } from '../engine/natter-engine.js';
import type { CallArgs } from './cli-args.js';
import type { CliOutput } from './cli-output.js';

/**
 * `natter call --hold AT,SECONDS`: holds the connected call AT s from now and resumes it SECONDS
 * later, through the same command the app's hold button sends. A refusal is reported and the
 * call goes on as it is.
 */
export function scriptHold(
  engine: NatterEngine,
  callId: string,
  hold: NonNullable<CallArgs['hold']>,
  out: CliOutput,
): { cancel(): void } {
  const timers: NodeJS.Timeout[] = [];
  const toggle = (onHold: boolean) => {
    engine.invoke('hold', { callId, hold: onHold }).then(
      (info) => out.progress(`${onHold ? 'Held' : 'Resumed'} the call (${info.state})`),
      (error: unknown) =>
        out.progress(
          `Could not ${onHold ? 'hold' : 'resume'} the call: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  };
  timers.push(setTimeout(() => toggle(true), hold.atSeconds * 1000));
  timers.push(setTimeout(() => toggle(false), (hold.atSeconds + hold.forSeconds) * 1000));
  return {
    cancel: () => {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
