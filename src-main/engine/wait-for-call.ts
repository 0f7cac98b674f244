import type { CallInfo } from '../../src-shared/domain.js';
import type { NatterEngine } from './natter-engine.js';

/** Waits for a call to reach one of `states`, or to end, or for `timeoutMs`. */
export function waitForCall(
  engine: NatterEngine,
  callId: string,
  states: Array<CallInfo['state']>,
  timeoutMs: number,
  initial: CallInfo,
): Promise<CallInfo> {
  return new Promise((resolve) => {
    let latest = initial;
    const done = (info: CallInfo) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(info);
    };
    const unsubscribe = engine.on('call', (info) => {
      if (info.id !== callId) return;
      latest = info;
      if (states.includes(info.state) || info.state === 'ended') done(info);
    });
    const timer = setTimeout(() => done(latest), timeoutMs);
    if (states.includes(initial.state) || initial.state === 'ended') done(initial);
  });
}
