/**
 * Strategies by id, and the policy that picks one from the settings. A new strategy (portmap)
 * is one module and one line in {@link BUILT_IN} or one {@link registerNatStrategy} call: the
 * engine asks for "the contact strategy" and "the strategy for the next call", never for an id.
 */
import type { NatType } from '../../src-shared/domain.js';
import { EngineFailure } from '../engine/engine-error.js';
import type {
  NatEnvironment,
  NatSettings,
  NatStrategy,
  NatStrategyFactory,
  NatStrategyId,
} from './nat-strategy.js';
import { noneStrategy } from './none-strategy.js';
import { portmapStrategy, routerVerdict } from './portmap-strategy.js';
import { stunStrategy } from './stun-strategy.js';
import { turnStrategy } from './turn-strategy.js';

const BUILT_IN: Partial<Record<NatStrategyId, NatStrategyFactory>> = {
  none: noneStrategy,
  stun: stunStrategy,
  turn: turnStrategy,
  portmap: (env) =>
    portmapStrategy(env, { fallback: (nat) => natStrategy(unmapped(env, nat), env) }),
};

const registered = new Map<NatStrategyId, NatStrategyFactory>(
  Object.entries(BUILT_IN) as [NatStrategyId, NatStrategyFactory][],
);

/** Adds (or replaces) the strategy module for an id. */
export function registerNatStrategy(id: NatStrategyId, factory: NatStrategyFactory): void {
  registered.set(id, factory);
}

/** The ids that have a module, in the order the doctor tries them. */
export function availableNatStrategies(): NatStrategyId[] {
  return [...registered.keys()];
}

export function natStrategy(id: NatStrategyId, environment: NatEnvironment): NatStrategy {
  const factory = registered.get(id);
  if (!factory) {
    throw new EngineFailure('nat-strategy', `the NAT strategy "${id}" is not available here`);
  }
  return factory(environment);
}

function stunUsable(settings: NatSettings): boolean {
  return settings.stunEnabled && settings.stunServers.length > 0;
}

/**
 * The strategy whose mapping the SIP socket's Contact carries. A forced strategy is used as it
 * is (`turn` keeps the Contact of its fallback). Otherwise, with NAT help on, the router is asked
 * for a mapping first (bounded; `portmap` falls back to STUN, or none, when it grants none).
 */
export function contactStrategyId(settings: NatSettings): NatStrategyId {
  if (settings.natStrategy !== 'auto') return settings.natStrategy;
  return settings.stunEnabled ? 'portmap' : 'none';
}

/**
 * The strategy a new call's media uses: the router's mapping when it granted the SIP socket one
 * (exact public ports, valid toward every host, even behind a symmetric NAT); otherwise the TURN
 * policy: behind a symmetric NAT a STUN mapping is valid only toward the STUN server, so only a
 * relay can carry the provider's audio back.
 */
export function mediaStrategyId(settings: NatSettings, natType: NatType): NatStrategyId {
  if (settings.natStrategy !== 'auto') return settings.natStrategy;
  if (settings.stunEnabled && routerVerdict.granted) return 'portmap';
  return unmappedStrategyId(settings, natType);
}

/** What carries a socket the router does not map: TURN under its policy, else STUN, else none. */
export function unmappedStrategyId(settings: NatSettings, natType: NatType): NatStrategyId {
  const { turn, turnPolicy } = settings;
  if (turn && (turnPolicy === 'always' || (turnPolicy === 'symmetric' && natType === 'symmetric')))
    return 'turn';
  return stunUsable(settings) ? 'stun' : 'none';
}

function unmapped(environment: NatEnvironment, natType: NatType): NatStrategyId {
  return unmappedStrategyId(environment.settings, natType);
}
