/**
 * The default route's gateway, where NAT-PMP and PCP servers listen (RFC 6886 §3.1: the client
 * sends to its default gateway). Read from the kernel's routing table rather than by running
 * `ip route`, so no child process is needed and nothing is parsed from a tool's text output.
 */
import { readFile } from 'node:fs/promises';

const ROUTE_TABLE = '/proc/net/route';
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

/** The IPv4 default gateway, or null when there is none (or the table cannot be read). */
export async function defaultGateway(routeTable = ROUTE_TABLE): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(routeTable, 'utf8');
  } catch {
    return null;
  }
  return gatewayFromRouteTable(text);
}

/**
 * Picks the default route of lowest metric from /proc/net/route text, whose addresses are 32-bit
 * hex numbers in the machine's byte order (little-endian on every platform Natter ships on).
 */
export function gatewayFromRouteTable(text: string): string | null {
  let best: { gateway: string; metric: number } | null = null;
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const [, destination, gatewayHex, flagsHex, , , metricText, mask] = fields;
    const flags = Number.parseInt(flagsHex ?? '', 16);
    const metric = Number.parseInt(metricText ?? '', 10);
    if (destination !== '00000000' || mask !== '00000000') continue;
    if (!(flags & RTF_UP) || !(flags & RTF_GATEWAY)) continue;
    const gateway = littleEndianHexToIpv4(gatewayHex ?? '');
    if (!gateway || !Number.isFinite(metric)) continue;
    if (!best || metric < best.metric) best = { gateway, metric };
  }
  return best?.gateway ?? null;
}

function littleEndianHexToIpv4(hex: string): string | null {
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) return null;
  const octets = [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  return octets.every((octet) => octet === 0) ? null : octets.join('.');
}
