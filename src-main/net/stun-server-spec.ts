import { lookup } from 'node:dns/promises';
import type { TransportAddress } from '../../src-shared/domain.js';

/** RFC 5389 §9: the default STUN port. */
export const DEFAULT_STUN_PORT = 3478;

export interface StunServerSpec {
  host: string;
  port: number;
}

/** Parses `host` or `host:port` as a user types a STUN server; throws a plain message. */
export function parseStunServer(spec: string): StunServerSpec {
  const match = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  if (!match?.[1]) throw new Error(`"${spec}" is not a STUN server (expected host or host:port)`);
  const port = match[2] === undefined ? DEFAULT_STUN_PORT : Number(match[2]);
  if (port < 1 || port > 65535) throw new Error(`STUN server ${spec}: port must be 1–65535`);
  return { host: match[1], port };
}

/** Resolves a STUN server to an IPv4 transport address within `timeoutMs`. */
export async function resolveStunServer(
  spec: StunServerSpec,
  timeoutMs: number,
): Promise<TransportAddress> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const { address } = await Promise.race([
      lookup(spec.host, { family: 4 }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`DNS lookup of ${spec.host} timed out`)),
          timeoutMs,
        );
      }),
    ]);
    return { address, port: spec.port };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.includes('timed out') ? message : `unknown host ${spec.host}`);
  } finally {
    clearTimeout(timer);
  }
}
