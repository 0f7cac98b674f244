/**
 * The registrar's port as the app and the engine both derive it: the port the user typed, or
 * the transport's default (RFC 3261 §19.1.2: 5060 for SIP over UDP and TCP, 5061 for TLS).
 * voip.ms answers SIP over TLS on 5061 at every point of presence, so a POP name alone is enough
 * whatever the transport.
 */
import type { SipTransport } from './domain.js';

export const SIP_DEFAULT_PORT = 5060;
export const SIP_TLS_DEFAULT_PORT = 5061;

/** The port a server without one is reached on over `transport`. */
export function defaultSipPort(transport: SipTransport): number {
  return transport === 'tls' ? SIP_TLS_DEFAULT_PORT : SIP_DEFAULT_PORT;
}

/**
 * `host[:port]` as typed in settings or on the command line: the host (a name or IPv4 address)
 * and the port's digits as typed, or null when it is neither. The one reader of a server field
 * for the app, the engine and the CLI.
 */
export function splitHostPort(spec: string): { host: string; portText: string | null } | null {
  const match = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(spec.trim());
  if (!match?.[1]) return null;
  return { host: match[1], portText: match[2] ?? null };
}

/** A typed port when it is one (1–65535), else null. */
export function portNumber(portText: string | null): number | null {
  if (portText === null) return null;
  const port = Number(portText);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

/** `host` and the port typed after it, if any: `montreal.voip.ms:5080` → 5080. */
function splitServer(server: string): { host: string; port: number | null } {
  const parts = splitHostPort(server);
  if (!parts) return { host: server.trim(), port: null };
  return { host: parts.host, port: portNumber(parts.portText) };
}

/** The registrar's port: the one typed with the server, else the transport's default. */
export function registrarPort(server: string, transport: SipTransport): number {
  return splitServer(server).port ?? defaultSipPort(transport);
}

/** `host:port` of the registrar, as the phone reaches it over `transport`. */
export function registrarAddress(server: string, transport: SipTransport): string {
  return `${splitServer(server).host}:${registrarPort(server, transport)}`;
}
