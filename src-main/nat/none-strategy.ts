/**
 * `none`: no NAT help. The Contact and the SDP carry the local addresses; right when the phone
 * has a public address, or when the provider fixes NAT on its side (voip.ms's NAT option).
 */
import type { UdpEndpoint } from '../net/udp-endpoint.js';
import { bindMediaPair, DirectMedia, localMediaAddress } from './media-pair.js';
import type {
  ContactMapping,
  NatEnvironment,
  NatMedia,
  NatStrategy,
  OpenMediaOptions,
} from './nat-strategy.js';

export function noneStrategy(environment: NatEnvironment): NatStrategy {
  return {
    id: 'none',
    mapsContact: false,
    discoverContact(_endpoint: UdpEndpoint): Promise<ContactMapping> {
      return Promise.resolve({ mapped: null, natType: 'unknown', servers: [] });
    },
    async openMedia(options: OpenMediaOptions = {}): Promise<NatMedia> {
      const endpoints = await bindMediaPair(environment, options);
      return new DirectMedia('none', endpoints, localMediaAddress(environment, endpoints), null);
    },
  };
}
