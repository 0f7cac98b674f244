/**
 * `natter call --nat-strategy portmap` behind a symmetric NAT router that runs miniupnpd, to a
 * strict provider (sipp sends RTP only to the SDP's address). Judged on the wire on both sides of
 * the router and in the router's own table (miniupnpd's lease file and the DNAT rules it
 * installed): the Contact and the SDP carry the router's external address and the ports it
 * mapped, and the provider's RTP reaches the client, without TURN.
 *
 * Control: the same network with `--nat-strategy stun`. STUN's mapping of the RTP socket holds
 * only toward the STUN server behind a symmetric NAT, so the provider's RTP stops at the router.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import {
  contactHostPort,
  rtpFlows,
  rtpPackets,
  sipPackets,
  sipRequests,
  startCapture,
  type SipPacket,
  type UdpPacket,
} from './support/capture.js';
import { startMiniupnpd, type Miniupnpd, type MiniupnpdLease } from './support/miniupnpd.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
  waitFor,
  type NatterRun,
} from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: a call through a router that maps ports',
  labUnavailableReason(['sipp', 'turnserver', 'tshark', 'iptables-legacy', 'miniupnpd']),
);

const STUN = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const SERVER = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const PROVIDER_MEDIA = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };
const CLIENT = '192.168.50.2';

function describeWire(messages: SipPacket[]): string {
  return messages
    .map((m) => `${m.time.toFixed(3)} ${m.src}:${m.sport} > ${m.dst}:${m.dport} ${m.startLine}`)
    .join('\n');
}

interface CallOnTheWire {
  run: NatterRun;
  report: CallReportJson;
  invite: SipPacket | undefined;
  internet: UdpPacket[];
  lan: UdpPacket[];
  /** The router's table while the call was up. */
  leases: MiniupnpdLease[];
  dnat: string;
  /** The router's table once natter has quit. */
  leasesAfter: MiniupnpdLease[];
  trace: string;
}

describe.skipIf(skip)('a call through a symmetric NAT router that maps ports (miniupnpd)', () => {
  let lab: Lab;
  let daemon: Miniupnpd;

  beforeAll(async () => {
    lab = createLab({ nat: 'symmetric', portMapping: true });
    await startCoturn(lab);
    daemon = await startMiniupnpd(lab);
  });
  afterAll(() => lab?.destroy());

  async function callWith(strategy: 'portmap' | 'stun' | 'auto'): Promise<CallOnTheWire> {
    const sipp = await startSipp(lab, 'provider-strict.xml');
    const internet = await startCapture(lab, lab.internet, lab.internetInterface);
    const lan = await startCapture(lab, lab.router, lab.routerLanInterface);
    const running = runNatter(lab, [
      'call',
      '4443',
      ...SERVER,
      ...STUN,
      ...(strategy === 'auto' ? [] : ['--nat-strategy', strategy]),
      '--seconds',
      '4',
      '--json',
    ]);
    let finished = false;
    void running.then(() => (finished = true));
    // The SIP socket and the call's RTP and RTCP sockets, each mapped while the call is up.
    const clientLeases = () => daemon.leases().filter((l) => l.internalAddress === CLIENT);
    let leases: MiniupnpdLease[] = [];
    let dnat = '';
    await waitFor(() => {
      leases = clientLeases();
      if (leases.length >= 3) dnat = daemon.rules().dnat;
      return leases.length >= 3 || finished;
    }, 60_000);
    const run = await running;
    const leasesAfter = clientLeases();
    const [internetPackets, lanPackets] = await Promise.all([internet.stop(), lan.stop()]);
    sipp.process.kill('SIGKILL');
    await sipp.exited;
    const sip = sipPackets(internetPackets);
    return {
      run,
      report: run.json as unknown as CallReportJson,
      invite: sipRequests(internetPackets, 'INVITE')[0],
      internet: internetPackets,
      lan: lanPackets,
      leases,
      dnat,
      leasesAfter,
      trace: `${describeWire(sip)}\n${run.stderr}`,
    };
  }

  it("portmap: Contact and SDP carry the router's mapped ports; the provider's RTP reaches the client", async () => {
    const call = await callWith('portmap');
    const { invite, leases, trace } = call;
    expect(invite, trace).toBeDefined();
    const leaseFor = (externalPort: number | undefined) =>
      leases.find((l) => l.protocol === 'UDP' && l.externalPort === externalPort);

    // Contact: the router's address and the external port of the SIP socket's lease; the
    // INVITE itself left the router from that port (the mapping's source-port rule).
    const contact = contactHostPort(invite!.contact);
    expect(contact?.address, trace).toBe(PUBLIC.router);
    const sipLease = leaseFor(contact?.port);
    expect(sipLease, JSON.stringify(leases)).toBeDefined();
    expect(`${invite!.src}:${invite!.sport}`).toBe(`${PUBLIC.router}:${contact?.port}`);

    // SDP: the router's address, the RTP socket's external port, and a=rtcp at the RTCP one.
    const sdp = invite!.sdp;
    expect(sdp?.connection).toBe(PUBLIC.router);
    const audioPort = sdp?.audioPort ?? -1;
    const rtpLease = leaseFor(audioPort);
    expect(rtpLease, JSON.stringify(leases)).toBeDefined();
    expect(rtpLease!.internalPort % 2).toBe(0);
    const rtcpPort = Number(/^a=rtcp:(\d+)/m.exec(invite!.text)?.[1] ?? audioPort + 1);
    const rtcpLease = leaseFor(rtcpPort);
    expect(rtcpLease?.internalPort).toBe(rtpLease!.internalPort + 1);
    // iptables-legacy -S cannot print the DNAT target's revision, only that the port is forwarded.
    expect(call.dnat).toContain(`--dport ${audioPort} -j DNAT`);
    expect(call.dnat).toContain(`--dport ${rtcpPort} -j DNAT`);
    expect(call.dnat).toContain(`--dport ${contact?.port} -j DNAT`);

    // RTP both ways, judged on the wire: the provider sends to the SDP's address, and the
    // router delivers it to the client's RTP socket on the LAN side.
    const flows = JSON.stringify([...rtpFlows(call.internet)]);
    const fromProvider = rtpPackets(call.internet, {
      from: PROVIDER_MEDIA,
      to: { address: PUBLIC.router, port: audioPort },
    });
    expect(fromProvider.length, flows).toBeGreaterThan(50);
    const delivered = rtpPackets(call.lan, {
      from: PROVIDER_MEDIA,
      to: { address: CLIENT, port: rtpLease!.internalPort },
    });
    expect(delivered.length, JSON.stringify([...rtpFlows(call.lan)])).toBeGreaterThan(50);
    const toProvider = rtpPackets(call.internet, {
      from: { address: PUBLIC.router, port: audioPort },
      to: PROVIDER_MEDIA,
    });
    expect(toProvider.length, flows).toBeGreaterThan(100);
    // No relay: no TURN Allocate request left the router.
    const allocate = (p: UdpPacket) => p.payload.readUInt16BE(0) === 0x0003;
    expect(
      call.internet.some((p) => p.dport === 3478 && p.payload.length >= 20 && allocate(p)),
    ).toBe(false);

    expect(call.report, call.run.stderr).toMatchObject({ answered: true, oneWayAudio: false });
    expect(call.report.rtp.received).toBeGreaterThan(50);
    expect(call.run.code).toBe(0);

    // Removed at quit: the router holds none of the client's mappings any more.
    expect(call.leasesAfter).toEqual([]);
  });

  it('auto (the default) asks the router first: the call goes on its mappings, two-way', async () => {
    const call = await callWith('auto');
    const { invite, trace } = call;
    expect(invite, trace).toBeDefined();
    const audioPort = invite!.sdp?.audioPort;
    expect(invite!.sdp?.connection).toBe(PUBLIC.router);
    expect(call.leases.some((l) => l.externalPort === audioPort)).toBe(true);
    expect(call.leases.some((l) => l.externalPort === contactHostPort(invite!.contact)?.port)).toBe(
      true,
    );
    expect(call.report, call.run.stderr).toMatchObject({ answered: true, oneWayAudio: false });
    expect(call.report.rtp.received).toBeGreaterThan(50);
    expect(call.leasesAfter).toEqual([]);
  });

  it('control, stun on the same network: the SDP port is not mapped and the call is one-way', async () => {
    const call = await callWith('stun');
    const { invite, trace } = call;
    expect(invite, trace).toBeDefined();
    expect(call.leases).toEqual([]);
    const sdp = invite!.sdp;
    expect(sdp?.connection).toBe(PUBLIC.router);
    const audioPort = sdp?.audioPort ?? -1;
    // The provider does send where the SDP says; the router has nowhere to deliver it.
    const flows = JSON.stringify([...rtpFlows(call.internet)]);
    expect(
      rtpPackets(call.internet, {
        from: PROVIDER_MEDIA,
        to: { address: PUBLIC.router, port: audioPort },
      }).length,
      flows,
    ).toBeGreaterThan(50);
    expect(rtpPackets(call.lan, { from: PROVIDER_MEDIA }).length).toBe(0);
    expect(call.report, call.run.stderr).toMatchObject({ answered: true, oneWayAudio: true });
    expect(call.report.rtp.received).toBe(0);
  });
});
