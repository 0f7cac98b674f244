/**
 * One STUN server plus a TURN server, behind a symmetric NAT: one STUN answer cannot classify
 * the NAT, so the TURN server's own answer for the same socket is the second opinion. The NAT is
 * then known to be symmetric, the call is relayed and audio flows both ways, judged on the
 * provider's side (the relay's loopback, where the relay and the provider meet). The control,
 * the same call without the TURN server, shows that one STUN server alone leaves the NAT
 * `unknown` and the call unrelayed: the classification came from the TURN server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { rtpPackets, sipRequests, startCapture } from './support/capture.js';
import { createLab, PUBLIC, type Lab } from './support/netns-lab.js';
import {
  LAB_USER,
  PROVIDER_MEDIA_PORT,
  PROVIDER_SIP_PORT,
  runNatter,
  startCoturn,
  startSipp,
} from './support/peers.js';
import { startTurnServer, TURN_ADDRESS, TURN_PASSWORD, TURN_USER } from './support/turn-server.js';

const skip = announceSkip(
  'lab: one STUN server plus TURN',
  labUnavailableReason(['sipp', 'turnserver', 'tshark']),
);

const ONE_STUN = ['--stun', `${PUBLIC.stunA}:3478`];
const SERVER = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const PROVIDER_MEDIA = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };

interface Report {
  answered: boolean;
  natType: string;
  rtp: { sent: number; received: number };
  oneWayAudio: boolean;
  relay?: { state: string; relayed: { address: string; port: number } | null } | null;
}

async function call(lab: Lab, extra: string[]): Promise<{ report: Report; stderr: string }> {
  const run = await runNatter(
    lab,
    ['call', '4443', ...SERVER, ...ONE_STUN, ...extra, '--seconds', '4', '--json'],
    { env: { NATTER_TURN_PASSWORD: TURN_PASSWORD } },
  );
  expect(run.json, run.stderr).not.toBeNull();
  return { report: run.json as unknown as Report, stderr: run.stderr };
}

describe.skipIf(skip)('one STUN server plus TURN behind a symmetric NAT', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it("classifies the NAT with the TURN server's answer and relays the call, audio both ways", async () => {
    lab = createLab({ nat: 'symmetric' });
    await startCoturn(lab);
    const turn = await startTurnServer(lab);
    await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const relayWire = await startCapture(lab, lab.internet, 'lo');
    const { report, stderr } = await call(lab, ['--turn', turn.server, '--turn-user', TURN_USER]);
    const packets = await wire.stop();
    const relayPackets = await relayWire.stop();

    expect(report.natType, stderr).toBe('symmetric');
    expect(report.relay?.state, `${stderr}\n${JSON.stringify(report.relay)}`).not.toBe('failed');
    const relayed = report.relay?.relayed;
    expect(relayed?.address).toBe(TURN_ADDRESS);
    const invite = sipRequests(packets, 'INVITE')[0];
    expect(invite?.sdp?.connection).toBe(TURN_ADDRESS);
    expect(invite?.sdp?.audioPort).toBe(relayed?.port);
    const relayedAddress = { address: TURN_ADDRESS, port: relayed?.port ?? -1 };
    expect(
      rtpPackets(relayPackets, { from: relayedAddress, to: PROVIDER_MEDIA }).length,
    ).toBeGreaterThan(100);
    expect(
      rtpPackets(relayPackets, { from: PROVIDER_MEDIA, to: relayedAddress }).length,
    ).toBeGreaterThan(50);
    expect(report.rtp.received).toBeGreaterThan(50);
    expect(report.oneWayAudio).toBe(false);
  });

  it('control: one STUN server alone leaves the NAT unknown and the call unrelayed', async () => {
    lab = createLab({ nat: 'symmetric' });
    await startCoturn(lab);
    await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const { report } = await call(lab, []);
    const packets = await wire.stop();
    expect(report.natType).toBe('unknown');
    expect(report.relay ?? null).toBeNull();
    expect(sipRequests(packets, 'INVITE')[0]?.sdp?.connection).toBe(PUBLIC.router);
    // Behind a symmetric NAT the STUN port is wrong for the provider: its audio never arrives.
    expect(report.oneWayAudio).toBe(true);
  });
});
