import { DEFAULT_STUN_SERVERS } from '../engine/engine-options.js';
import { probeMapping } from '../nat/index.js';
import { UdpEndpoint } from '../net/udp-endpoint.js';
import type { NatArgs } from './cli-args.js';
import { formatAddress, type CliOutput } from './cli-output.js';

const ADVICE: Record<string, string> = {
  open: 'No NAT: this computer has a public address.',
  cone: 'Cone NAT: STUN gives a public address that works for calls.',
  symmetric:
    'Symmetric NAT: the public port changes per destination; calls may have one-way audio without a TURN relay.',
  blocked: 'No STUN server answered: UDP may be blocked, or the servers are down.',
  unknown: 'Only one STUN server answered, so the NAT type could not be compared.',
};

/** `natter nat`: the mapping of one local socket as STUN servers see it, and the NAT type. */
export async function natCommand(args: NatArgs, out: CliOutput): Promise<number> {
  const servers = args.stun.length > 0 ? args.stun : DEFAULT_STUN_SERVERS;
  let endpoint: UdpEndpoint;
  try {
    endpoint = await UdpEndpoint.bind({ port: args.localPort });
  } catch (error) {
    out.failure(`cannot bind local port ${args.localPort}: ${(error as Error).message}`);
    return 1;
  }
  try {
    out.progress(`Asking ${servers.join(', ')} from local port ${endpoint.bound.port}...`);
    const discovery = await probeMapping(endpoint, servers, { deadlineMs: 1500 });
    const report = {
      local: discovery.local,
      mapped: discovery.mapped,
      natType: discovery.natType,
      servers: discovery.results.map(({ server, mapped, rttMs, error }) =>
        error === undefined ? { server, mapped, rttMs } : { server, mapped, rttMs, error },
      ),
    };
    out.result(report, [
      `Local address:  ${formatAddress(report.local)}`,
      `Public address: ${formatAddress(report.mapped)}`,
      `NAT type:       ${report.natType}`,
      ...report.servers.map(
        (s) =>
          `  ${s.server.padEnd(32)} ${s.mapped ? formatAddress(s.mapped) : `no answer${s.error ? ` (${s.error})` : ''}`}${s.rttMs !== null ? `  ${s.rttMs.toFixed(1)} ms` : ''}`,
      ),
      ADVICE[report.natType] ?? '',
    ]);
    if (!report.mapped) {
      out.failure(`no STUN server answered (${servers.join(', ')})`);
      return 1;
    }
    return 0;
  } finally {
    await endpoint.close();
  }
}
