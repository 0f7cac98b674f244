/**
 * The far ends of an attended transfer judged on RFC 3891 behind the lab's provider, both sipp
 * on the carrier's address: the transferee on the carrier's callee port (where Kamailio sends
 * calls to any number), which follows the phone's REFER with an INVITE carrying Replaces; and the
 * transfer target on {@link TARGET} (Kamailio routes {@link PARTY_B} there), which checks that
 * Replaces against the consult dialog it had with the phone.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CARRIER } from './kamailio.js';
import type { Lab } from './netns-lab.js';
import { parseSippMessageLog, SCENARIOS, type SippHandle } from './peers.js';
import { TARGET } from './transfer-parties.js';
import { waitFor } from './wait.js';

export interface ScriptedParty extends SippHandle {
  /** What the scenario wrote with its `<log>` actions. */
  logLines(): string[];
}

export type PartyRole = 'transferee' | 'target';

/**
 * sipp as one far end, running `scenario` for up to `calls` calls and echoing RTP; `set` gives
 * the scenario's global variables (`-set NAME VALUE`).
 */
export async function startScriptedParty(
  lab: Lab,
  role: PartyRole,
  scenario: string,
  options: { calls?: number; set?: Record<string, string> } = {},
): Promise<ScriptedParty> {
  const dir = mkdtempSync(join(tmpdir(), `natter-${role}-`));
  const messageLog = join(dir, 'messages.log');
  const scenarioLog = join(dir, 'scenario.log');
  const port = role === 'transferee' ? CARRIER.calleePort : TARGET.port;
  const mediaPort = role === 'transferee' ? CARRIER.calleeMediaPort : TARGET.mediaPort;
  const child = lab.spawn(lab.internet, 'sipp', [
    '-sf',
    join(SCENARIOS, scenario),
    '-i',
    CARRIER.address,
    '-p',
    String(port),
    '-mi',
    CARRIER.address,
    '-mp',
    String(mediaPort),
    '-m',
    String(options.calls ?? 1),
    ...Object.entries(options.set ?? {}).flatMap(([name, value]) => ['-set', name, value]),
    '-rtp_echo',
    '-trace_msg',
    '-message_file',
    messageLog,
    '-trace_logs',
    '-log_file',
    scenarioLog,
    '-nostdin',
    '-timeout',
    '50s',
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  const up = await waitFor(
    () =>
      child.exitCode !== null ||
      lab.exec(lab.internet, 'ss', ['-uan']).includes(`${CARRIER.address}:${port}`),
    10_000,
  );
  if (!up || child.exitCode !== null) {
    throw new Error(`sipp (${scenario}) did not start: ${output.slice(-800)}`);
  }
  return {
    process: child,
    messageLog,
    exited,
    messages: () => parseSippMessageLog(messageLog),
    output: () => output,
    logLines: () =>
      existsSync(scenarioLog)
        ? readFileSync(scenarioLog, 'utf8')
            .split('\n')
            .filter((line) => line.trim() !== '')
        : [],
  };
}
