/**
 * `stun`: each socket learns its own public mapping (RFC 5389 Binding, asked from that very
 * socket, since a port-restricted NAT maps each socket apart): the SIP socket's for the Contact,
 * the RTP and RTCP sockets' for the SDP's `m=` and `a=rtcp` (RFC 3605).
 */
import type { MediaAddress, TransportAddress } from '../../src-shared/domain.js';
import { discoverMapping } from '../net/stun-discovery.js';
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import { bindMediaPair, DirectMedia, localMediaAddress, type RtpEndpoints } from './media-pair.js';
import type {
  ContactMapping,
  NatEnvironment,
  NatMedia,
  NatStrategy,
  OpenMediaOptions,
} from './nat-strategy.js';

export function stunStrategy(environment: NatEnvironment): NatStrategy {
  return {
    id: 'stun',
    mapsContact: true,
    async discoverContact(endpoint: UdpEndpoint): Promise<ContactMapping> {
      const { settings, localAddress } = environment;
      const opinions = secondOpinion(settings);
      const discovery = await discoverMapping(endpoint, opinions, {
        deadlineMs: settings.stunDeadlineMs,
        rtoMs: settings.stunRtoMs,
        localAddress,
      });
      return {
        mapped: discovery.mapped,
        natType: discovery.natType,
        // The TURN server's answer classified the NAT; the list shows the STUN servers asked.
        servers: discovery.results.slice(0, settings.stunServers.length),
      };
    },
    async openMedia(options: OpenMediaOptions = {}): Promise<NatMedia> {
      const endpoints = await bindMediaPair(environment, options);
      const { address, rtcpAddress } = await mapMediaPair(environment, endpoints);
      return new DirectMedia('stun', endpoints, address, rtcpAddress);
    },
  };
}

/**
 * The servers whose answers classify the NAT. One STUN server cannot tell a symmetric NAT from
 * a cone (that takes two destinations); a configured TURN server is a STUN server too (RFC 8656
 * §2), so its XOR-MAPPED-ADDRESS for the same socket is the second opinion. Behind a symmetric
 * NAT that is what makes the policy relay the call.
 */
export function secondOpinion(settings: NatEnvironment['settings']): string[] {
  const { stunServers, turn } = settings;
  if (stunServers.length !== 1 || !turn || stunServers.includes(turn.server)) return stunServers;
  return [...stunServers, turn.server];
}

/**
 * The public addresses of a call's pair: RTP and RTCP asked at once, so RTCP costs the call no
 * time. One answer is all a call needs; a dead server must not hold the INVITE back.
 */
export async function mapMediaPair(
  environment: NatEnvironment,
  endpoints: RtpEndpoints,
): Promise<{ address: MediaAddress; rtcpAddress: TransportAddress | null }> {
  const { settings, localAddress } = environment;
  const discover = (endpoint: UdpEndpoint) =>
    discoverMapping(endpoint, settings.stunServers, {
      deadlineMs: settings.stunDeadlineMs,
      graceAfterFirstMs: 0,
      rtoMs: settings.stunRtoMs,
      localAddress,
    });
  const [rtp, rtcp] = await Promise.all([discover(endpoints.rtp), discover(endpoints.rtcp)]);
  const address: MediaAddress = rtp.mapped
    ? { connection: rtp.mapped.address, audioPort: rtp.mapped.port, source: 'stun' }
    : localMediaAddress(environment, endpoints);
  return { address, rtcpAddress: rtcp.mapped };
}
