/**
 * What a router does to a call's media mid-call, for the one-way audio rescue scenarios: it
 * forgets the RTP socket's mapping and maps the socket anew on another public port, or it maps
 * only the media toward the provider symmetrically (a new random port per destination) while
 * STUN sees a cone.
 */
import { PUBLIC, type Lab } from './netns-lab.js';
import { PROVIDER_MEDIA_PORT } from './peers.js';
import { waitFor } from './wait.js';

/** The client's local RTP port, from the router's conntrack entry toward the provider's media. */
export async function clientRtpPort(lab: Lab, timeoutMs = 15_000): Promise<number | null> {
  let port: number | null = null;
  await waitFor(() => {
    const table = listing(lab, [
      '-L',
      '-p',
      'udp',
      '-s',
      lab.clientAddress,
      '--dport',
      String(PROVIDER_MEDIA_PORT),
    ]);
    const match = /sport=(\d+) dport=\d+ /.exec(table);
    port = match?.[1] ? Number(match[1]) : null;
    return port !== null;
  }, timeoutMs);
  return port;
}

/** conntrack's table, or nothing while it has no matching flow (it then exits non-zero). */
function listing(lab: Lab, args: string[]): string {
  try {
    return lab.exec(lab.router, 'conntrack', args);
  } catch {
    return '';
  }
}

/**
 * The router loses the mapping of the client's socket `localPort` (every flow from it) and maps
 * it from now on to `publicPort`: the provider's RTP to the old port is dropped.
 */
export function moveMapping(lab: Lab, localPort: number, publicPort: number): void {
  remap(lab, localPort, publicPort, []);
}

/**
 * Only the socket's flow toward the provider's media moves to `publicPort`; its STUN flows keep
 * the old mapping, so a STUN answer on the socket still names the port the SDP carries. What a
 * Linux router does when a flow of the far end's own holds that port toward it (its RTP came in
 * before ours went out, on a kernel without UDP clash resolution): ours leaves by another port.
 */
export function moveMediaMapping(lab: Lab, localPort: number, publicPort: number): void {
  remap(lab, localPort, publicPort, [
    '-d',
    PUBLIC.provider,
    '--dport',
    String(PROVIDER_MEDIA_PORT),
  ]);
}

function remap(lab: Lab, localPort: number, publicPort: number, toward: string[]): void {
  const flow = ['-p', 'udp', '-s', lab.clientAddress, '--sport', String(localPort), ...toward];
  lab.exec(lab.router, 'iptables', [
    ...['-t', 'nat', '-I', 'POSTROUTING', '1', '-o', lab.routerWanInterface],
    ...flow,
    ...['-j', 'MASQUERADE', '--to-ports', String(publicPort)],
  ]);
  lab.exec(lab.router, 'conntrack', ['-D', ...flow]);
}

/**
 * Media toward the provider's RTP port leaves from a random public port (symmetric NAT for that
 * destination only); STUN, SIP and TURN keep the cone mapping, so nothing before the call can tell.
 */
export function symmetricMediaToProvider(lab: Lab): void {
  lab.exec(lab.router, 'iptables', [
    '-t',
    'nat',
    '-I',
    'POSTROUTING',
    '1',
    '-o',
    lab.routerWanInterface,
    '-p',
    'udp',
    '--dport',
    String(PROVIDER_MEDIA_PORT),
    '-j',
    'MASQUERADE',
    '--random-fully',
  ]);
}
