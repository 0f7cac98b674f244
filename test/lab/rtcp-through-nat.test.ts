/**
 * RTCP through NAT (RFC 3605): behind a router that does not keep the RTCP socket's port, its
 * public port is not the RTP port plus one. The phone learns
 * that mapping and advertises it in `a=rtcp:`; a strict provider, which sends RTCP only where
 * the SDP says, then reaches the phone. Judged on the wire: the INVITE's SDP and the source
 * port of our RTCP as the provider sees them, the router's own table, and what arrives at the
 * phone. The control (`--no-rtcp-mapping`: the SDP only implies RTP + 1) proves the test fails
 * when the healing is off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { sipRequests, startCapture, type UdpPacket } from './support/capture.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  LAB_USER,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
  waitFor,
  type SippHandle,
} from './support/peers.js';
import type { CallReportJson } from './support/reports.js';

const skip = announceSkip(
  'lab: RTCP through NAT',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack', 'tshark']),
);

/** Where the provider's answer (provider-rtcp.xml) says its RTCP arrives. */
const PROVIDER_RTCP_PORT = 16101;
const STUN = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const SERVER = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const CALL_SECONDS = 10;
/** The router's one public port for odd local ports; SIP gets an even one so only RTCP is odd. */
const RTCP_PUBLIC_PORT = 40001;
const SIP_LOCAL_PORT = '5062';

/** RTCP (RFC 7983 first byte 128–191, packet type 200–204). */
function isRtcp(packet: UdpPacket): boolean {
  const [first = 0, type = 0] = packet.payload;
  return first >= 128 && first <= 191 && type >= 200 && type <= 204;
}

/** Where an SDP says RTCP goes: its `a=rtcp` (RFC 3605), or the RTP port plus one. */
function advertisedRtcp(sdp: string): { address: string; port: number; explicit: boolean } {
  const connection = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1] ?? '';
  const audioPort = Number(/^m=audio (\d+)/m.exec(sdp)?.[1] ?? 0);
  const rtcp = /^a=rtcp:(\d+)(?: IN IP4 (\S+))?/m.exec(sdp);
  if (rtcp) return { address: rtcp[2] ?? connection, port: Number(rtcp[1]), explicit: true };
  return { address: connection, port: audioPort + 1, explicit: false };
}

/**
 * The strict provider's RTCP: once the INVITE arrived, sends a Receiver Report every 200 ms from
 * its a=rtcp port to where the caller's SDP says, as a provider that honours RFC 3605 does.
 */
async function startProviderRtcp(lab: Lab, sipp: SippHandle): Promise<() => void> {
  const invited = await waitFor(
    () =>
      sipp.messages().some((m) => m.direction === 'received' && m.startLine.startsWith('INVITE')),
    20_000,
  );
  if (!invited)
    throw new Error(`the INVITE never reached the provider: ${sipp.output().slice(-400)}`);
  const invite = sipp.messages().find((m) => m.startLine.startsWith('INVITE'))!;
  const target = advertisedRtcp(invite.text);
  const script = `
    const socket = require('node:dgram').createSocket('udp4');
    const report = Buffer.from([0x80, 0xc9, 0x00, 0x01, 0x0b, 0xad, 0xf0, 0x0d]);
    socket.bind(${PROVIDER_RTCP_PORT}, '${PUBLIC.provider}', () => {
      setInterval(() => socket.send(report, ${target.port}, '${target.address}'), 200);
    });`;
  const child = lab.spawn(lab.internet, process.execPath, ['-e', script]);
  return () => child.kill('SIGKILL');
}

interface RtcpWire {
  report: CallReportJson;
  sdp: string;
  advertised: { address: string; port: number; explicit: boolean };
  /** Our RTCP as the provider sees it: the router's address and the RTCP socket's public port. */
  ourRtcp: UdpPacket[];
  /** The provider's RTCP as it reached the phone's own interface. */
  arrived: UdpPacket[];
  conntrack: string;
}

async function callWithRtcp(lab: Lab, extraArgs: string[]): Promise<RtcpWire> {
  await startCoturn(lab);
  const sipp = await startSipp(lab, 'provider-rtcp.xml');
  const provider = await startCapture(lab, lab.internet, lab.internetInterface);
  const phone = await startCapture(lab, lab.client, lab.clientInterface);
  const running = runNatter(lab, [
    'call',
    '4443',
    ...SERVER,
    ...STUN,
    '--seconds',
    String(CALL_SECONDS),
    '--local-port',
    SIP_LOCAL_PORT,
    ...extraArgs,
    '--json',
  ]);
  const stopRtcp = await startProviderRtcp(lab, sipp);
  const run = await running;
  stopRtcp();
  const conntrack = lab.exec(lab.router, 'conntrack', ['-L', '-p', 'udp']);
  const [wire, inside] = await Promise.all([provider.stop(), phone.stop()]);
  expect(run.json, run.stderr).not.toBeNull();
  const invite = sipRequests(wire, 'INVITE')[0];
  expect(invite, 'no INVITE on the wire').toBeDefined();
  const sdp = invite!.text.slice(invite!.text.search(/\r?\n\r?\nv=0/));
  return {
    report: run.json as unknown as CallReportJson,
    sdp,
    advertised: advertisedRtcp(sdp),
    ourRtcp: wire.filter(
      (p) =>
        isRtcp(p) &&
        p.src === PUBLIC.router &&
        p.dst === PUBLIC.provider &&
        p.dport === PROVIDER_RTCP_PORT,
    ),
    arrived: inside.filter(
      (p) =>
        isRtcp(p) &&
        p.src === PUBLIC.provider &&
        p.sport === PROVIDER_RTCP_PORT &&
        p.dst === lab.clientAddress,
    ),
    conntrack,
  };
}

describe.skipIf(skip)("RTCP through a NAT that moves RTCP's port, judged on the wire", () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it("advertises the router's mapping of the RTCP socket, and the provider's RTCP reaches us", async () => {
    lab = createLab({ nat: 'cone', oddPortsTo: RTCP_PUBLIC_PORT });
    const wire = await callWithRtcp(lab, []);
    expect(wire.report).toMatchObject({ registered: true, answered: true });
    // Offered both ways out of RTCP trouble: the public RTCP address, and RTCP on the RTP port.
    expect(wire.sdp).toMatch(/^a=rtcp-mux\r?$/m);
    expect(wire.advertised.explicit, wire.sdp).toBe(true);
    expect(wire.advertised.address).toBe(PUBLIC.router);

    // Our RTCP left the router from exactly the advertised port, which is not RTP + 1 here.
    expect(wire.ourRtcp.length, 'no RTCP from us reached the provider').toBeGreaterThan(0);
    const publicPorts = new Set(wire.ourRtcp.map((p) => p.sport));
    expect([...publicPorts]).toEqual([wire.advertised.port]);
    expect(wire.advertised.port).toBe(RTCP_PUBLIC_PORT);
    const audioPort = Number(/^m=audio (\d+)/m.exec(wire.sdp)?.[1]);
    expect(wire.advertised.port).not.toBe(audioPort + 1);

    // The router's table agrees: the client's RTCP socket is mapped to that public port.
    const localRtcpPort = wire.arrived[0]?.dport;
    expect(localRtcpPort, 'the provider’s RTCP did not reach the phone').toBeDefined();
    expect(wire.conntrack).toMatch(
      new RegExp(
        `src=${lab.clientAddress.replace(/\./g, '\\.')} dst=${PUBLIC.provider.replace(/\./g, '\\.')} sport=${localRtcpPort} dport=${PROVIDER_RTCP_PORT} .*dport=${wire.advertised.port}\\b`,
      ),
    );
    // And the provider's RTCP, sent only where the SDP said, arrived at the phone.
    expect(wire.arrived.length).toBeGreaterThan(5);
  });

  it('control: with only RTP + 1 implied (--no-rtcp-mapping), the provider’s RTCP is lost', async () => {
    lab = createLab({ nat: 'cone', oddPortsTo: RTCP_PUBLIC_PORT });
    const wire = await callWithRtcp(lab, ['--no-rtcp-mapping']);
    expect(wire.report).toMatchObject({ registered: true, answered: true });
    expect(wire.sdp).not.toMatch(/^a=rtcp/m);
    expect(wire.ourRtcp.length, 'no RTCP from us reached the provider').toBeGreaterThan(0);
    // The port the SDP implies is not where the router maps our RTCP socket...
    expect(wire.ourRtcp.map((p) => p.sport)).not.toContain(wire.advertised.port);
    // ...so what the provider sends there never reaches the phone.
    expect(wire.arrived).toHaveLength(0);
  });
});
