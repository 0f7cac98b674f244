/**
 * Measurements of the network itself, for the doctor and `natter nat`: how each STUN server
 * sees one socket (and from that the NAT type), and how long the router keeps an idle mapping.
 */
export {
  discoverMapping as probeMapping,
  type DiscoveryOptions as MappingProbeOptions,
  type DiscoveryResult as MappingProbe,
} from '../net/stun-discovery.js';
export {
  keepaliveForLifetime,
  measureBindingLifetime as probeBindingLifetime,
  type BindingLifetimeResult,
} from '../net/binding-lifetime.js';
