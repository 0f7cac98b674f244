/**
 * Whether an external address a router reports can be a public address at all. A router behind
 * a carrier-grade NAT (100.64.0.0/10) or another home router (RFC 1918) happily grants mappings
 * on an address nobody on the internet can reach; such a mapping must not be used.
 *
 * The documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) are not rejected,
 * although RFC 6890 reserves them: no real router has one, and the lab's internet uses them.
 */

const NOT_PUBLIC: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, 'an unspecified address'],
  ['10.0.0.0', 8, 'a private address'],
  [
    '100.64.0.0',
    10,
    "a carrier-grade NAT address (the provider's NAT sits in front of the router)",
  ],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.168.0.0', 16, 'a private address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];

/** Why `address` cannot be a public IPv4 address, or null when it can. */
export function whyNotPublic(address: string): string | null {
  const value = ipv4ToNumber(address);
  if (value === null) return 'not an IPv4 address';
  for (const [network, bits, words] of NOT_PUBLIC) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === ipv4ToNumber(network)) return words;
  }
  return null;
}

function ipv4ToNumber(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part))) return null;
  const octets = parts.map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return octets.reduce((sum, octet) => sum * 256 + octet, 0);
}
