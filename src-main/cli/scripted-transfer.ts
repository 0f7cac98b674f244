import type { CallInfo } from '../../src-shared/domain.js';
import { waitForCall } from '../engine/wait-for-call.js';
import type { NatterEngine } from '../engine/natter-engine.js';
import type { CallArgs } from './cli-args.js';
import type { CliOutput } from './cli-output.js';

/** How long the consult call of an attended transfer may ring before the transfer gives up. */
const CONSULT_RING_MS = 20_000;

export interface ScriptedTransfer {
  cancel(): void;
  /** The consult call an attended transfer placed, once placed. */
  consult(): CallInfo | null;
}

/**
 * `natter call --transfer-to N`: transfers the connected call AFTER s from now, through the same
 * commands the app's Transfer button sends: blind (`transfer { target }`), or attended with
 * `--consult` (`call` N, which holds the first call, then `transfer { consultCallId }`).
 */
export function scriptTransfer(
  engine: NatterEngine,
  callId: string,
  transfer: NonNullable<CallArgs['transfer']>,
  out: CliOutput,
): ScriptedTransfer {
  let consult: CallInfo | null = null;
  let cancelled = false;
  let told = '';
  const unsubscribe = engine.on('call', (info) => {
    if (info.id === consult?.id) consult = info;
    if (info.id !== callId || !info.transfer || info.transfer.message === told) return;
    told = info.transfer.message;
    out.progress(told);
  });
  const run = async () => {
    if (!transfer.attended) {
      await engine.invoke('transfer', { callId, target: transfer.to });
      return;
    }
    out.progress(`Consulting ${transfer.to} first...`);
    const placed = await engine.invoke('call', { target: transfer.to });
    consult = placed;
    const answered = await waitForCall(engine, placed.id, ['connected'], CONSULT_RING_MS, placed);
    if (cancelled) return;
    if (answered.state !== 'connected') {
      out.progress(`${transfer.to} did not answer the consult call; no transfer`);
      if (answered.state !== 'ended') await engine.invoke('hangup', { callId: placed.id });
      await engine.invoke('switchTo', { callId });
      return;
    }
    await engine.invoke('transfer', { callId, consultCallId: placed.id });
  };
  const timer = setTimeout(() => {
    run().catch((error: unknown) =>
      out.progress(
        `Could not transfer the call: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }, transfer.afterSeconds * 1000);
  return {
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
      unsubscribe();
    },
    consult: () => consult,
  };
}
