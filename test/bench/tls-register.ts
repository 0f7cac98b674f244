/**
 * What SIP over TLS costs at registration: the engine registering to a registrar on loopback over
 * TLS (TCP and TLS handshakes, certificate checks, then REGISTER and its 200) against the same
 * registration over UDP, each run a fresh engine, side by side in one run. The registrar answers
 * 200 at once (no digest): what is measured is the transport, not the challenge.
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { NatterEngine } from '../../src-main/engine/natter-engine.js';
import { makeTestCa } from '../support/test-ca.js';
import { median } from './stats.js';

/** The 200 OK a registrar gives `request`, echoing what RFC 3261 §8.2.6.2 asks. */
function okFor(request: string): string {
  const header = (name: string) =>
    new RegExp(`^${name}:[^\\r]*`, 'im').exec(request)?.[0] ?? `${name}:`;
  const to = header('To');
  return [
    'SIP/2.0 200 OK',
    header('Via'),
    header('From'),
    /;tag=/.test(to) ? to : `${to};tag=bench`,
    header('Call-ID'),
    header('CSeq'),
    `${header('Contact')};expires=300`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function registerOnce(options: {
  transport: 'udp' | 'tls';
  port: number;
  caFile?: string;
}): Promise<number> {
  const engine = new NatterEngine(
    {
      stunServers: [],
      stunEnabled: false,
      natStrategy: 'none',
      networkWatchMs: 0,
      sipTransport: options.transport,
      tlsCaFile: options.caFile ?? null,
      localAddress: '127.0.0.1',
    },
    {},
  );
  const started = performance.now();
  const registration = await engine.invoke('register', {
    account: { server: `127.0.0.1:${options.port}`, user: 'bench' },
    password: 'bench-secret',
  });
  const elapsed = performance.now() - started;
  await engine.shutdown();
  if (registration.state !== 'registered') {
    throw new Error(`bench registration failed: ${registration.error?.message ?? '?'}`);
  }
  return elapsed;
}

export interface RegisterTimes {
  udpMs: number;
  tlsMs: number;
  runs: number;
}

export async function measureTlsRegister(runs: number): Promise<RegisterTimes> {
  const dir = mkdtempSync(join(tmpdir(), 'natter-bench-tls-'));
  const ca = makeTestCa(dir);
  const cert = ca.issue('loopback', ['127.0.0.1']);
  const udp = dgram.createSocket('udp4');
  udp.on('message', (datagram, from) => {
    const text = datagram.toString();
    if (/^REGISTER /.test(text)) udp.send(okFor(text), from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const tls = createTlsServer({ cert: cert.cert, key: cert.key }, (socket) => {
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const message = buffered.slice(0, end + 4);
        buffered = buffered.slice(end + 4);
        if (/^REGISTER /.test(message)) socket.write(okFor(message));
      }
    });
  });
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  const udpPort = (udp.address() as AddressInfo).port;
  const tlsPort = (tls.address() as AddressInfo).port;
  const udpTimes: number[] = [];
  const tlsTimes: number[] = [];
  try {
    // Alternated, so a busy moment of the shared machine falls on both alike.
    for (let run = 0; run < runs; run++) {
      udpTimes.push(await registerOnce({ transport: 'udp', port: udpPort }));
      tlsTimes.push(await registerOnce({ transport: 'tls', port: tlsPort, caFile: ca.caFile }));
    }
  } finally {
    udp.close();
    tls.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { udpMs: median(udpTimes), tlsMs: median(tlsTimes), runs };
}
