import { UdpEndpoint } from '../net/udp-endpoint.js';

export interface RtpEndpoints {
  rtp: UdpEndpoint;
  rtcp: UdpEndpoint;
}

/**
 * Binds an RTP socket on an even port and its RTCP socket on the next one (RFC 3550 §11),
 * retrying a bounded number of times when another program holds one of the pair.
 */
export async function allocateRtpEndpoints(
  options: { address?: string; minPort?: number; maxPort?: number; attempts?: number } = {},
): Promise<RtpEndpoints> {
  const minPort = options.minPort ?? 16384;
  const maxPort = options.maxPort ?? 32766;
  const attempts = options.attempts ?? 20;
  let lastError: unknown = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const span = Math.floor((maxPort - minPort) / 2);
    const port = minPort + 2 * Math.floor(Math.random() * span);
    let rtp: UdpEndpoint | null = null;
    try {
      rtp = await UdpEndpoint.bind({ address: options.address, port, role: 'media' });
      const rtcp = await UdpEndpoint.bind({
        address: options.address,
        port: port + 1,
        role: 'media',
      });
      return { rtp, rtcp };
    } catch (error) {
      lastError = error;
      await rtp?.close();
    }
  }
  throw new Error(`no free RTP port pair after ${attempts} tries: ${String(lastError)}`);
}
