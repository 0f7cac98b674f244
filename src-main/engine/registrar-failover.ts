/**
 * Registrar failover: when the registrar stops answering (as opposed to refusing us), find the
 * nearest other server of the provider that answers, so incoming calls keep arriving. voip.ms
 * keeps every account on every point of presence, so any of them can take the registration.
 */
import type { Registration } from '../../src-shared/domain.js';
import type { SipProbeOptions, SipProbeResult } from './sip-options-probe.js';

/** Failure codes that mean silence: a registrar that refused us would refuse us anywhere. */
const SILENT_REGISTRAR_CODES: ReadonlySet<string> = new Set(['timeout', 'refresh']);

export function registrarWentSilent(registration: Registration): boolean {
  return (
    registration.state === 'failed' &&
    registration.error !== null &&
    SILENT_REGISTRAR_CODES.has(registration.error.code)
  );
}

export type SipProber = (
  servers: readonly string[],
  options?: SipProbeOptions,
) => Promise<SipProbeResult[]>;

/**
 * The candidate with the shortest SIP round trip, leaving out the silent server itself; null when
 * no candidate answers (then the network, not the registrar, is the likely cause).
 */
export async function nearestAnsweringRegistrar(
  silentServer: string,
  candidates: readonly string[],
  probe: SipProber,
  options: SipProbeOptions = {},
): Promise<string | null> {
  const others = [...new Set(candidates)].filter(
    (candidate) => !sameServer(candidate, silentServer),
  );
  if (others.length === 0) return null;
  const results = await probe(others, options);
  let best: { server: string; rttMs: number } | null = null;
  for (const result of results) {
    if (result.rttMs === null) continue;
    if (!best || result.rttMs < best.rttMs) best = { server: result.server, rttMs: result.rttMs };
  }
  return best?.server ?? null;
}

/** `montreal.voip.ms` and `Montreal.voip.ms:5060` are one server. */
export function sameServer(a: string, b: string): boolean {
  const normal = (server: string) =>
    server
      .trim()
      .toLowerCase()
      .replace(/:5060$/, '');
  return normal(a) === normal(b);
}
