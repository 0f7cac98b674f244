/**
 * `natter nat` behind each kind of router, against coturn on two public addresses. Captures on
 * both sides of the router show which local socket asked and which public ports the router
 * gave it, so the reported classification is checked against what the NAT really did.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { startCapture, type UdpPacket } from './support/capture.js';
import { createLab, PUBLIC, type Lab, type NatMode } from './support/netns-lab.js';
import { runNatter, startCoturn } from './support/peers.js';
import type { NatReportJson } from './support/reports.js';

const skip = announceSkip('lab: natter nat', labUnavailableReason(['turnserver', 'tshark']));

/** The STUN deadline of `natter nat` (src-main/net/stun-discovery.ts). */
const DISCOVERY_DEADLINE_MS = 1500;
/** What a run may add to the deadline beyond start-up: the routing lookup, the report, exit. */
const REPORT_AND_EXIT_MS = 1000;

/**
 * Node start-up and the CLI's module loading, measured with `--version` in the same lab just
 * before: on a loaded machine they alone take over a second, which says nothing of the deadline.
 */
async function startUpMs(lab: Lab): Promise<number> {
  const run = await runNatter(lab, ['--version']);
  expect(run.code).toBe(0);
  return run.elapsedMs;
}

const TWO_SERVERS = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];

/** STUN Binding requests (type 0x0001, magic cookie) among the packets. */
function bindingRequests(packets: UdpPacket[]): UdpPacket[] {
  return packets.filter(
    (p) =>
      p.dport === 3478 &&
      p.payload.length >= 20 &&
      p.payload.readUInt16BE(0) === 0x0001 &&
      p.payload.readUInt32BE(4) === 0x2112a442,
  );
}

describe.skipIf(skip)('natter nat behind each kind of router', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it.each<[NatMode, NatReportJson['natType']]>([
    ['none', 'open'],
    ['cone', 'cone'],
    ['symmetric', 'symmetric'],
  ])('router with nat=%s is reported as %s', async (nat, expected) => {
    lab = createLab({ nat });
    await startCoturn(lab);
    const lan = await startCapture(lab, lab.router, lab.routerLanInterface);
    const wan = await startCapture(lab, lab.internet, lab.internetInterface);
    const run = await runNatter(lab, ['nat', ...TWO_SERVERS, '--json']);
    const [lanPackets, wanPackets] = await Promise.all([lan.stop(), wan.stop()]);
    const sent = bindingRequests(lanPackets);
    const arrived = bindingRequests(wanPackets);
    const report = run.json as unknown as NatReportJson;
    expect(report, run.stderr).not.toBeNull();
    expect(report.natType).toBe(expected);

    // One local socket asked both servers: the one the report names as local.
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sent.map((p) => `${p.src}:${p.sport}`))).toEqual(
      new Set([`${lab.clientAddress}:${report.local.port}`]),
    );
    expect(report.local.address).toBe(lab.clientAddress);

    // Each server's answer is the source the router gave that flow, as seen on the internet.
    const publicAddress = nat === 'none' ? lab.clientAddress : PUBLIC.router;
    const seenBy = (server: string) => {
      const ports = new Set(arrived.filter((p) => p.dst === server).map((p) => p.sport));
      const sources = new Set(arrived.filter((p) => p.dst === server).map((p) => p.src));
      expect(sources).toEqual(new Set([publicAddress]));
      expect(ports.size).toBe(1);
      return { address: publicAddress, port: [...ports][0] };
    };
    const [seenA, seenB] = [seenBy(PUBLIC.stunA), seenBy(PUBLIC.stunB)];
    expect(report.servers.map((server) => server.server)).toEqual([
      `${PUBLIC.stunA}:3478`,
      `${PUBLIC.stunB}:3478`,
    ]);
    expect(report.servers[0]?.mapped).toEqual(seenA);
    expect(report.servers[1]?.mapped).toEqual(seenB);
    for (const server of report.servers) expect(server.rttMs).toBeGreaterThanOrEqual(0);
    expect(report.mapped?.address).toBe(publicAddress);
    if (nat === 'symmetric') {
      expect(seenA.port).not.toBe(seenB.port);
    } else {
      expect(seenA.port).toBe(seenB.port);
      expect(report.mapped).toEqual(seenA);
    }
    if (nat === 'none') expect(report.mapped).toEqual(report.local);
    expect(run.code).toBe(0);
  });

  it('a silent first server: the second answers and discovery stays bounded', async () => {
    lab = createLab({ nat: 'cone' });
    await startCoturn(lab);
    const wan = await startCapture(lab, lab.internet, lab.internetInterface);
    const startUp = await startUpMs(lab);
    const run = await runNatter(lab, [
      'nat',
      '--stun',
      `${PUBLIC.silent}:3478`,
      '--stun',
      `${PUBLIC.stunA}:3478`,
      '--json',
    ]);
    const arrived = bindingRequests(await wan.stop());
    const report = run.json as unknown as NatReportJson;
    // Both servers were asked; the silent one swallowed its requests without an ICMP error.
    expect(arrived.some((p) => p.dst === PUBLIC.silent)).toBe(true);
    expect(arrived.some((p) => p.dst === PUBLIC.stunA)).toBe(true);
    expect(report.mapped?.address).toBe(PUBLIC.router);
    expect(report.servers[0]?.mapped).toBeNull();
    expect(report.servers[0]?.rttMs).toBeNull();
    expect(report.servers[1]?.mapped).toEqual({
      address: PUBLIC.router,
      port: arrived.find((p) => p.dst === PUBLIC.stunA)?.sport,
    });
    // The silent server does not hold the answer back past the deadline.
    expect(run.elapsedMs - startUp).toBeLessThan(DISCOVERY_DEADLINE_MS + REPORT_AND_EXIT_MS);
    expect(run.code).toBe(0);
  });

  it('no STUN server answers: blocked, non-zero exit, one-line reason', async () => {
    lab = createLab({ nat: 'cone' });
    const startUp = await startUpMs(lab);
    const run = await runNatter(lab, ['nat', '--stun', `${PUBLIC.silent}:3478`, '--json']);
    const report = run.json as unknown as NatReportJson;
    expect(report.natType).toBe('blocked');
    expect(report.mapped).toBeNull();
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.elapsedMs - startUp).toBeLessThan(DISCOVERY_DEADLINE_MS + REPORT_AND_EXIT_MS);
  });
});
