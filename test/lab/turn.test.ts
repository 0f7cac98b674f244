/**
 * TURN for a symmetric NAT, judged on the provider's side of the wire: the client behind a
 * symmetric router calls a strict provider (which sends RTP only to the SDP address); coturn
 * relays. The provider must see our RTP coming from the relay and send its own to the relay, and
 * the client must receive it. Then the failures: a wrong TURN password and a dead TURN server
 * fall back to the STUN address and say so, within the bound; and an allocation outlives its
 * lifetime through refreshes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { announceSkip, labUnavailableReason } from '../support/lab-guard.js';
import { rtpPackets, sipPackets, sipRequests, startCapture } from './support/capture.js';
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
  'lab: TURN relay',
  labUnavailableReason(['sipp', 'turnserver', 'conntrack', 'tshark']),
);

const STUN = ['--stun', `${PUBLIC.stunA}:3478`, '--stun', `${PUBLIC.stunB}:3478`];
const SERVER = ['--server', `${PUBLIC.provider}:${PROVIDER_SIP_PORT}`, '--user', LAB_USER];
const PROVIDER_MEDIA = { address: PUBLIC.provider, port: PROVIDER_MEDIA_PORT };

interface RelayedCallReport {
  answered: boolean;
  invite: { contact: string; sdp: { connection: string; audioPort: number } } | null;
  rtp: { sent: number; received: number };
  oneWayAudio: boolean;
  addressSource?: { contact: string | null; sdp: string | null };
  relay?: {
    server: string;
    state: string;
    relayed: { address: string; port: number } | null;
    rttMs: number | null;
    error: string | null;
  };
}

async function relayedCall(
  lab: Lab,
  turnServer: string,
  seconds: number,
  password = TURN_PASSWORD,
): Promise<{ report: RelayedCallReport; stderr: string; code: number | null }> {
  const run = await runNatter(
    lab,
    [
      'call',
      '4443',
      ...SERVER,
      ...STUN,
      '--turn',
      turnServer,
      '--turn-user',
      TURN_USER,
      '--seconds',
      String(seconds),
      '--json',
    ],
    { env: { NATTER_TURN_PASSWORD: password } },
  );
  expect(run.json, run.stderr).not.toBeNull();
  return { report: run.json as unknown as RelayedCallReport, stderr: run.stderr, code: run.code };
}

describe.skipIf(skip)('TURN relay behind a symmetric NAT, strict provider', () => {
  let lab: Lab | null = null;
  afterEach(() => {
    lab?.destroy();
    lab = null;
  });

  it('relays the call: the provider talks to the relay, and audio flows both ways', async () => {
    lab = createLab({ nat: 'symmetric' });
    await startCoturn(lab);
    const turn = await startTurnServer(lab);
    await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    // The relay and the provider share the internet namespace: what passes between them goes
    // over its loopback.
    const relayWire = await startCapture(lab, lab.internet, 'lo');
    const { report, stderr, code } = await relayedCall(lab, turn.server, 4);
    const packets = await wire.stop();
    const relayPackets = await relayWire.stop();

    expect(
      report.relay?.state,
      `${stderr}\n${JSON.stringify(report.relay)}\n${turn.output().slice(-3000)}`,
    ).not.toBe('failed');
    const relayed = report.relay?.relayed;
    expect(relayed?.address).toBe(TURN_ADDRESS);
    // The SDP the provider got names the relay, not the router.
    const invite = sipRequests(packets, 'INVITE')[0];
    expect(invite?.sdp?.connection).toBe(TURN_ADDRESS);
    expect(invite?.sdp?.audioPort).toBe(relayed?.port);
    expect(report.addressSource?.sdp).toBe('turn');
    // Our RTP reaches the provider from the relay's address; the provider's goes to the relay.
    const fromRelay = rtpPackets(relayPackets, {
      from: { address: TURN_ADDRESS, port: relayed?.port ?? -1 },
      to: PROVIDER_MEDIA,
    });
    const toRelay = rtpPackets(relayPackets, {
      from: PROVIDER_MEDIA,
      to: { address: TURN_ADDRESS, port: relayed?.port ?? -1 },
    });
    expect(fromRelay.length).toBeGreaterThan(100);
    expect(toRelay.length).toBeGreaterThan(50);
    // And the client received the provider's audio through the relay.
    expect(report.rtp.received).toBeGreaterThan(50);
    expect(report.oneWayAudio).toBe(false);
    expect(code).toBe(0);
    // No RTP of ours reached the provider straight from the router.
    expect(rtpPackets(packets, { from: { address: PUBLIC.router }, to: PROVIDER_MEDIA })).toEqual(
      [],
    );
  });

  it('a wrong TURN password: a clear error, and the call goes out with its STUN address', async () => {
    lab = createLab({ nat: 'symmetric' });
    await startCoturn(lab);
    const turn = await startTurnServer(lab);
    await startSipp(lab, 'provider-strict.xml');
    const { report, stderr } = await relayedCall(lab, turn.server, 2, 'not-the-password');
    expect(report.relay?.error, turn.output().slice(-3000)).toBeDefined();
    expect(report.relay?.state).toBe('failed');
    expect(report.relay?.error ?? '').toMatch(/TURN .*(password|credentials|401|auth)/i);
    expect(report.relay?.error ?? '').toMatch(/uses its STUN address instead/);
    expect(report.invite?.sdp.connection).toBe(PUBLIC.router);
    expect(report.addressSource?.sdp).toBe('stun');
    expect(stderr).not.toContain('not-the-password');
    expect(report.answered).toBe(true);
  });

  it('a dead TURN server costs at most about two seconds before the call goes out', async () => {
    lab = createLab({ nat: 'symmetric' });
    await startCoturn(lab);
    await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, lab.internetInterface);
    const { report } = await relayedCall(lab, `${PUBLIC.silent}:3478`, 1);
    const packets = await wire.stop();
    expect(report.relay?.state).toBe('failed');
    expect(report.relay?.error ?? '').toMatch(/timeout|no answer|did not answer/i);
    const sip = sipPackets(packets);
    const registered = sip.filter((m) => m.status === 200 && m.cseq?.method === 'REGISTER');
    const invite = sipRequests(packets, 'INVITE')[0];
    expect(invite).toBeDefined();
    const lastRegistered = registered.filter((m) => m.time < (invite?.time ?? 0)).pop();
    expect(lastRegistered).toBeDefined();
    expect((invite?.time ?? 0) - (lastRegistered?.time ?? 0)).toBeLessThan(2.6);
  });

  it('an allocation outlives its lifetime through refreshes', async () => {
    lab = createLab({ nat: 'symmetric' });
    await startCoturn(lab);
    const turn = await startTurnServer(lab, { maxLifetimeSeconds: 8 });
    await startSipp(lab, 'provider-strict.xml');
    const wire = await startCapture(lab, lab.internet, 'lo');
    const { report, stderr } = await relayedCall(lab, turn.server, 20);
    const packets = await wire.stop();
    const context = `${stderr}\n${JSON.stringify(report.relay)}\n${turn.output().slice(-4000)}`;
    const relayed = report.relay?.relayed;
    expect(relayed?.address).toBe(TURN_ADDRESS);
    const fromRelay = rtpPackets(packets, {
      from: { address: TURN_ADDRESS, port: relayed?.port ?? -1 },
      to: PROVIDER_MEDIA,
    });
    // 20 s of audio at 50 packets a second went through: well past the 8 s lifetime.
    expect(fromRelay.length).toBeGreaterThan(800);
    const last = fromRelay[fromRelay.length - 1]?.time ?? 0;
    const first = fromRelay[0]?.time ?? 0;
    expect(last - first).toBeGreaterThan(18);
    // The strict provider plays a recording of a few seconds, then falls silent: what matters is
    // that it came back through the relay.
    expect(report.rtp.received, context).toBeGreaterThan(100);
    // Our client refreshed the 8 s allocation while the call ran.
    expect(turn.output()).toMatch(
      /refreshed, realm=<natter.lab>, username=<natter>, lifetime=[1-9]/,
    );
  });
});
