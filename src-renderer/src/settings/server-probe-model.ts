/**
 * "Nearest": which servers to probe with SIP OPTIONS, and how their round trips read. Shared by
 * the settings page and the first-run screen.
 */
import { VOIPMS_SERVERS } from '../../../src-shared/settings.js';
import {
  MAX_PROBED_SERVERS,
  sipServerSchema,
  type ServerProbe,
} from '../../../src-shared/ipc-contract.js';

/** The typed server, the saved one and every voip.ms POP, each once, as "Nearest" probes them. */
export function serversToProbe(typed: string, saved: string | undefined): string[] {
  const seen = new Set<string>();
  const servers: string[] = [];
  for (const candidate of [typed.trim(), saved ?? '', ...VOIPMS_SERVERS]) {
    const key = candidate.toLowerCase();
    if (seen.has(key) || !sipServerSchema.safeParse(candidate).success) continue;
    seen.add(key);
    servers.push(candidate);
  }
  return servers.slice(0, MAX_PROBED_SERVERS);
}

/** Answered servers fastest first, then the silent ones in the order they were asked. */
export function byRoundTrip(results: ServerProbe[]): ServerProbe[] {
  const answered = results.filter((result) => result.rttMs !== null);
  answered.sort((a, b) => (a.rttMs ?? 0) - (b.rttMs ?? 0));
  return [...answered, ...results.filter((result) => result.rttMs === null)];
}

export type AnsweredProbe = ServerProbe & { rttMs: number };

export function fastestOf(results: ServerProbe[]): AnsweredProbe | null {
  const first = byRoundTrip(results)[0];
  return first && first.rttMs !== null ? { ...first, rttMs: first.rttMs } : null;
}

export function formatRtt(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
