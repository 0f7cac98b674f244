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
import { spawnSync } from 'node:child_process';
import { waitFor } from './wait.js';

export const TURN_USER = 'natter';
export const TURN_PASSWORD = 'relay-secret-3';
/**
 * Not 3479: the STUN coturn beside it listens on two addresses, so it runs RFC 5780 and also
 * binds its alternative port 3478 + 1; two servers on one port would each get half the clients.
 */
export const TURN_PORT = 3490;
/** The relay listens beside STUN server B; its relayed ports come from the same address. */
export const TURN_ADDRESS = PUBLIC.stunB;

const ALLOCATE_PROBE = `
const dgram = require('node:dgram');
const { randomBytes } = require('node:crypto');
const [host, port] = process.argv[1].split(':');
const socket = dgram.createSocket('udp4');
const id = randomBytes(12);
const transport = Buffer.from([0, 0x19, 0, 4, 17, 0, 0, 0]);
const request = Buffer.concat([Buffer.from([0, 3, 0, 8, 0x21, 0x12, 0xa4, 0x42]), id, transport]);
socket.on('message', (msg) => {
  if (msg.length >= 20 && msg.subarray(8, 20).equals(id)) process.exit(0);
});
socket.bind(0, () => socket.send(request, Number(port), host));
setTimeout(() => process.exit(1), 700);
`;

function allocateAnswered(lab: Lab): boolean {
  const probe = spawnSync('ip', [
    'netns',
    'exec',
    lab.client,
    process.execPath,
    '-e',
    ALLOCATE_PROBE,
    `${TURN_ADDRESS}:${TURN_PORT}`,
  ]);
  return probe.status === 0;
}

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
    // coturn 4.6 ignores this option's value when it is a separate argument.
    ...(options.maxLifetimeSeconds
      ? [`--max-allocate-lifetime=${options.maxLifetimeSeconds}`]
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
  // Listening is not relaying: coturn answers Binding requests before its authentication
  // threads are ready, and drops Allocate requests until then. Up means an Allocate is answered
  // (with its 401 challenge).
  const ready = await waitFor(() => allocateAnswered(lab), 15_000, 300);
  if (!ready) throw new Error(`coturn (TURN) does not answer Allocate: ${output.slice(-500)}`);
  return { process: child, server: `${TURN_ADDRESS}:${TURN_PORT}`, output: () => output };
}
