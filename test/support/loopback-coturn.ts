/**
 * coturn on loopback for the tests that need a real STUN or TURN server but no network lab:
 * random ports, output kept (drained, so a full pipe never stalls coturn), and up only once it
 * answers a Binding request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StunClient } from '../../src-main/net/stun-client.js';
import { UdpEndpoint } from '../../src-main/net/udp-endpoint.js';

export interface LoopbackCoturn {
  process: ChildProcess;
  /** `address:port` of the first listening address. */
  server: string;
  port: number;
  output(): string;
  stop(): void;
}

export interface LoopbackCoturnOptions {
  /** Listening addresses; two of them turn on RFC 5780 (and its alternate port, port + 1). */
  addresses?: string[];
  /** Listening port; a random even one in 20000–31998 by default (below the ephemeral range). */
  port?: number;
  /** STUN only (the default), or a TURN relay configured by `args`. */
  stunOnly?: boolean;
  args?: string[];
}

export async function startLoopbackCoturn(
  options: LoopbackCoturnOptions = {},
): Promise<LoopbackCoturn> {
  const addresses = options.addresses ?? ['127.0.0.1'];
  // Even, so the RFC 5780 alternate port (port + 1) of another coturn never lands on it.
  const port = options.port ?? 20000 + 2 * Math.floor(Math.random() * 6000);
  const dir = mkdtempSync(join(tmpdir(), 'natter-coturn-'));
  const child = spawn(
    'turnserver',
    [
      '-n',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      ...(options.stunOnly === false ? [] : ['--stun-only']),
      ...addresses.flatMap((address) => ['-L', address]),
      '--listening-port',
      String(port),
      ...(options.args ?? []),
      '--pidfile',
      join(dir, 'turn.pid'),
      '--log-file',
      'stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const first = addresses[0] ?? '127.0.0.1';
  const endpoint = await UdpEndpoint.bind({ address: '127.0.0.1' });
  const client = new StunClient(endpoint, { rtoMs: 100, maxAttempts: 3, finalWaitFactor: 2 });
  try {
    const giveUpAt = Date.now() + 10_000;
    for (;;) {
      const outcome = await client.binding({ address: first, port });
      if (outcome.ok) break;
      if (child.exitCode !== null || Date.now() > giveUpAt) {
        child.kill('SIGKILL');
        throw new Error(`coturn did not answer on ${first}:${port}: ${output.slice(-1000)}`);
      }
    }
  } finally {
    client.close();
    await endpoint.close();
  }
  return {
    process: child,
    server: `${first}:${port}`,
    port,
    output: () => output,
    stop: () => child.kill('SIGKILL'),
  };
}
