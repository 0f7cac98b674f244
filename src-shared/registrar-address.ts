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

/** `host` and the port typed after it, if any: `montreal.voip.ms:5080` → 5080. */
function splitServer(server: string): { host: string; port: number | null } {
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(server.trim());
  const host = match?.[1] ?? server.trim();
  const port = match?.[2] === undefined ? null : Number(match[2]);
  return { host, port: port !== null && port >= 1 && port <= 65535 ? port : null };
}

/** The registrar's port: the one typed with the server, else the transport's default. */
export function registrarPort(server: string, transport: SipTransport): number {
  return splitServer(server).port ?? defaultSipPort(transport);
}

/** `host:port` of the registrar, as the phone reaches it over `transport`. */
export function registrarAddress(server: string, transport: SipTransport): string {
  return `${splitServer(server).host}:${registrarPort(server, transport)}`;
}
