import { lookup } from 'node:dns/promises';
import type { TransportAddress } from '../../src-shared/domain.js';
import { portNumber, splitHostPort } from '../../src-shared/registrar-address.js';
import { EngineFailure } from './engine-error.js';

export interface ServerSpec {
  host: string;
  port: number;
}

/** Parses `host[:port]` as typed in settings or on the command line (SIP default port 5060). */
export function parseServerSpec(spec: string, defaultPort = 5060): ServerSpec {
  const parts = splitHostPort(spec);
  if (!parts) {
    throw new EngineFailure('bad-server', `"${spec}" is not a host or host:port`);
  }
  const port = parts.portText === null ? defaultPort : portNumber(parts.portText);
  if (port === null) {
    throw new EngineFailure('bad-port', `port ${parts.portText} is not between 1 and 65535`);
  }
  return { host: parts.host, port };
}

/** Resolves a host to IPv4, bounded in time so a dead resolver cannot stall registration. */
export async function resolveServer(spec: ServerSpec, timeoutMs = 5000): Promise<TransportAddress> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EngineFailure('dns-timeout', `looking up ${spec.host} took too long`)),
      timeoutMs,
    );
  });
  try {
    const { address } = await Promise.race([lookup(spec.host, { family: 4 }), timeout]);
    return { address, port: spec.port };
  } catch (error) {
    if (error instanceof EngineFailure) throw error;
    throw new EngineFailure('unknown-host', `unknown host ${spec.host}`);
  } finally {
    clearTimeout(timer);
  }
}
