/** Types and range checks both port-control codecs (NAT-PMP and PCP) share. */

export type MappedProtocol = 'udp' | 'tcp';

/** What a decoder makes of a datagram: its value, or why it is not one. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The router's well-known port for both NAT-PMP and PCP (RFC 6886 §3, RFC 6887 §19.1). */
export const PORT_CONTROL_SERVER_PORT = 5351;

export function checkedPort(port: number, min: number): number {
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new RangeError(`port ${port} is not between ${min} and 65535`);
  }
  return port;
}

export function checkedLifetime(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 0xffffffff) {
    throw new RangeError(`lifetime ${seconds} s is not a whole number of seconds`);
  }
  return seconds;
}
