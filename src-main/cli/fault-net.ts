/**
 * The CLI's last line of defence. Node ends a process on a promise rejection nobody handled; in
 * `natter listen` or `natter call` that would drop a live call over a fault in one report or one
 * timer's work, which the engine is written never to let through. The net keeps the process and
 * its call running, says what went wrong on stderr (a bug report needs the place), and stops
 * repeating itself when one fault recurs per packet. Exceptions thrown synchronously are left to
 * Node: the stack they unwound may have left state half-changed, and exiting is the honest end.
 * The desktop app needs no net of its own: Electron's main process only warns on a rejection.
 */

/** What the net needs of the process: Node's `process` is one. */
export interface RejectionSource {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export interface FaultNet {
  /** Faults caught since the net was installed, printed or not. */
  readonly caught: number;
  /** Takes the net down again (tests; the CLI keeps it for the life of the process). */
  remove(): void;
}

/** Distinct faults printed before the net only counts them. */
export const PRINTED_FAULTS_MAX = 5;

/** The fault in one line: its message and the first place in Natter's code it passed through. */
export function faultLine(reason: unknown): string {
  if (!(reason instanceof Error)) return `a promise was rejected with ${describeValue(reason)}`;
  const frames = (reason.stack ?? '').split('\n').slice(1);
  const ours = frames.find((frame) => /[\\/](dist|src-main|src-shared)[\\/]/.test(frame));
  const place = (ours ?? frames[0])?.trim().replace(/^at /, '');
  const said = `${reason.name}: ${reason.message}`;
  return place ? `${said} (at ${place})` : said;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 200));
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object that is not an Error';
}

export function installFaultNet(source: RejectionSource, report: (line: string) => void): FaultNet {
  const printed = new Set<string>();
  let caught = 0;
  let fellSilent = false;
  const onRejection = (reason: unknown) => {
    caught += 1;
    const line = faultLine(reason);
    if (printed.has(line)) return;
    if (printed.size >= PRINTED_FAULTS_MAX) {
      if (!fellSilent) {
        fellSilent = true;
        report('natter: more internal faults follow; they are not printed');
      }
      return;
    }
    printed.add(line);
    report(`natter: internal fault (kept running): ${line}`);
  };
  source.on('unhandledRejection', onRejection);
  return {
    get caught() {
      return caught;
    },
    remove: () => {
      source.off('unhandledRejection', onRejection);
    },
  };
}
