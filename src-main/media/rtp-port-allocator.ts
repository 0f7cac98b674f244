import { UdpEndpoint } from '../net/udp-endpoint.js';

export interface RtpEndpoints {
  rtp: UdpEndpoint;
  rtcp: UdpEndpoint;
}

export interface RtpPortAllocatorOptions {
  /** Local address to bind; all interfaces by default. */
  address?: string;
  /** Lowest RTP port; 16384 by default, the range most SIP phones and Asterisk use. */
  minPort?: number;
  /** Highest port of the range, RTCP included; 32767 by default. */
  maxPort?: number;
  /** Pairs tried before giving up; 20 by default. */
  attempts?: number;
  /** Uniform random numbers in [0, 1), to pick ports; injectable for tests. */
  random?: () => number;
}

/**
 * Binds an RTP socket on an even port and its RTCP socket on the next one (RFC 3550 §11:
 * "RTP SHOULD use an even destination port number and the corresponding RTCP stream SHOULD use
 * the next higher (odd) port number"). Ports are picked at random in the range, so consecutive
 * calls do not reuse a pair a NAT may still map to the previous call, and a pair held by another
 * program is retried a bounded number of times. Errors other than a port in use (a bad address,
 * no permission) fail at once: retrying cannot help them.
 */
export async function allocateRtpEndpoints(
  options: RtpPortAllocatorOptions = {},
): Promise<RtpEndpoints> {
  const minPort = Math.max(2, options.minPort ?? 16384);
  const maxPort = Math.min(65535, options.maxPort ?? 32767);
  const attempts = Math.max(1, options.attempts ?? 20);
  const random = options.random ?? Math.random;
  const firstEven = minPort + (minPort % 2);
  const pairs = Math.floor((maxPort - firstEven + 1) / 2);
  if (pairs < 1) throw new RangeError(`no even/odd port pair in ${minPort}-${maxPort}`);
  let lastError: unknown = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = firstEven + 2 * Math.min(pairs - 1, Math.floor(random() * pairs));
    let rtp: UdpEndpoint | null = null;
    try {
      rtp = await UdpEndpoint.bind({ address: options.address, port, role: 'media' });
      const rtcp = await UdpEndpoint.bind({ address: options.address, port: port + 1 });
      return { rtp, rtcp };
    } catch (error) {
      await rtp?.close();
      if (!isPortInUse(error)) throw error;
      lastError = error;
    }
  }
  throw new Error(`no free RTP port pair after ${attempts} tries: ${String(lastError)}`);
}

function isPortInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE';
}
