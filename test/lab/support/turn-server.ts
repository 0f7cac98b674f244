/**
 * coturn as a TURN relay on the lab's public side (a third address, apart from the STUN pair),
 * with one long-term-credential user, so calls from behind a symmetric NAT can be relayed.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lab } from './netns-lab.js';
import { PUBLIC } from './netns-lab.js';
import { waitFor } from './wait.js';

export const TURN_USER = 'natter';
export const TURN_PASSWORD = 'relay-secret-3';
export const TURN_PORT = 3479;
/** The relay listens beside STUN server B; its relayed ports come from the same address. */
export const TURN_ADDRESS = PUBLIC.stunB;

export interface TurnServer {
  process: ChildProcess;
  server: string;
  output(): string;
}

export async function startTurnServer(
  lab: Lab,
  options: { maxLifetimeSeconds?: number } = {},
): Promise<TurnServer> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-turn-'));
  const child = lab.spawn(lab.internet, 'turnserver', [
    '-n',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-tcp',
    '-L',
    TURN_ADDRESS,
    '--listening-port',
    String(TURN_PORT),
    '--relay-ip',
    TURN_ADDRESS,
    '--min-port',
    '49200',
    '--max-port',
    '49400',
    '--lt-cred-mech',
    '--user',
    `${TURN_USER}:${TURN_PASSWORD}`,
    '--realm',
    'natter.lab',
    ...(options.maxLifetimeSeconds
      ? ['--max-allocate-lifetime', String(options.maxLifetimeSeconds)]
      : []),
    '--pidfile',
    join(dir, 'turn.pid'),
    '--log-file',
    'stdout',
    '--simple-log',
    '--verbose',
  ]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const up = await waitFor(
    () => lab.exec(lab.internet, 'ss', ['-uln']).includes(`${TURN_ADDRESS}:${TURN_PORT}`),
    10_000,
  );
  if (!up) throw new Error(`coturn (TURN) did not start: ${output.slice(-500)}`);
  return { process: child, server: `${TURN_ADDRESS}:${TURN_PORT}`, output: () => output };
}
