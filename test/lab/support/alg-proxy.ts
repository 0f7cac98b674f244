/**
 * A broken SIP ALG for the lab: a UDP relay on the internet side between the router and the
 * provider that rewrites SIP on its way to the provider the way bad home-router ALGs do. The
 * Contact's host:port becomes the address the packet came from with port 5060 (or another port
 * unrelated to the real mapping), every SDP `c=` becomes that address while `m=` keeps its port;
 * optionally the top Via's sent-by is rewritten likewise, or its rport stripped. Answers go back
 * untouched. It rewrites text, as those ALGs do, rather than parsing SIP.
 *
 * ```
 *  router 198.51.100.1 ──► 198.51.100.40:5060 (this relay) ──► 198.51.100.10:5060 (provider)
 * ```
 * Each client source address gets its own upstream socket, so the provider's answers on that
 * socket return to the client that sent the request.
 *
 * Run inside a namespace:
 * `node dist/test/lab/support/alg-proxy.js --listen IP:PORT --upstream IP:PORT [--contact-port N]
 *  [--rewrite-via] [--strip-rport]`; it prints one JSON line per event on stdout, the first
 * `{"event":"listening",...}`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createConnection, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { TransportAddress } from '../../../src-shared/domain.js';
import { PUBLIC, type Lab } from './netns-lab.js';
import { REPO } from './peers.js';
import { waitFor } from './wait.js';

export interface AlgRewriteOptions {
  /** The port written into Contact (and Via, when rewritten); 5060 like most ALGs. */
  contactPort?: number;
  /** Also replace the top Via's sent-by with the seen address and `contactPort`. */
  rewriteVia?: boolean;
  /** Remove `rport` from the top Via. */
  stripRport?: boolean;
}

export interface AlgProxyOptions extends AlgRewriteOptions {
  /** Where clients send their SIP. */
  listen: TransportAddress;
  /** The provider. */
  upstream: TransportAddress;
  /**
   * Also relay TCP on the listen address's port 5061 to this upstream (SIP over TLS): the same
   * blind text rewrite is applied to what passes, which finds nothing it can read in TLS records.
   */
  streamUpstream?: TransportAddress;
  /** Flows idle this long are forgotten (their upstream socket closed). */
  idleTimeoutMs?: number;
  /** One JSON object per event (listening, flow, rewrite). */
  onEvent?: (event: Record<string, unknown>) => void;
}

export interface AlgProxy {
  readonly address: TransportAddress;
  /** Client flows currently mapped to an upstream socket. */
  readonly flows: number;
  close(): Promise<void>;
}

interface Flow {
  client: TransportAddress;
  socket: Socket;
  upstreamPort: number;
  lastUsed: number;
}

/**
 * Rewrites one client→provider message like a broken ALG, given the address the packet came
 * from (the router's WAN address). Non-SIP datagrams (keepalives, STUN) pass unchanged.
 */
export function rewriteLikeAlg(
  message: string,
  seenAddress: string,
  options: AlgRewriteOptions = {},
): { text: string; changes: string[] } {
  if (!/^[A-Za-z]/.test(message)) return { text: message, changes: [] };
  const port = options.contactPort ?? 5060;
  const split = message.search(/\r?\n\r?\n/);
  const head = split === -1 ? message : message.slice(0, split);
  const separator = split === -1 ? '' : (/^\r?\n\r?\n/.exec(message.slice(split))?.[0] ?? '');
  let body = split === -1 ? '' : message.slice(split + separator.length);
  const changes: string[] = [];
  let sawVia = false;
  const lines = head.split(/\r?\n/).map((line) => {
    const contact = /^(Contact|m)(\s*:\s*)(.*)$/i.exec(line);
    if (contact && contact[3]?.trim() !== '*') {
      const value = (contact[3] ?? '').replace(
        /(sips?:(?:[^@\s;>,]+@)?)(\[[^\]]+\]|[^:;>\s,]+)(?::\d+)?/gi,
        (_all, prefix: string) => `${prefix}${seenAddress}:${port}`,
      );
      if (value !== contact[3]) changes.push(`Contact: ${contact[3]} -> ${value}`);
      return `${contact[1]}${contact[2]}${value}`;
    }
    const via = /^(Via|v)(\s*:\s*)(.*)$/i.exec(line);
    if (via && !sawVia) {
      // Only our own Via, the first: later ones (a proxy's) are nobody's business here.
      sawVia = true;
      let value = via[3] ?? '';
      if (options.rewriteVia) {
        value = value.replace(
          /^(SIP\/2\.0\/[A-Za-z]+\s+)(\[[^\]]+\]|[^:;\s,]+)(?::\d+)?/i,
          (_all, prefix: string) => `${prefix}${seenAddress}:${port}`,
        );
      }
      if (options.stripRport) value = value.replace(/;\s*rport(?:=\d*)?(?=[;,\s]|$)/i, '');
      if (value !== via[3]) changes.push(`Via: ${via[3]} -> ${value}`);
      return `${via[1]}${via[2]}${value}`;
    }
    return line;
  });
  if (body !== '' && /^\s*v=0/.test(body)) {
    const rewritten = body.replace(/^c=IN IP4 [^\r\n]+/gm, `c=IN IP4 ${seenAddress}`);
    if (rewritten !== body) {
      changes.push(`SDP c= -> ${seenAddress} (m= port left alone)`);
      body = rewritten;
    }
  }
  if (changes.length === 0) return { text: message, changes };
  const eol = head.includes('\r\n') ? '\r\n' : '\n';
  const length = Buffer.byteLength(body, 'latin1');
  const withLength = lines.map((line) =>
    /^(Content-Length|l)\s*:/i.test(line) ? line.replace(/:\s*\d+/, `: ${length}`) : line,
  );
  return { text: `${withLength.join(eol)}${separator}${body}`, changes };
}

/** Starts the relay in this process's network namespace. */
export async function startAlgProxy(options: AlgProxyOptions): Promise<AlgProxy> {
  const emit = options.onEvent ?? (() => undefined);
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const flows = new Map<string, Flow>();
  const front = createSocket('udp4');
  front.bind(options.listen.port, options.listen.address);
  await once(front, 'listening');

  const openFlow = async (client: TransportAddress): Promise<Flow> => {
    const socket = createSocket('udp4');
    socket.bind(0, options.listen.address);
    await once(socket, 'listening');
    const flow: Flow = {
      client,
      socket,
      upstreamPort: socket.address().port,
      lastUsed: Date.now(),
    };
    socket.on('message', (datagram, from) => {
      // Only the provider's answers; anyone else reaching this port is not part of the flow.
      if (from.address !== options.upstream.address || from.port !== options.upstream.port) return;
      flow.lastUsed = Date.now();
      front.send(datagram, client.port, client.address);
    });
    socket.on('error', () => undefined);
    emit({
      event: 'flow',
      client: `${client.address}:${client.port}`,
      upstream: `${options.listen.address}:${flow.upstreamPort}`,
    });
    return flow;
  };

  // Datagrams of a new client wait for its flow's socket, in order.
  const opening = new Map<string, Promise<Flow>>();
  front.on('message', (datagram, from) => {
    const key = `${from.address}:${from.port}`;
    let flow = opening.get(key);
    if (!flow) {
      const existing = flows.get(key);
      flow = existing
        ? Promise.resolve(existing)
        : openFlow({ address: from.address, port: from.port }).then((created) => {
            flows.set(key, created);
            return created;
          });
      if (!existing) {
        opening.set(key, flow);
        void flow.finally(() => opening.delete(key));
      }
    }
    void flow.then((ready) => {
      ready.lastUsed = Date.now();
      const { text, changes } = rewriteLikeAlg(datagram.toString('latin1'), from.address, options);
      if (changes.length > 0) emit({ event: 'rewrite', client: key, changes });
      const payload = changes.length > 0 ? Buffer.from(text, 'latin1') : datagram;
      ready.socket.send(payload, options.upstream.port, options.upstream.address);
    });
  });
  front.on('error', () => undefined);

  const streams = options.streamUpstream
    ? await startStreamRelay(options.listen.address, options.streamUpstream, options, emit)
    : null;

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, flow] of flows) {
      if (now - flow.lastUsed > idleTimeoutMs) {
        flows.delete(key);
        flow.socket.close();
      }
    }
  }, 5000);
  sweep.unref();

  const address = { address: options.listen.address, port: front.address().port };
  emit({
    event: 'listening',
    listen: `${address.address}:${address.port}`,
    upstream: `${options.upstream.address}:${options.upstream.port}`,
  });
  return {
    address,
    get flows() {
      return flows.size;
    },
    close: async () => {
      clearInterval(sweep);
      for (const flow of flows.values()) flow.socket.close();
      flows.clear();
      streams?.close();
      front.close();
      await once(front, 'close').catch(() => undefined);
    },
  };
}

/** The TLS port the stream relay listens on, as voip.ms's points of presence do. */
export const ALG_TLS_PORT = 5061;

/**
 * TCP on `address`:5061 relayed byte for byte to `upstream`, each chunk from the client put
 * through the ALG's rewrite first (a stream ALG reading clear-text SIP would rewrite it; TLS it
 * cannot). A client whose upstream refuses is disconnected, as a closed port would.
 */
async function startStreamRelay(
  address: string,
  upstream: TransportAddress,
  options: AlgRewriteOptions,
  emit: (event: Record<string, unknown>) => void,
): Promise<Server> {
  const server = createServer((client) => {
    const key = `${client.remoteAddress ?? ''}:${client.remotePort ?? 0}`;
    const toProvider = createConnection({ host: upstream.address, port: upstream.port });
    let bytesUp = 0;
    let bytesDown = 0;
    let rewrites = 0;
    client.on('data', (chunk: Buffer) => {
      const { text, changes } = rewriteLikeAlg(
        chunk.toString('latin1'),
        client.remoteAddress ?? '',
        options,
      );
      if (changes.length > 0) {
        rewrites++;
        emit({ event: 'rewrite', client: key, changes });
      }
      const payload = changes.length > 0 ? Buffer.from(text, 'latin1') : chunk;
      bytesUp += payload.length;
      toProvider.write(payload);
    });
    toProvider.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
      client.write(chunk);
    });
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      emit({ event: 'stream', client: key, bytesUp, bytesDown, rewrites, end: why });
      client.destroy();
      toProvider.destroy();
    };
    toProvider.once('connect', () => emit({ event: 'stream-open', client: key }));
    toProvider.on('error', (error) => end(`provider: ${error.message}`));
    toProvider.on('close', () => end('provider closed'));
    client.on('error', (error) => end(`client: ${error.message}`));
    client.on('close', () => end('client closed'));
  });
  server.on('error', () => undefined);
  server.listen(ALG_TLS_PORT, address);
  await once(server, 'listening');
  return server;
}

/** Where the lab puts the ALG: an extra address on the internet side of the WAN link. */
export const ALG_PROXY_ADDRESS = '198.51.100.40';

export interface LabAlgProxy {
  /** Where the client must send its SIP (the "registrar" it is configured with). */
  address: TransportAddress;
  process: ChildProcess;
  /** The rewrite events so far, each with the changes the relay made. */
  rewrites(): Array<{ client: string; changes: string[] }>;
  /** TLS connections relayed so far (with --stream-upstream), as each ended or is now. */
  streams(): Array<{
    client: string;
    bytesUp: number;
    bytesDown: number;
    rewrites: number;
    end: string;
  }>;
  /** The client addresses that got a flow of their own. */
  flows(): string[];
  output(): string;
}

/**
 * Adds {@link ALG_PROXY_ADDRESS} to the lab's internet namespace and starts the relay there
 * (from the build), in front of the provider at 198.51.100.10:5060.
 */
export async function startLabAlgProxy(
  lab: Lab,
  options: AlgRewriteOptions & { upstream?: TransportAddress; tlsUpstream?: TransportAddress } = {},
): Promise<LabAlgProxy> {
  lab.exec(lab.internet, 'ip', [
    'addr',
    'add',
    `${ALG_PROXY_ADDRESS}/24`,
    'dev',
    lab.internetInterface,
  ]);
  const upstream = options.upstream ?? { address: PUBLIC.provider, port: 5060 };
  // The built relay, also when this module runs from the sources under vitest.
  const script = join(REPO, 'dist/test/lab/support/alg-proxy.js');
  const args = [
    script,
    '--listen',
    `${ALG_PROXY_ADDRESS}:5060`,
    '--upstream',
    `${upstream.address}:${upstream.port}`,
    ...(options.contactPort !== undefined ? ['--contact-port', String(options.contactPort)] : []),
    ...(options.rewriteVia ? ['--rewrite-via'] : []),
    ...(options.stripRport ? ['--strip-rport'] : []),
    ...(options.tlsUpstream
      ? ['--stream-upstream', `${options.tlsUpstream.address}:${options.tlsUpstream.port}`]
      : []),
  ];
  const child = lab.spawn(lab.internet, process.execPath, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const up = await waitFor(
    () => child.exitCode !== null || events().some((e) => e.event === 'listening'),
    10_000,
  );
  if (!up || child.exitCode !== null) {
    throw new Error(`the ALG relay did not start (is the build current?): ${stderr.slice(-500)}`);
  }
  return {
    address: { address: ALG_PROXY_ADDRESS, port: 5060 },
    process: child,
    rewrites: () =>
      events()
        .filter((e) => e.event === 'rewrite')
        .map((e) => ({ client: String(e.client), changes: e.changes as string[] })),
    streams: () =>
      events()
        .filter((e) => e.event === 'stream')
        .map((e) => ({
          client: String(e.client),
          bytesUp: Number(e.bytesUp),
          bytesDown: Number(e.bytesDown),
          rewrites: Number(e.rewrites),
          end: String(e.end),
        })),
    flows: () =>
      events()
        .filter((e) => e.event === 'flow')
        .map((e) => String(e.client)),
    output: () => stdout + stderr,
  };
}

function parseAddress(text: string | undefined, what: string): TransportAddress {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`${what} must be IPv4:PORT, got "${text ?? ''}"`);
  return { address: match[1], port: Number(match[2]) };
}

async function main(argv: string[]): Promise<void> {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at === -1 ? undefined : argv[at + 1];
  };
  const contactPort = value('--contact-port');
  const streamUpstream = value('--stream-upstream');
  const proxy = await startAlgProxy({
    listen: parseAddress(value('--listen'), '--listen'),
    upstream: parseAddress(value('--upstream'), '--upstream'),
    ...(contactPort !== undefined ? { contactPort: Number(contactPort) } : {}),
    rewriteVia: argv.includes('--rewrite-via'),
    stripRport: argv.includes('--strip-rport'),
    ...(streamUpstream
      ? { streamUpstream: parseAddress(streamUpstream, '--stream-upstream') }
      : {}),
    onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
  });
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`alg-proxy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
