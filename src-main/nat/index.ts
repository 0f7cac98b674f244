/**
 * The NAT seam: the only door from the engine, the doctor and the CLI to STUN and TURN.
 */
export type {
  ContactMapping,
  NatEnvironment,
  NatMedia,
  NatMediaState,
  NatSettings,
  NatStrategy,
  NatStrategyFactory,
  NatStrategyId,
  OpenMediaOptions,
  RelaySettings,
} from './nat-strategy.js';
export {
  availableNatStrategies,
  contactStrategyId,
  mediaStrategyId,
  natStrategy,
  registerNatStrategy,
} from './nat-registry.js';
export { checkRelay } from './relay-check.js';
export {
  testStunServer,
  type StunServerTestOptions,
  type StunServerTestResult,
} from './stun-server-test.js';
export { probeMapping, probeBindingLifetime, keepaliveForLifetime } from './nat-probes.js';
export type { BindingLifetimeResult, MappingProbe, MappingProbeOptions } from './nat-probes.js';
